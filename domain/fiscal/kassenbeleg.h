// The DSFinV-K side of a signed receipt: the process data of process type
// "Kassenbeleg-V1", the receipt QR code string (V0) and the fiscal lines a
// printed receipt shows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/fiscal_module.h"

namespace pos::fb {
struct TseTransactionFinished;
}

namespace pos::fiscal {

// "<Vorgangstyp>^<gross A>_<B>_<C>_<D>_<E>^<amount>:<Bar|Unbar>_...": Vorgangstyp
// "Beleg" (a sale or refund), "AVTraining" (training) or "AVBelegabbruch"
// (cancelled); tax columns by rate: A 19 %, B 7 %, C 10.7 %, D 5.5 %, E 0 %
// (16 % counts as A and 5 % as B; any other rate is put in E). Amounts in major
// units with two decimals and '.'; cash is "Bar", card and voucher "Unbar".
std::string KassenbelegProcessData(const FiscalReceipt& receipt);

// 2024-05-17T14:03:07.123Z
std::string IsoTime(int64_t unix_us);

struct QrInput {
  std::string client_id;  // the Kassen-Seriennummer
  std::string process_type;
  std::string process_data;
  uint64_t transaction_number = 0;
  uint64_t signature_counter = 0;
  int64_t start_time_us = 0;
  int64_t log_time_us = 0;
  std::string signature;   // raw r||s
  std::string public_key;  // DER
};
// "V0;<kassen-serial>;<process type>;<process data>;<tx>;<counter>;<start>;<end>;
//  ecdsa-plain-SHA256;unixTime;<signature base64>;<public key base64>"
std::string QrCode(const QrInput& input);

// What a printed receipt shows of its TseTransactionFinished.
struct FiscalPrint {
  std::vector<std::string> lines;
  std::string qr_payload;  // empty on an outage
};
FiscalPrint FiscalPrintOf(const fb::TseTransactionFinished& finished);

}  // namespace pos::fiscal
