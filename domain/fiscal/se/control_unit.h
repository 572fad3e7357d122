// SoftwareControlUnit: a software stand-in for a Swedish control unit
// (kontrollenhet, SKVFS 2014:9). The till sends each receipt's registered data
// (registreringsdata); the unit journals it and returns a control code
// (kontrollkod) that the receipt prints. NOT certified: docs/fiscal-se.md.
//
// Files in its directory (<data>/scu):
//   unit.json      {"format":1, "serial", "organisation_number", "register_id",
//                   "key": base64 (32 bytes, the unit's secret), "failed": bool}  mode 0600
//   journal.jsonl  the unit's own journal, one JSON object per line, appended and fsynced
//                  before the code is returned: {"seq", "data" (the canonical registered
//                  data), "control_code", "prev", "hash"} where hash = hex SHA-256(prev || "\n" || data
//                  || "\n" || control_code) chains the records (prev of the first: "").
//
// Canonical registered data (what the control code signs):
//   <org nr>;<register id>;<YYYYMMDDhhmm>;<receipt serial>;<type>;<total>;<vat 25%>;<vat 12%>;<vat 6%>;<vat 0%>
// with amounts in kronor with a decimal comma ("123,45") and type one of
// normal | copy | training | return. Control code: upper-case hex of the first 20
// bytes of HMAC-SHA256(key, canonical data).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pos::fiscal::se {

enum class ScuReceiptType : uint8_t { kNormal, kCopy, kTraining, kReturn };
std::string_view ScuReceiptTypeName(ScuReceiptType type);

struct VatAmount {
  uint32_t basis_points = 0;  // 2500, 1200, 600 or 0
  int64_t amount = 0;         // VAT in öre
};

struct RegisteredData {
  std::string organisation_number;  // 10 digits
  std::string register_id;
  std::string date_time;            // local "YYYYMMDDhhmm"
  uint64_t receipt_serial = 0;
  ScuReceiptType type = ScuReceiptType::kNormal;
  int64_t total = 0;                // öre, signed
  std::vector<VatAmount> vat;

  // The canonical line above; kInvalidArgument for a VAT rate Sweden does not have.
  Result<std::string> Canonical() const;
};

struct ScuResponse {
  std::string control_code;
  uint64_t journal_seq = 0;
};

struct ScuJournalRecord {
  uint64_t seq = 0;
  std::string data, control_code, prev, hash;
};

class SoftwareControlUnit {
 public:
  static Result<std::unique_ptr<SoftwareControlUnit>> Create(const std::string& dir,
                                                             const std::string& organisation_number,
                                                             const std::string& register_id);
  static Result<std::unique_ptr<SoftwareControlUnit>> Open(const std::string& dir);
  static Status ValidateIdentity(const std::string& organisation_number, const std::string& register_id);

  const std::string& serial() const { return serial_; }
  const std::string& organisation_number() const { return organisation_number_; }
  const std::string& register_id() const { return register_id_; }
  bool failed() const { return failed_; }
  uint64_t journal_size() const { return last_seq_; }

  // Journals `data` and returns its control code. kUnavailable when the unit has
  // failed (simulated) or cannot write its journal; kInvalidArgument for data that
  // is not this till's (organisation number, register id) or malformed.
  Result<ScuResponse> Register(const RegisteredData& data);
  Status SetFailed(bool failed);

  // The journal, checked: dense sequence, hash chain, and every control code
  // recomputed; kCorruption names the first bad record.
  Result<std::vector<ScuJournalRecord>> ReadJournal() const;
  // The control code the unit computes for a canonical line (for checks).
  std::string ControlCodeOf(const std::string& canonical) const;

 private:
  SoftwareControlUnit() = default;
  Status Save() const;

  std::string dir_, serial_, organisation_number_, register_id_, key_;
  bool failed_ = false;
  uint64_t last_seq_ = 0;
  std::string last_hash_;
};

}  // namespace pos::fiscal::se
