// The receipt model: plain values that the register decides on and the
// projections and printers read. Money is integer minor units; quantities whole pieces.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pos {

enum class PaymentType : uint8_t { kCash = 0, kCard = 1, kVoucher = 2 };
std::string_view PaymentTypeName(PaymentType type);
std::optional<PaymentType> ParsePaymentType(std::string_view name);

struct ReceiptLine {
  uint32_t line_no = 0;
  std::string article_code;
  std::string name;
  std::string group;
  int64_t quantity = 0;
  int64_t unit_price = 0;  // gross
  std::string tax_rate;
  uint32_t tax_basis_points = 0;
  bool price_overridden = false;
  int64_t discount = 0;  // line discount, reduces the gross amount
  bool voided = false;
  // quantity * unit_price - discount (0 when voided).
  int64_t Amount() const { return voided ? 0 : quantity * unit_price - discount; }
};

struct Payment {
  PaymentType type = PaymentType::kCash;
  int64_t amount = 0;
  std::string reference;
};

enum class ReceiptStatus : uint8_t { kOpen, kParked, kClosed, kCancelled };

struct Receipt {
  std::string id;  // "<node id hex[0:8]>-<n>"
  uint64_t stream_version = 0;
  ReceiptStatus status = ReceiptStatus::kOpen;
  std::string cashier;
  uint64_t refund_of_number = 0;  // 0: a sale
  std::string refund_of_till;
  bool training = false;
  int64_t opened_at_us = 0;
  std::vector<ReceiptLine> lines;
  int64_t receipt_discount = 0;
  std::vector<Payment> payments;
  uint64_t number = 0;  // set when closed

  bool is_refund() const { return refund_of_number != 0; }
  const ReceiptLine* FindLine(uint32_t line_no) const;
  ReceiptLine* FindLine(uint32_t line_no);
  int64_t Paid() const;
  size_t LiveLines() const;
};

std::string ReceiptStream(std::string_view receipt_id);

struct TaxLineTotal {
  std::string tax_rate;
  uint32_t basis_points = 0;
  int64_t gross = 0;
  int64_t net = 0;
  int64_t tax = 0;
  bool operator==(const TaxLineTotal&) const = default;
};

struct ReceiptTotals {
  int64_t total = 0;                   // sum of the tax lines' gross
  std::vector<TaxLineTotal> tax_lines;  // by tax rate code, ascending
};

}  // namespace pos
