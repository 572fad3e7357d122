// PrintableReceipt: everything a printed receipt shows, already decided.
//
// A plain value filled from a closed receipt (domain/receipt.h), master data and the
// fiscal module; printers only lay it out (adapters/escpos_encoder.h) and never compute
// sums. Text fields are UTF-8. Money is integer minor units (1234 = "12.34"), signed:
// refunds carry negative quantities and amounts. Discounts are positive amounts that
// reduce the gross and are printed with a minus sign.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pos {

struct PrintableLine {
  std::string name;
  int64_t quantity = 1;
  int64_t unit_price = 0;  // gross, minor units
  int64_t amount = 0;      // what the line contributes to the total (0 for a voided line)
  std::string tax_rate;    // tax rate code, e.g. "A"; matches PrintableTaxLine::code
  std::optional<int64_t> discount;  // line discount, > 0 when present
  bool voided = false;
};

struct PrintableTaxLine {
  std::string code;  // "A"
  std::string rate;  // percent with two decimals, "19.00"
  int64_t net = 0;
  int64_t tax = 0;
  int64_t gross = 0;  // net + tax
};

struct PrintablePayment {
  std::string type;  // "cash", "card" or "voucher"; other text is printed as it is
  int64_t amount = 0;
};

struct PrintableReceipt {
  // Header, printed centred: the shop name large, then the address lines, then the till.
  std::string shop_name;
  std::vector<std::string> address_lines;
  std::string till_name;

  uint64_t number = 0;     // the till's dense receipt number
  std::string date_time;   // already formatted, e.g. "2024-05-17 14:03"
  std::string cashier;

  std::vector<PrintableLine> lines;
  int64_t receipt_discount = 0;  // > 0 when granted
  std::vector<PrintableTaxLine> tax_lines;
  int64_t total = 0;
  std::vector<PrintablePayment> payments;
  int64_t change_given = 0;  // printed when not 0

  std::vector<std::string> footer_lines;  // printed centred ("Thank you!")
  // Fiscal data added by the fiscal module: text lines (e.g. TSE serial, signature
  // counter, start and end time) and the QR payload. The QR is printed only when the
  // payload is not empty; its bytes are sent to the printer unchanged.
  std::vector<std::string> fiscal_lines;
  std::string qr_payload;

  bool is_copy = false;  // a reprint: marked at the top and the bottom
  bool is_demo = false;  // a training / demo receipt: marked at the top and the bottom
  std::string currency;  // ISO 4217 code printed beside the total, e.g. "EUR"
};

}  // namespace pos
