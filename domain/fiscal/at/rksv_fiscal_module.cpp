#include "domain/fiscal/at/rksv_fiscal_module.h"

#include <filesystem>

#include "domain/fiscal/at/rksv_events.h"
#include "engine/bytes.h"
#include "events/event_view.h"

namespace pos::fiscal::at {

std::optional<TaxSet> TaxSetOfRate(uint32_t basis_points) {
  switch (basis_points) {
    case 2000: return TaxSet::kNormal;
    case 1000: return TaxSet::kErmaessigt1;
    case 1300: return TaxSet::kErmaessigt2;
    case 0: return TaxSet::kNull;
    case 1900: return TaxSet::kBesonders;
    default: return std::nullopt;
  }
}

RksvFiscalModule::RksvFiscalModule(EventStore& store, RksvRegister& reg)
    : store_(store), reg_(reg), stream_(Stream(store.node_id())) {}

std::string RksvFiscalModule::Stream(std::string_view node_id) { return "rksv/" + ToHex(node_id); }

Result<std::unique_ptr<RksvFiscalModule>> RksvFiscalModule::Create(EventStore& store, RksvRegister& reg) {
  std::unique_ptr<RksvFiscalModule> module(new RksvFiscalModule(store, reg));
  POS_RETURN_IF_ERROR(module->Refresh());
  return module;
}

Status RksvFiscalModule::Refresh() {
  Status bad;
  POS_RETURN_IF_ERROR(store_.ScanOrigin(store_.node_id(), scanned_seq_ + 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status();
      return false;
    }
    scanned_seq_ = event->origin_seq();
    if (static_cast<EventType>(event->type()) != EventType::kRksvReceiptSigned) return true;
    auto record = DecodeReceiptSigned(*event);
    if (!record.ok()) {
      bad = record.status();
      return false;
    }
    auto kind = ParseReceiptKind(record->kind);
    if (!kind.ok()) {
      bad = kind.status();
      return false;
    }
    Advance(state_, *kind, record->device_failed, record->turnover_counter, record->compact_jws);
    return true;
  }));
  return bad;
}

Result<ChainState> RksvFiscalModule::State() {
  POS_RETURN_IF_ERROR(Refresh());
  return state_;
}

Status RksvFiscalModule::Append(EventType type, std::vector<uint8_t> payload, const std::string& user) {
  AppendBatch batch;
  batch.stream = stream_;
  batch.expected_version = kAnyVersion;
  batch.user = user;
  batch.events.push_back(NewEvent{type, std::move(payload)});
  POS_RETURN_IF_ERROR(store_.Append(std::move(batch)).status());
  return Refresh();
}

std::string RksvFiscalModule::OwnReceiptId() const {
  return ToHex(store_.node_id()).substr(0, 8) + "-S" + std::to_string(state_.receipts + 1);
}

Status RksvFiscalModule::RecordDevice(size_t index, int64_t now_us, const std::string& user) {
  DeviceAddedRecord r;
  r.device_index = static_cast<uint32_t>(index);
  r.key_id = reg_.devices().at(index).key_id;
  r.zda_id = reg_.zda_id();
  POS_ASSIGN_OR_RETURN(r.public_key, reg_.PublicKeyDer(index));
  POS_ASSIGN_OR_RETURN(r.certificate, reg_.CertificateDer(index));
  POS_ASSIGN_OR_RETURN(r.ca_certificates, reg_.CaCertificatesDer());
  r.log_time_us = now_us;
  return Append(EventType::kRksvSignatureDeviceAdded, EncodeDeviceAdded(r), user);
}

Result<SignedReceipt> RksvFiscalModule::Initialise(int64_t now_us, const std::string& user,
                                                   const std::string& belegnummer) {
  POS_RETURN_IF_ERROR(Refresh());
  if (state_.started) return Status::AlreadyExists("the RKSV register already has its Startbeleg");
  POS_RETURN_IF_ERROR(Append(EventType::kRksvRegisterInitialised,
                             EncodeRegisterInitialised({reg_.register_id(), reg_.company_id(),
                                                        reg_.open_system() ? "open" : "closed", reg_.counter_bytes(),
                                                        now_us}),
                             user));
  for (size_t i = 0; i < reg_.devices().size(); ++i) POS_RETURN_IF_ERROR(RecordDevice(i, now_us, user));
  return IssueOwn(ReceiptKind::kStart, now_us, user, belegnummer);
}

Result<SignedReceipt> RksvFiscalModule::IssueNullReceipt(ReceiptKind kind, int64_t now_us, const std::string& user,
                                                         const std::string& belegnummer) {
  if (!IsNullReceipt(kind) || kind == ReceiptKind::kStart) {
    return Status::InvalidArgument("IssueNullReceipt issues null, collective, month, year and closing receipts");
  }
  POS_RETURN_IF_ERROR(Refresh());
  if (kind == ReceiptKind::kNull && state_.last_failed) kind = ReceiptKind::kCollective;
  return IssueOwn(kind, now_us, user, belegnummer);
}

