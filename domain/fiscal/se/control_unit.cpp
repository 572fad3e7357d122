#include "domain/fiscal/se/control_unit.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/hmac.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "domain/fiscal/at/rksv_crypto.h"
#include "domain/fiscal/atomic_file.h"
#include "engine/bytes.h"
#include "engine/sha256.h"

namespace pos::fiscal::se {
namespace {

constexpr const char* kUnitFile = "unit.json";
constexpr const char* kJournalFile = "journal.jsonl";
constexpr size_t kCodeBytes = 20;

std::string Kronor(int64_t ore) {
  const bool negative = ore < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(ore) : static_cast<uint64_t>(ore);
  std::string fraction = std::to_string(magnitude % 100);
  if (fraction.size() < 2) fraction.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "," + fraction;
}

std::string RecordHash(const std::string& prev, const std::string& data, const std::string& code) {
  const Sha256Digest digest = Sha256(prev + "\n" + data + "\n" + code);
  return ToHex(std::span<const uint8_t>(digest.data(), digest.size()));
}

bool AllDigits(const std::string& s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

}  // namespace

std::string_view ScuReceiptTypeName(ScuReceiptType type) {
  switch (type) {
    case ScuReceiptType::kNormal: return "normal";
    case ScuReceiptType::kCopy: return "copy";
    case ScuReceiptType::kTraining: return "training";
    case ScuReceiptType::kReturn: return "return";
  }
  return "normal";
}

Result<std::string> RegisteredData::Canonical() const {
  std::array<int64_t, 4> by_rate{};  // 25, 12, 6, 0 %
  for (const VatAmount& v : vat) {
    switch (v.basis_points) {
      case 2500: by_rate[0] += v.amount; break;
      case 1200: by_rate[1] += v.amount; break;
      case 600: by_rate[2] += v.amount; break;
      case 0: by_rate[3] += v.amount; break;
      default:
        return Status::FailedPrecondition("VAT rate " + std::to_string(v.basis_points / 100) + "." +
                                          std::to_string(v.basis_points % 100) +
                                          " % is not Swedish; a Swedish till sells at 25, 12, 6 or 0 %");
    }
  }
  if (date_time.size() != 12 || !AllDigits(date_time)) {
    return Status::InvalidArgument("date-time '" + date_time + "' is not YYYYMMDDhhmm");
  }
  std::string out = organisation_number + ";" + register_id + ";" + date_time + ";" + std::to_string(receipt_serial) +
                    ";" + std::string(ScuReceiptTypeName(type)) + ";" + Kronor(total);
  for (int64_t amount : by_rate) out += ";" + Kronor(amount);
  return out;
}

Status SoftwareControlUnit::ValidateIdentity(const std::string& organisation_number, const std::string& register_id) {
  if (organisation_number.size() != 10 || !AllDigits(organisation_number)) {
    return Status::InvalidArgument("organisation number '" + organisation_number + "' must be 10 digits (NNNNNNNNNN)");
  }
  if (register_id.empty() || register_id.size() > 16) {
    return Status::InvalidArgument("register id '" + register_id + "' must be 1 to 16 characters");
  }
  for (char c : register_id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return Status::InvalidArgument("register id '" + register_id + "' may hold letters, digits and '-'");
  }
  return Status::Ok();
}

Result<std::unique_ptr<SoftwareControlUnit>> SoftwareControlUnit::Create(const std::string& dir,
                                                                         const std::string& organisation_number,
                                                                         const std::string& register_id) {
  POS_RETURN_IF_ERROR(ValidateIdentity(organisation_number, register_id));
  std::error_code ec;
  if (std::filesystem::exists(dir + "/" + kUnitFile, ec)) {
    return Status::AlreadyExists("a control unit already exists in " + dir);
  }
  POS_RETURN_IF_ERROR(EnsureDirectory(dir));
  std::unique_ptr<SoftwareControlUnit> unit(new SoftwareControlUnit());
  unit->dir_ = dir;
  unit->organisation_number_ = organisation_number;
  unit->register_id_ = register_id;
  unit->key_ = RandomBytes(32);
  if (unit->key_.size() != 32) return Status::Internal("no random bytes for the control unit's key");
  std::string serial = RandomBytes(6);
  unit->serial_ = "SW" + ToHex(serial.size() == 6 ? std::string_view(serial) : std::string_view("000000"));
  for (char& c : unit->serial_) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  POS_RETURN_IF_ERROR(unit->Save());
  POS_RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + kJournalFile, "", 0600));
  return unit;
}

Status SoftwareControlUnit::Save() const {
  nlohmann::json j = {{"format", 1},
                      {"serial", serial_},
                      {"organisation_number", organisation_number_},
                      {"register_id", register_id_},
                      {"key", at::Base64Encode(key_)},
                      {"failed", failed_}};
  return WriteFileAtomically(dir_ + "/" + kUnitFile, j.dump(2) + "\n", 0600);
}

