#include "domain/fiscal/tse_fiscal_module.h"

#include <algorithm>
#include <filesystem>

#include "domain/fiscal/kassenbeleg.h"
#include "domain/fiscal/tse_events.h"
#include "domain/till_snapshot.h"
#include "engine/bytes.h"
#include "events/event_view.h"
#include "events/fiscal_generated.h"

namespace pos::fiscal {

TseFiscalModule::TseFiscalModule(EventStore& store, SoftwareTse& tse)
    : store_(store), tse_(tse), client_id_(ToHex(store.node_id())), stream_(TseStream(store.node_id())) {}

namespace {
// Counters in the log belong to one TSE: a replacement TSE (pos tse init after a
// move to other hardware) starts its own counters at 1.
bool SameTse(const flatbuffers::String* serial, const SoftwareTse& tse) {
  return serial == nullptr || serial->size() == 0 || serial->string_view() == tse.serial_hex();
}
}  // namespace

std::string TseFiscalModule::TseStream(std::string_view node_id) { return "tse/" + ToHex(node_id); }

namespace {

// The TSE module's start-up snapshot (domain/till_snapshot.h), "snapshot/tse":
// serial str | highest transaction number u64 | highest signature counter u64 |
// in outage u8. Valid only for the TSE whose serial it names.
constexpr std::string_view kSnapshotName = "tse";
constexpr uint32_t kSnapshotFormat = 1;
// A Create that scanned at least this many own events writes a new snapshot.
constexpr uint64_t kSnapshotAfterEvents = 1'000;

}  // namespace

Result<std::unique_ptr<TseFiscalModule>> TseFiscalModule::Create(EventStore& store, SoftwareTse& tse) {
  std::unique_ptr<TseFiscalModule> module(new TseFiscalModule(store, tse));
  uint64_t max_tx = 0;
  uint64_t max_counter = 0;
  SnapshotHead head;
  std::string refused;
  POS_ASSIGN_OR_RETURN(std::optional<CheckedSnapshot> snapshot,
                       LoadCheckedSnapshot(store, kSnapshotName, kSnapshotFormat, &refused));
  if (snapshot.has_value()) {
    SnapshotReader r(snapshot->state);
    const std::string serial = r.Str();
    const uint64_t tx = r.U64();
    const uint64_t counter = r.U64();
    const bool outage = r.Bool();
    if (!r.failed() && r.at_end() && serial == tse.serial_hex()) {
      head = snapshot->head;
      max_tx = tx;
      max_counter = counter;
      module->in_outage_ = outage;
    }
  }
  module->snapshot_used_ = head.origin_seq != 0;
  uint64_t scanned = 0;
  Status scanned_status;
  POS_RETURN_IF_ERROR(store.ScanOrigin(store.node_id(), head.origin_seq + 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      scanned_status = event.status();
      return false;
    }
    ++scanned;
    head.origin_seq = event->origin_seq();
    head.hash.assign(event->hash());
    switch (static_cast<EventType>(event->type())) {
      case EventType::kTseTransactionStarted:
        if (const auto* p = event->PayloadAs<fb::TseTransactionStarted>(); p != nullptr && !p->outage() && SameTse(p->tse_serial(), tse)) {
          max_tx = std::max(max_tx, p->transaction_number());
          max_counter = std::max(max_counter, p->signature_counter());
        }
        break;
      case EventType::kTseTransactionFinished:
        if (const auto* p = event->PayloadAs<fb::TseTransactionFinished>(); p != nullptr && !p->outage() && SameTse(p->tse_serial(), tse)) {
          max_tx = std::max(max_tx, p->transaction_number());
          max_counter = std::max(max_counter, p->signature_counter());
        }
        break;
      case EventType::kTseTransactionUpdated:
        if (const auto* p = event->PayloadAs<fb::TseTransactionUpdated>(); p != nullptr && !p->outage() && SameTse(p->tse_serial(), tse)) {
          max_tx = std::max(max_tx, p->transaction_number());
          max_counter = std::max(max_counter, p->signature_counter());
        }
        break;
      case EventType::kTseOutageBegan:
        if (event->stream() == module->stream_) module->in_outage_ = true;
        break;
      case EventType::kTseOutageEnded:
        if (event->stream() == module->stream_) module->in_outage_ = false;
        break;
      default: break;
    }
    return true;
  }));
  POS_RETURN_IF_ERROR(scanned_status);
  POS_RETURN_IF_ERROR(tse.RaiseCounters(max_tx, max_counter));
  if (scanned >= kSnapshotAfterEvents) {
    std::string state;
    SnapshotWriter w(state);
    w.Str(tse.serial_hex());
    w.U64(max_tx);
    w.U64(max_counter);
    w.Bool(module->in_outage_);
    POS_RETURN_IF_ERROR(store.PutSnapshot(kSnapshotName, EncodeSnapshot(kSnapshotFormat, head, state)));
  }
  return module;
}

Status TseFiscalModule::Record(EventType type, std::vector<uint8_t> payload, const std::string& user) {
  AppendBatch batch;
  batch.stream = stream_;
  batch.expected_version = kAnyVersion;
  batch.user = user;
  batch.events.push_back(NewEvent{type, std::move(payload)});
  return store_.Append(std::move(batch)).status();
}

Status TseFiscalModule::BeginOutage(const Status& why, int64_t now_us) {
  if (in_outage_) return Status::Ok();
  POS_RETURN_IF_ERROR(
      Record(EventType::kTseOutageBegan, tse_events::TseOutageBegan(tse_.serial_hex(), why.message(), now_us), ""));
  in_outage_ = true;
  return Status::Ok();
}

