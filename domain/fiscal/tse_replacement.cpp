#include "domain/fiscal/tse_replacement.h"

#include <filesystem>

#include "domain/fiscal/software_tse.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/fiscal_generated.h"

namespace pos::fiscal {
namespace fs = std::filesystem;
namespace {

// Whether the till's tse stream records that the TSE `serial` went out of service.
Result<bool> LogRecordsOutOfService(const EventStore& store, const std::string& serial) {
  bool recorded = false;
  Status bad;
  POS_RETURN_IF_ERROR(store.ScanStream(TseFiscalModule::TseStream(store.node_id()), 1,
                                       [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status();
      return false;
    }
    const flatbuffers::String* s = nullptr;
    if (event->type() == static_cast<uint32_t>(EventType::kTseDeactivated)) {
      if (const auto* p = event->PayloadAs<fb::TseDeactivated>()) s = p->tse_serial();
    } else if (event->type() == static_cast<uint32_t>(EventType::kTseDecommissioned)) {
      if (const auto* p = event->PayloadAs<fb::TseDecommissioned>()) s = p->tse_serial();
    }
    if (s != nullptr && s->string_view() == serial) recorded = true;
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return recorded;
}

}  // namespace

std::string RetiredTseDirOf(const EventStore& store) { return store.path() + "/tse-retired"; }

Result<std::string> RetireOutOfServiceTse(const EventStore& store) {
  const std::string dir = TseDirOf(store);
  std::error_code ec;
  if (!fs::exists(fs::path(dir) / "state.json", ec)) return std::string();
  POS_ASSIGN_OR_RETURN(std::unique_ptr<SoftwareTse> tse, SoftwareTse::Open(dir));
  switch (tse->lifecycle()) {
    case TseLifecycle::kUninitialised: return std::string();
    case TseLifecycle::kInitialised:
      return Status::FailedPrecondition("the TSE " + tse->serial_hex() +
                                        " is in service; it is replaced only once it is out of service "
                                        "(pos tse deactivate --admin-pin-stdin)");
    case TseLifecycle::kDeactivated:
    case TseLifecycle::kDecommissioned: break;
  }
  const std::string serial = tse->serial_hex();
  POS_ASSIGN_OR_RETURN(bool recorded, LogRecordsOutOfService(store, serial));
  if (!recorded) {
    return Status::FailedPrecondition("the TSE " + serial + " in " + dir + " is " +
                                      std::string(TseLifecycleName(tse->lifecycle())) +
                                      " but this till's log does not record it (no TseDeactivated or "
                                      "TseDecommissioned of it); it is not replaced");
  }
  const fs::path to = fs::path(RetiredTseDirOf(store)) / serial;
  if (fs::exists(to, ec)) return Status::FailedPrecondition(to.string() + " exists already; it is not overwritten");
  fs::create_directories(to.parent_path(), ec);
  if (ec) return Status::IoError("cannot create " + to.parent_path().string() + ": " + ec.message());
  fs::rename(dir, to, ec);
  if (ec) return Status::IoError("cannot move the retired TSE " + dir + " to " + to.string() + ": " + ec.message());
  return serial;
}

}  // namespace pos::fiscal
