// The RKSV machine-readable receipt (Detailspezifikation Abs. 4, 5 and 12):
//
//   _R1-<ZDA>_<Kassen-ID>_<Belegnummer>_<YYYY-MM-DDThh:mm:ss>_<Normal>_<Ermaessigt-1>_
//   <Ermaessigt-2>_<Null>_<Besonders>_<Umsatzzaehler>_<Zertifikat-Seriennummer>_<Sig-Voriger-Beleg>
//
// is the signed payload; the QR code appends "_<signature, base64>" (13 fields
// after the suite). Amounts are gross euro with a decimal comma and two decimals,
// no grouping ("1234,50", "-0,99"); the date-time is local time without a zone.
// The compact JWS is "eyJhbGciOiJFUzI1NiJ9.<payload, base64url>.<R||S, base64url>".
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos::fiscal::at {

// The five tax sets (Steuersätze) in the order of the receipt.
enum class TaxSet : uint8_t { kNormal = 0, kErmaessigt1 = 1, kErmaessigt2 = 2, kNull = 3, kBesonders = 4 };
inline constexpr size_t kTaxSets = 5;
using TaxSetAmounts = std::array<int64_t, kTaxSets>;  // euro cents, signed

// What kind of receipt a link of the chain is. Start, null, collective, month, year
// and closing receipts are null receipts (all amounts 0, counter encrypted);
// storno and training receipts carry "STO" / "TRA" (base64) instead of the counter.
enum class ReceiptKind : uint8_t {
  kStart, kStandard, kStorno, kTraining, kNull, kCollective, kMonth, kYear, kClosing
};
std::string_view ReceiptKindName(ReceiptKind kind);
Result<ReceiptKind> ParseReceiptKind(std::string_view name);
bool IsNullReceipt(ReceiptKind kind);

inline constexpr std::string_view kStornoMarker = "U1RP";    // base64("STO")
inline constexpr std::string_view kTrainingMarker = "VFJB";  // base64("TRA")

struct MachineCode {
  std::string zda_id;  // "AT0" for a closed system
  std::string register_id;
  std::string receipt_id;
  std::string date_time;  // YYYY-MM-DDThh:mm:ss
  TaxSetAmounts amounts{};
  std::string turnover;  // base64 ciphertext, or kStornoMarker / kTrainingMarker
  std::string key_id;    // certificate serial (open) or "<company>-K<n>" (closed)
  std::string chain;     // base64 of 8 bytes

  // The signed payload (without the signature field).
  std::string Payload() const;
};

// "1234,50" for 123450; "-0,99" for -99.
std::string FormatAmount(int64_t cents);
Result<int64_t> ParseAmount(std::string_view text);
// Local date-time of `micros` since the epoch, in the system's zone or in UTC.
std::string FormatDateTime(int64_t micros, bool utc);
// "2016-03-11T03:57:08" -> micros as if UTC (the scenario clock); kInvalidArgument otherwise.
Result<int64_t> ParseDateTimeAsUtc(std::string_view text);

// Parses a signed payload; errors say which field is wrong.
Result<MachineCode> ParsePayload(std::string_view payload);

// The parts of a compact JWS, decoded.
struct CompactJws {
  std::string header_b64, payload_b64, signature_b64;
  std::string payload;    // decoded
  std::string signature;  // decoded raw bytes (R||S, or kDeviceFailedText)
  std::string SigningInput() const { return header_b64 + "." + payload_b64; }
};
Result<CompactJws> ParseCompactJws(std::string_view jws);

// The QR code content: payload + "_" + base64(signature).
std::string QrCodeOf(const CompactJws& jws);

}  // namespace pos::fiscal::at