Status TseFiscalModule::EndOutage(int64_t now_us) {
  if (!in_outage_) return Status::Ok();
  POS_RETURN_IF_ERROR(Record(EventType::kTseOutageEnded, tse_events::TseOutageEnded(tse_.serial_hex(), now_us), ""));
  in_outage_ = false;
  return Status::Ok();
}

Result<std::vector<NewEvent>> TseFiscalModule::StartReceipt(const std::string& receipt_id, int64_t now_us) {
  POS_RETURN_IF_ERROR(tse_.CheckCanSign(client_id_));
  tse_events::Started started;
  started.tse_serial = tse_.serial_hex();
  started.client_id = client_id_;
  started.receipt_id = receipt_id;
  started.process_type = std::string(kProcessTypeKassenbeleg);
  started.log_time_us = now_us;
  auto log = tse_.StartTransaction(client_id_, started.process_type, "", receipt_id, now_us);
  if (log.ok()) {
    POS_RETURN_IF_ERROR(EndOutage(now_us));
    started.transaction_number = log->message.transaction_number;
    started.signature_counter = log->message.signature_counter;
    started.signature = log->signature;
  } else if (log.status().code() == StatusCode::kUnavailable) {
    POS_RETURN_IF_ERROR(BeginOutage(log.status(), now_us));
    started.outage = true;
  } else {
    return log.status();
  }
  std::vector<NewEvent> events;
  events.push_back(NewEvent{EventType::kTseTransactionStarted, tse_events::TseTransactionStarted(started)});
  return events;
}

Result<std::vector<NewEvent>> TseFiscalModule::FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) {
  if (Status can_sign = tse_.CheckCanSign(client_id_); !can_sign.ok()) {
    // A receipt opened before the TSE went out of service can still be cancelled
    // (unsigned: nothing was sold), or the day could never be closed.
    if (receipt.cancelled) return std::vector<NewEvent>();
    return can_sign;
  }
  tse_events::Finished finished;
  finished.tse_serial = tse_.serial_hex();
  finished.client_id = client_id_;
  finished.process_type = std::string(kProcessTypeKassenbeleg);
  finished.process_data = KassenbelegProcessData(receipt);
  finished.log_time_us = now_us;
  finished.start_time_us = now_us;

  // The receipt's transaction; one started during an outage (or lost) starts now.
  Status failure;
  std::optional<TseOpenTransaction> open = tse_.FindOpenByReference(receipt.receipt_id);
  if (!open.has_value()) {
    auto started = tse_.StartTransaction(client_id_, finished.process_type, "", receipt.receipt_id, now_us);
    if (started.ok()) {
      open = tse_.FindOpenByReference(receipt.receipt_id);
    } else {
      failure = started.status();
    }
  }
  if (open.has_value()) {
    finished.start_time_us = open->start_time_us;
    auto log = tse_.FinishTransaction(client_id_, open->number, finished.process_type, finished.process_data, now_us);
    if (log.ok()) {
      POS_RETURN_IF_ERROR(EndOutage(now_us));
      finished.transaction_number = open->number;
      finished.signature_counter = log->message.signature_counter;
      finished.signature = log->signature;
      finished.public_key = tse_.public_key_der();
      finished.qr_code = QrCode({client_id_, finished.process_type, finished.process_data, open->number,
                                 finished.signature_counter, finished.start_time_us, now_us, finished.signature,
                                 finished.public_key});
    } else {
      failure = log.status();
    }
  }
  if (!failure.ok()) {
    if (failure.code() != StatusCode::kUnavailable) return failure;
    POS_RETURN_IF_ERROR(BeginOutage(failure, now_us));
    finished.outage = true;
    finished.transaction_number = 0;
    finished.signature_counter = 0;
  }
  std::vector<NewEvent> events;
  events.push_back(NewEvent{EventType::kTseTransactionFinished, tse_events::TseTransactionFinished(finished)});
  return events;
}

Result<std::vector<NewEvent>> TseFiscalModule::UpdateReceipt(const std::string& receipt_id,
                                                             const std::string& process_data, int64_t now_us) {
  std::vector<NewEvent> events;
  if (!tse_.CheckCanSign(client_id_).ok()) return events;
  std::optional<TseOpenTransaction> open = tse_.FindOpenByReference(receipt_id);
  if (!open.has_value()) return events;
  tse_events::Started updated;
  updated.tse_serial = tse_.serial_hex();
  updated.client_id = client_id_;
  updated.receipt_id = receipt_id;
  updated.process_type = std::string(kProcessTypeKassenbeleg);
  updated.process_data = process_data;
  updated.log_time_us = now_us;
  auto log = tse_.UpdateTransaction(client_id_, open->number, updated.process_type, process_data, now_us);
  if (!log.ok()) {
    if (log.status().code() == StatusCode::kUnavailable) POS_RETURN_IF_ERROR(BeginOutage(log.status(), now_us));
    return events;  // never blocks the sale
  }
  POS_RETURN_IF_ERROR(EndOutage(now_us));
  updated.transaction_number = open->number;
  updated.signature_counter = log->message.signature_counter;
  updated.signature = log->signature;
  events.push_back(NewEvent{EventType::kTseTransactionUpdated, tse_events::TseTransactionUpdated(updated)});
  return events;
}

std::string TseDirOf(const EventStore& store) { return store.path() + "/tse"; }

Result<std::optional<TillTse>> OpenTillTse(EventStore& store) {
  const std::string dir = TseDirOf(store);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return std::optional<TillTse>();
  TillTse till;
  POS_ASSIGN_OR_RETURN(till.tse, SoftwareTse::Open(dir));
  POS_ASSIGN_OR_RETURN(till.module, TseFiscalModule::Create(store, *till.tse));
  return std::optional<TillTse>(std::move(till));
}

}  // namespace pos::fiscal
