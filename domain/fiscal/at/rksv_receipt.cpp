#include "domain/fiscal/at/rksv_receipt.h"

#include <charconv>
#include <ctime>
#include <vector>

#include "domain/fiscal/at/rksv_crypto.h"

namespace pos::fiscal::at {
namespace {

constexpr std::array<std::string_view, 9> kKindNames = {"start", "standard", "storno",  "training", "null",
                                                         "collective", "month", "year", "closing"};

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t at = text.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string_view ReceiptKindName(ReceiptKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

Result<ReceiptKind> ParseReceiptKind(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<ReceiptKind>(i);
  }
  return Status::InvalidArgument("'" + std::string(name) + "' is not an RKSV receipt kind");
}

bool IsNullReceipt(ReceiptKind kind) {
  return kind != ReceiptKind::kStandard && kind != ReceiptKind::kStorno && kind != ReceiptKind::kTraining;
}

std::string MachineCode::Payload() const {
  std::string out = "_R1-" + zda_id + "_" + register_id + "_" + receipt_id + "_" + date_time;
  for (int64_t amount : amounts) out += "_" + FormatAmount(amount);
  out += "_" + turnover + "_" + key_id + "_" + chain;
  return out;
}

std::string FormatAmount(int64_t cents) {
  const bool negative = cents < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  std::string fraction = std::to_string(magnitude % 100);
  if (fraction.size() < 2) fraction.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "," + fraction;
}

Result<int64_t> ParseAmount(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("amount '" + std::string(text) +
                                   "' is not in the Austrian format (digits, a decimal comma, two decimals)");
  };
  std::string_view s = text;
  const bool negative = s.starts_with('-');
  if (negative) s.remove_prefix(1);
  const size_t comma = s.find(',');
  if (comma == std::string_view::npos || s.size() - comma != 3) return bad();
  const std::string_view whole = s.substr(0, comma);
  const std::string_view cents = s.substr(comma + 1);
  if (!AllDigits(whole) || !AllDigits(cents) || whole.size() > 15) return bad();
  int64_t value = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), value);
  int64_t fraction = 0;
  std::from_chars(cents.data(), cents.data() + cents.size(), fraction);
  value = value * 100 + fraction;
  return negative ? -value : value;
}

std::string FormatDateTime(int64_t micros, bool utc) {
  std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  if (micros < 0 && micros % 1'000'000 != 0) --seconds;
  std::tm tm{};
  if (utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &tm);
  return buffer;
}

Result<int64_t> ParseDateTimeAsUtc(std::string_view text) {
  std::tm tm{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || *end != '\0' || copy.size() != 19) {
    return Status::InvalidArgument("'" + copy + "' is not a date-time YYYY-MM-DDThh:mm:ss");
  }
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000;
}

Result<MachineCode> ParsePayload(std::string_view payload) {
  if (!payload.starts_with("_R1-")) {
    return Status::InvalidArgument("the receipt payload does not start with _R1-<ZDA id>_ (suite R1)");
  }
  std::vector<std::string_view> f = Split(payload.substr(1), '_');
  if (f.size() != 12) {
    return Status::InvalidArgument("the receipt payload has " + std::to_string(f.size()) +
                                   " fields separated by '_'; suite R1 has 12 (suite, register id, receipt id, "
                                   "date-time, 5 amounts, turnover counter, key id, chaining value)");
  }
  MachineCode code;
  code.zda_id = std::string(f[0].substr(3));
  if (code.zda_id.size() < 3 || !code.zda_id.starts_with("AT")) {
    return Status::InvalidArgument("the suite '" + std::string(f[0]) + "' names no Austrian ZDA (AT0, AT1, ...)");
  }
  code.register_id = std::string(f[1]);
  code.receipt_id = std::string(f[2]);
  code.date_time = std::string(f[3]);
  if (code.register_id.empty() || code.receipt_id.empty()) {
    return Status::InvalidArgument("the register id and the receipt id must not be empty");
  }
  POS_RETURN_IF_ERROR(ParseDateTimeAsUtc(code.date_time).status());
  for (size_t i = 0; i < kTaxSets; ++i) {
    POS_ASSIGN_OR_RETURN(code.amounts[i], ParseAmount(f[4 + i]));
  }
  code.turnover = std::string(f[9]);
  code.key_id = std::string(f[10]);
  code.chain = std::string(f[11]);
  return code;
}

Result<CompactJws> ParseCompactJws(std::string_view jws) {
  std::vector<std::string_view> parts = Split(jws, '.');
  if (parts.size() != 3) {
    return Status::InvalidArgument("not a compact JWS: " + std::to_string(parts.size()) +
                                   " parts separated by '.', expected 3 (header.payload.signature)");
  }
  CompactJws out;
  out.header_b64 = std::string(parts[0]);
  out.payload_b64 = std::string(parts[1]);
  out.signature_b64 = std::string(parts[2]);
  POS_ASSIGN_OR_RETURN(std::string header, Base64UrlDecode(parts[0], "the JWS header"));
  if (header.find("\"ES256\"") == std::string::npos) {
    return Status::InvalidArgument("the JWS header " + header + " does not name alg ES256");
  }
  POS_ASSIGN_OR_RETURN(out.payload, Base64UrlDecode(parts[1], "the JWS payload"));
  POS_ASSIGN_OR_RETURN(out.signature, Base64UrlDecode(parts[2], "the JWS signature"));
  return out;
}

std::string QrCodeOf(const CompactJws& jws) { return jws.payload + "_" + Base64Encode(jws.signature); }

}  // namespace pos::fiscal::at