Result<SignedReceipt> RksvFiscalModule::IssueOwn(ReceiptKind kind, int64_t now_us, const std::string& user,
                                                 const std::string& belegnummer) {
  POS_RETURN_IF_ERROR(Refresh());
  SignRequest request{kind, belegnummer.empty() ? OwnReceiptId() : belegnummer, now_us, {}, reg_.active_device()};
  POS_ASSIGN_OR_RETURN(SignedReceipt receipt, SignNext(state_, reg_, request));
  ReceiptSignedRecord record{"",           std::string(ReceiptKindName(kind)), receipt.belegnummer,
                             static_cast<uint32_t>(receipt.device), receipt.key_id, receipt.device_failed,
                             receipt.turnover, receipt.compact_jws, now_us};
  POS_RETURN_IF_ERROR(Append(EventType::kRksvReceiptSigned, EncodeReceiptSigned(record), user));
  return receipt;
}

Result<std::vector<NewEvent>> RksvFiscalModule::StartReceipt(const std::string&, int64_t) {
  POS_RETURN_IF_ERROR(Refresh());
  if (!state_.started) {
    return Status::FailedPrecondition("the RKSV register " + reg_.register_id() +
                                      " has no Startbeleg yet; run `pos rksv init` before selling");
  }
  if (state_.closed) {
    return Status::FailedPrecondition("the RKSV register " + reg_.register_id() +
                                      " is closed (Schlussbeleg issued); it may not sell any more");
  }
  return std::vector<NewEvent>();
}

Result<std::vector<NewEvent>> RksvFiscalModule::FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) {
  std::string belegnummer = std::move(next_belegnummer_);
  const bool storno = next_storno_ || receipt.refund;
  next_belegnummer_.clear();
  next_storno_ = false;
  if (receipt.cancelled) return std::vector<NewEvent>();  // never handed out: not a receipt of the chain

  TaxSetAmounts amounts{};
  for (const TaxLineTotal& line : receipt.totals.tax_lines) {
    const std::optional<TaxSet> set = TaxSetOfRate(line.basis_points);
    if (!set.has_value()) {
      return Status::FailedPrecondition("tax rate " + line.tax_rate + " (" + std::to_string(line.basis_points / 100) +
                                        "." + (line.basis_points % 100 < 10 ? "0" : "") +
                                        std::to_string(line.basis_points % 100) +
                                        " %) has no RKSV tax set; an Austrian till sells at 20, 10, 13, 19 or 0 %");
    }
    amounts[static_cast<size_t>(*set)] += line.gross;
  }
  const ReceiptKind kind =
      receipt.training ? ReceiptKind::kTraining : (storno ? ReceiptKind::kStorno : ReceiptKind::kStandard);
  POS_RETURN_IF_ERROR(Refresh());
  if (state_.last_failed) {
    // Recovery: a Sammelbeleg first, if the device works again (else this receipt fails too).
    auto collective = IssueOwn(ReceiptKind::kCollective, now_us, "", "");
    if (!collective.ok() && collective.status().code() != StatusCode::kUnavailable) return collective.status();
  }
  if (belegnummer.empty()) belegnummer = receipt.receipt_id;
  SignRequest request{kind, belegnummer, now_us, amounts, reg_.active_device()};
  POS_ASSIGN_OR_RETURN(SignedReceipt signed_receipt, SignNext(state_, reg_, request));
  ReceiptSignedRecord record{receipt.receipt_id,
                             std::string(ReceiptKindName(kind)),
                             signed_receipt.belegnummer,
                             static_cast<uint32_t>(signed_receipt.device),
                             signed_receipt.key_id,
                             signed_receipt.device_failed,
                             signed_receipt.turnover,
                             signed_receipt.compact_jws,
                             now_us};
  std::vector<NewEvent> events;
  events.push_back(NewEvent{EventType::kRksvReceiptSigned, EncodeReceiptSigned(record)});
  return events;
}

std::string RksvDirOf(const EventStore& store) { return store.path() + "/rksv"; }

Result<std::optional<TillRksv>> OpenTillRksv(EventStore& store) {
  const std::string dir = RksvDirOf(store);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return std::optional<TillRksv>();
  TillRksv till;
  POS_ASSIGN_OR_RETURN(till.reg, RksvRegister::Open(dir));
  POS_ASSIGN_OR_RETURN(till.module, RksvFiscalModule::Create(store, *till.reg));
  return std::optional<TillRksv>(std::move(till));
}

}  // namespace pos::fiscal::at
