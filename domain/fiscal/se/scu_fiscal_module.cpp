#include "domain/fiscal/se/scu_fiscal_module.h"

#include <ctime>
#include <filesystem>

#include "engine/bytes.h"
#include "events/fiscal_at_se_generated.h"

namespace pos::fiscal::se {
namespace {

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

// Local (or UTC) "YYYYMMDDhhmm".
std::string Minute(int64_t micros, bool utc) {
  std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  if (utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  char buffer[16];
  std::strftime(buffer, sizeof(buffer), "%Y%m%d%H%M", &tm);
  return buffer;
}

std::string Kronor(int64_t ore) {
  const bool negative = ore < 0;
  const uint64_t m = negative ? 0 - static_cast<uint64_t>(ore) : static_cast<uint64_t>(ore);
  std::string f = std::to_string(m % 100);
  if (f.size() < 2) f.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(m / 100) + "," + f;
}

}  // namespace

std::vector<uint8_t> EncodeScuReceiptRegistered(const ScuRecord& r) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::ScuVatAmount>> vat;
  for (const VatAmount& v : r.vat) vat.push_back(fb::CreateScuVatAmount(b, v.basis_points, v.amount));
  b.Finish(fb::CreateScuReceiptRegisteredDirect(b, r.receipt_id.c_str(), r.unit_serial.c_str(),
                                                r.organisation_number.c_str(), r.register_id.c_str(),
                                                r.receipt_serial, r.receipt_type.c_str(), r.registered_at.c_str(),
                                                r.total, &vat, r.control_code.c_str(), r.journal_seq, r.log_time_us));
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

Result<ScuRecord> DecodeScuReceiptRegistered(std::span<const uint8_t> payload) {
  flatbuffers::Verifier verifier(payload.data(), payload.size());
  if (!verifier.VerifyBuffer<fb::ScuReceiptRegistered>(nullptr)) {
    return Status::Corruption("malformed ScuReceiptRegistered payload");
  }
  const auto* p = flatbuffers::GetRoot<fb::ScuReceiptRegistered>(payload.data());
  ScuRecord r{Str(p->receipt_id()), Str(p->unit_serial()), Str(p->organisation_number()), Str(p->register_id()),
              p->receipt_serial(), Str(p->receipt_type()), Str(p->registered_at()), p->total(), {},
              Str(p->control_code()), p->journal_seq(), p->log_time_us()};
  if (p->vat() != nullptr) {
    for (const auto* v : *p->vat()) r.vat.push_back({v->basis_points(), v->amount()});
  }
  return r;
}

std::vector<uint8_t> EncodeScuInitialised(const std::string& serial, const std::string& organisation_number,
                                          const std::string& register_id, int64_t now_us) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateScuInitialisedDirect(b, serial.c_str(), organisation_number.c_str(), register_id.c_str(), now_us));
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

std::vector<std::string> ScuPrintLines(const ScuRecord& r) {
  std::vector<std::string> lines;
  if (r.receipt_type == "copy") lines.push_back("KOPIA - copy, not a receipt");
  if (r.receipt_type == "training") lines.push_back("OVNINGSKVITTO - training receipt");
  if (r.receipt_type == "return") lines.push_back("RETURKVITTO - return");
  lines.push_back("Org.nr: " + r.organisation_number);
  lines.push_back("Kassa: " + r.register_id + "  Kvitto: " + std::to_string(r.receipt_serial));
  lines.push_back("Kontrollenhet: " + r.unit_serial);
  lines.push_back("Kontrollkod: " + r.control_code);
  lines.push_back("Summa: " + Kronor(r.total));
  return lines;
}

std::string ScuFiscalModule::Stream(std::string_view node_id) { return "scu/" + ToHex(node_id); }

Result<std::vector<NewEvent>> ScuFiscalModule::StartReceipt(const std::string&, int64_t) {
  return std::vector<NewEvent>();
}

Result<ScuRecord> ScuFiscalModule::Send(const std::string& receipt_id, uint64_t number, ScuReceiptType type,
                                        int64_t total, const std::vector<VatAmount>& vat, int64_t now_us) {
  RegisteredData data{unit_.organisation_number(), unit_.register_id(), Minute(now_us, utc_clock_), number, type,
                      total, vat};
  POS_ASSIGN_OR_RETURN(ScuResponse response, unit_.Register(data));
  return ScuRecord{receipt_id,           unit_.serial(), unit_.organisation_number(), unit_.register_id(), number,
                   std::string(ScuReceiptTypeName(type)), data.date_time, total, vat, response.control_code,
                   response.journal_seq, now_us};
}

Result<std::vector<NewEvent>> ScuFiscalModule::FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) {
  if (receipt.cancelled) return std::vector<NewEvent>();
  std::vector<VatAmount> vat;
  for (const TaxLineTotal& line : receipt.totals.tax_lines) vat.push_back({line.basis_points, line.tax});
  const ScuReceiptType type =
      receipt.training ? ScuReceiptType::kTraining : (receipt.refund ? ScuReceiptType::kReturn : ScuReceiptType::kNormal);
  auto record = Send(receipt.receipt_id, receipt.number, type, receipt.totals.total, vat, now_us);
  if (!record.ok()) {
    return record.status().WithContext("the receipt cannot be closed without the control unit's code");
  }
  std::vector<NewEvent> events;
  events.push_back(NewEvent{EventType::kScuReceiptRegistered, EncodeScuReceiptRegistered(*record)});
  return events;
}

Status ScuFiscalModule::Append(EventType type, std::vector<uint8_t> payload, const std::string& user) {
  AppendBatch batch;
  batch.stream = Stream(store_.node_id());
  batch.expected_version = kAnyVersion;
  batch.user = user;
  batch.events.push_back(NewEvent{type, std::move(payload)});
  return store_.Append(std::move(batch)).status();
}

Result<ScuRecord> ScuFiscalModule::RegisterCopy(const std::string& receipt_id, uint64_t number, int64_t total,
                                                const std::vector<VatAmount>& vat, int64_t now_us,
                                                const std::string& user) {
  POS_ASSIGN_OR_RETURN(ScuRecord record, Send(receipt_id, number, ScuReceiptType::kCopy, total, vat, now_us));
  POS_RETURN_IF_ERROR(Append(EventType::kScuReceiptRegistered, EncodeScuReceiptRegistered(record), user));
  return record;
}

Status ScuFiscalModule::RecordInitialised(int64_t now_us, const std::string& user) {
  return Append(EventType::kScuInitialised,
                EncodeScuInitialised(unit_.serial(), unit_.organisation_number(), unit_.register_id(), now_us), user);
}

std::string ScuDirOf(const EventStore& store) { return store.path() + "/scu"; }

Result<std::optional<TillScu>> OpenTillScu(EventStore& store) {
  const std::string dir = ScuDirOf(store);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return std::optional<TillScu>();
  TillScu till;
  POS_ASSIGN_OR_RETURN(till.unit, SoftwareControlUnit::Open(dir));
  till.module = std::make_unique<ScuFiscalModule>(store, *till.unit);
  return std::optional<TillScu>(std::move(till));
}

}  // namespace pos::fiscal::se
