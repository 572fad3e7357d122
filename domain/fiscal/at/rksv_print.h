// What a printed Austrian receipt shows from its RksvReceiptSigned event: the QR
// code (the machine-readable code, Detailspezifikation Abs. 12) and text lines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pos::fiscal::at {

struct RksvPrint {
  std::vector<std::string> lines;
  std::string qr_payload;  // "_R1-AT…_…_<signature base64>"
};

Result<RksvPrint> RksvPrintOf(const std::vector<uint8_t>& receipt_signed_payload);

}  // namespace pos::fiscal::at