Result<std::unique_ptr<SoftwareControlUnit>> SoftwareControlUnit::Open(const std::string& dir) {
  const std::string where = dir + "/" + kUnitFile;
  POS_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(where));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j.value("format", 0) != 1 || !j.contains("serial") ||
      !j["serial"].is_string() || !j.contains("key") || !j["key"].is_string() ||
      !j.contains("organisation_number") || !j["organisation_number"].is_string() || !j.contains("register_id") ||
      !j["register_id"].is_string()) {
    return Status::Corruption(where + " is not a control unit file (format 1)");
  }
  std::unique_ptr<SoftwareControlUnit> unit(new SoftwareControlUnit());
  unit->dir_ = dir;
  unit->serial_ = j["serial"].get<std::string>();
  unit->organisation_number_ = j["organisation_number"].get<std::string>();
  unit->register_id_ = j["register_id"].get<std::string>();
  unit->failed_ = j.value("failed", false);
  auto key = at::Base64Decode(j["key"].get<std::string>(), "the control unit's key");
  if (!key.ok() || key->size() != 32) return Status::Corruption(where + ": the key is not 32 bytes in base64");
  unit->key_ = *key;
  POS_ASSIGN_OR_RETURN(std::vector<ScuJournalRecord> journal, unit->ReadJournal());
  if (!journal.empty()) {
    unit->last_seq_ = journal.back().seq;
    unit->last_hash_ = journal.back().hash;
  }
  return unit;
}

std::string SoftwareControlUnit::ControlCodeOf(const std::string& canonical) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), mac, &size);
  std::string hex = ToHex(std::span<const uint8_t>(mac, std::min<size_t>(size, kCodeBytes)));
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

Status SoftwareControlUnit::SetFailed(bool failed) {
  const bool before = failed_;
  failed_ = failed;
  Status saved = Save();
  if (!saved.ok()) failed_ = before;
  return saved;
}

Result<ScuResponse> SoftwareControlUnit::Register(const RegisteredData& data) {
  if (failed_) return Status::Unavailable("control unit " + serial_ + " does not answer (failed)");
  if (data.organisation_number != organisation_number_ || data.register_id != register_id_) {
    return Status::InvalidArgument("registered data for " + data.organisation_number + "/" + data.register_id +
                                   " sent to the control unit of " + organisation_number_ + "/" + register_id_);
  }
  POS_ASSIGN_OR_RETURN(std::string canonical, data.Canonical());
  ScuJournalRecord record;
  record.seq = last_seq_ + 1;
  record.data = canonical;
  record.control_code = ControlCodeOf(canonical);
  record.prev = last_hash_;
  record.hash = RecordHash(record.prev, record.data, record.control_code);
  const std::string line = nlohmann::json{{"seq", record.seq},
                                          {"data", record.data},
                                          {"control_code", record.control_code},
                                          {"prev", record.prev},
                                          {"hash", record.hash}}
                               .dump() +
                           "\n";
  const std::string path = dir_ + "/" + kJournalFile;
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("control unit " + serial_ + " cannot open its journal " + path);
  const ssize_t written = ::write(fd, line.data(), line.size());
  const bool synced = written == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return Status::Unavailable("control unit " + serial_ + " cannot write its journal " + path);
  last_seq_ = record.seq;
  last_hash_ = record.hash;
  return ScuResponse{record.control_code, record.seq};
}

Result<std::vector<ScuJournalRecord>> SoftwareControlUnit::ReadJournal() const {
  const std::string path = dir_ + "/" + kJournalFile;
  POS_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  std::vector<ScuJournalRecord> out;
  std::istringstream lines(text);
  std::string line;
  std::string prev;
  while (std::getline(lines, line)) {
    const std::string where = path + " record " + std::to_string(out.size() + 1);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned() ||
        !j.contains("data") || !j["data"].is_string() || !j.contains("control_code") ||
        !j["control_code"].is_string() || !j.contains("hash") || !j["hash"].is_string()) {
      return Status::Corruption(where + " is malformed (a torn or edited line)");
    }
    ScuJournalRecord r{j["seq"].get<uint64_t>(), j["data"].get<std::string>(), j["control_code"].get<std::string>(),
                       j.value("prev", std::string()), j["hash"].get<std::string>()};
    if (r.seq != out.size() + 1) return Status::Corruption(where + " has seq " + std::to_string(r.seq));
    if (r.prev != prev || r.hash != RecordHash(r.prev, r.data, r.control_code)) {
      return Status::Corruption(where + " breaks the journal's hash chain");
    }
    if (r.control_code != ControlCodeOf(r.data)) return Status::Corruption(where + " has a wrong control code");
    prev = r.hash;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace pos::fiscal::se
