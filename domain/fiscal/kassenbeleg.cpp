#include "domain/fiscal/kassenbeleg.h"

#include <cstdio>
#include <ctime>
#include <map>

#include "domain/fiscal/tse_crypto.h"
#include "domain/fiscal/tse_log_message.h"
#include "events/fiscal_generated.h"

namespace pos::fiscal {
namespace {

std::string Amount(int64_t minor) {
  const bool negative = minor < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + cents;
}

int TaxColumn(uint32_t basis_points) {
  switch (basis_points) {
    case 1900: case 1600: return 0;
    case 700: case 500: return 1;
    case 1070: return 2;
    case 550: return 3;
    default: return 4;
  }
}

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

std::string Bytes(const flatbuffers::Vector<uint8_t>* v) {
  return v == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(v->data()), v->size());
}

}  // namespace

std::string KassenbelegProcessData(const FiscalReceipt& receipt) {
  // A receipt handed to another till of the site is a transfer (DSFinV-K "AVTransfer").
  const std::string kind = receipt.cancelled     ? "AVBelegabbruch"
                           : receipt.training    ? "AVTraining"
                           : receipt.handed_over ? "AVTransfer"
                                                 : "Beleg";
  int64_t columns[5] = {0, 0, 0, 0, 0};
  for (const TaxLineTotal& line : receipt.totals.tax_lines) columns[TaxColumn(line.basis_points)] += line.gross;
  std::string out = kind + "^";
  for (int i = 0; i < 5; ++i) out += (i ? "_" : "") + Amount(columns[i]);
  out += "^";
  std::map<std::string, int64_t> by_kind;  // "Bar" sorts before "Unbar"
  for (const Payment& p : receipt.payments) by_kind[p.type == PaymentType::kCash ? "Bar" : "Unbar"] += p.amount;
  bool first = true;
  for (const auto& [name, amount] : by_kind) {
    if (amount == 0) continue;
    out += (first ? "" : "_") + Amount(amount) + ":" + name;
    first = false;
  }
  return out;
}

std::string IsoTime(int64_t unix_us) {
  const int64_t seconds = unix_us >= 0 ? unix_us / 1000000 : (unix_us - 999999) / 1000000;
  const int64_t millis = (unix_us - seconds * 1000000) / 1000;
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buffer;
}

std::string QrCode(const QrInput& in) {
  return "V0;" + in.client_id + ";" + in.process_type + ";" + in.process_data + ";" +
         std::to_string(in.transaction_number) + ";" + std::to_string(in.signature_counter) + ";" +
         IsoTime(in.start_time_us) + ";" + IsoTime(in.log_time_us) + ";" + std::string(kSignatureAlgorithm) +
         ";unixTime;" + Base64(in.signature) + ";" + Base64(in.public_key);
}

FiscalPrint FiscalPrintOf(const fb::TseTransactionFinished& f) {
  FiscalPrint print;
  if (f.outage()) {
    print.lines.push_back("TSE ausgefallen");
    if (f.tse_serial() != nullptr && f.tse_serial()->size() != 0) print.lines.push_back("TSE-Seriennr.: " + Str(f.tse_serial()));
    print.lines.push_back("Kassen-Seriennr.: " + Str(f.client_id()));
    print.lines.push_back("Belegende: " + IsoTime(f.log_time_us()));
    return print;
  }
  print.lines.push_back("TSE-Seriennr.: " + Str(f.tse_serial()));
  print.lines.push_back("Kassen-Seriennr.: " + Str(f.client_id()));
  print.lines.push_back("TSE-Transaktion: " + std::to_string(f.transaction_number()));
  print.lines.push_back("TSE-Signaturzaehler: " + std::to_string(f.signature_counter()));
  print.lines.push_back("TSE-Start: " + IsoTime(f.start_time_us()));
  print.lines.push_back("TSE-Ende: " + IsoTime(f.log_time_us()));
  print.lines.push_back("TSE-Signatur: " + Base64(Bytes(f.signature())));
  print.qr_payload = Str(f.qr_code());
  if (print.qr_payload.empty()) {
    print.qr_payload = QrCode({Str(f.client_id()), Str(f.process_type()), Str(f.process_data()),
                               f.transaction_number(), f.signature_counter(), f.start_time_us(), f.log_time_us(),
                               Bytes(f.signature()), Bytes(f.public_key())});
  }
  return print;
}

}  // namespace pos::fiscal
