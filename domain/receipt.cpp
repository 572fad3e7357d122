#include "domain/receipt.h"

namespace pos {

std::string_view PaymentTypeName(PaymentType type) {
  switch (type) {
    case PaymentType::kCash: return "cash";
    case PaymentType::kCard: return "card";
    case PaymentType::kVoucher: return "voucher";
  }
  return "unknown";
}

std::optional<PaymentType> ParsePaymentType(std::string_view name) {
  if (name == "cash") return PaymentType::kCash;
  if (name == "card") return PaymentType::kCard;
  if (name == "voucher") return PaymentType::kVoucher;
  return std::nullopt;
}

const ReceiptLine* Receipt::FindLine(uint32_t line_no) const {
  if (line_no == 0 || line_no > lines.size()) return nullptr;
  return &lines[line_no - 1];
}

ReceiptLine* Receipt::FindLine(uint32_t line_no) {
  if (line_no == 0 || line_no > lines.size()) return nullptr;
  return &lines[line_no - 1];
}

int64_t Receipt::Paid() const {
  int64_t paid = 0;
  for (const Payment& p : payments) paid += p.amount;
  return paid;
}

size_t Receipt::LiveLines() const {
  size_t live = 0;
  for (const ReceiptLine& line : lines) live += line.voided ? 0 : 1;
  return live;
}

std::string ReceiptStream(std::string_view receipt_id) { return "receipt/" + std::string(receipt_id); }

}  // namespace pos
