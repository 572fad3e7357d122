#include "adapters/dsfinvk/tse_source.h"

#include "events/event_view.h"

// POS_HAVE_FISCAL_SCHEMA is set by adapters/CMakeLists.txt when events/fiscal.fbs
// exists (so adding the schema re-runs CMake and recompiles this file).
#if defined(POS_HAVE_FISCAL_SCHEMA) && __has_include("events/fiscal_generated.h")
#include "events/fiscal_generated.h"
#define POS_DSFINVK_HAS_TSE 1
#else
#define POS_DSFINVK_HAS_TSE 0
#endif

namespace pos::dsfinvk {

bool TseSchemaAvailable() { return POS_DSFINVK_HAS_TSE != 0; }

#if POS_DSFINVK_HAS_TSE
namespace {
std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }
std::string Bytes(const flatbuffers::Vector<uint8_t>* v) {
  return v ? std::string(reinterpret_cast<const char*>(v->data()), v->size()) : std::string();
}
}  // namespace

Result<std::optional<TseTransaction>> FindTseTransaction(const EventStore& store, std::string_view receipt_id) {
  std::optional<TseTransaction> found;
  Status bad;
  const std::string stream = "receipt/" + std::string(receipt_id);
  POS_RETURN_IF_ERROR(store.ScanStream(stream, 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status();
      return false;
    }
    if (event->type() != kTseTransactionFinishedType) return true;
    const auto* p = event->PayloadAs<fb::TseTransactionFinished>();
    if (p == nullptr) {
      bad = Status::Corruption("a malformed TseTransactionFinished payload in stream " + stream);
      return false;
    }
    TseTransaction t;
    t.tse_serial = Str(p->tse_serial());
    t.client_id = Str(p->client_id());
    t.transaction_number = p->transaction_number();
    t.signature_counter = p->signature_counter();
    t.start_time_us = p->start_time_us();
    t.log_time_us = p->log_time_us();
    t.process_type = Str(p->process_type());
    t.process_data = Str(p->process_data());
    t.signature_algorithm = Str(p->signature_algorithm());
    t.signature = Bytes(p->signature());
    t.public_key = Bytes(p->public_key());
    t.qr_code = Str(p->qr_code());
    t.outage = p->outage();
    found = std::move(t);
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return found;
}
#else
Result<std::optional<TseTransaction>> FindTseTransaction(const EventStore&, std::string_view) {
  return std::optional<TseTransaction>();
}
#endif

}  // namespace pos::dsfinvk
