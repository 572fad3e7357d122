#include "domain/register_events.h"

#include "events/register_generated.h"

namespace pos::register_events {
namespace {

Bytes Finish(flatbuffers::FlatBufferBuilder& b) {
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

fb::PaymentType ToFb(PaymentType type) { return static_cast<fb::PaymentType>(type); }

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::TaxLine>>> TaxLines(
    flatbuffers::FlatBufferBuilder& b, const std::vector<TaxLineTotal>& lines) {
  std::vector<flatbuffers::Offset<fb::TaxLine>> out;
  for (const TaxLineTotal& t : lines) {
    out.push_back(fb::CreateTaxLineDirect(b, t.tax_rate.c_str(), t.basis_points, t.gross, t.net, t.tax));
  }
  return b.CreateVector(out);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::PaymentTotal>>> PaymentTotals(
    flatbuffers::FlatBufferBuilder& b, const std::vector<std::pair<PaymentType, int64_t>>& totals) {
  std::vector<flatbuffers::Offset<fb::PaymentTotal>> out;
  for (const auto& [type, amount] : totals) out.push_back(fb::CreatePaymentTotal(b, ToFb(type), amount));
  return b.CreateVector(out);
}

// Every builder writes default values too, so `pos log` shows every field.
struct Builder : flatbuffers::FlatBufferBuilder {
  Builder() { ForceDefaults(true); }
};

}  // namespace

Bytes ReceiptOpened(const std::string& receipt_id, const std::string& cashier, uint64_t refund_of_number,
                    const std::string& refund_of_till, bool training) {
  Builder b;
  b.Finish(fb::CreateReceiptOpenedDirect(b, receipt_id.c_str(), cashier.c_str(), refund_of_number,
                                         refund_of_till.c_str(), training));
  return Finish(b);
}

Bytes LineAdded(const ReceiptLine& line, const std::string& approved_by) {
  Builder b;
  b.Finish(fb::CreateLineAddedDirect(b, line.line_no, line.article_code.c_str(), line.name.c_str(),
                                     line.group.c_str(), line.quantity, line.unit_price, line.tax_rate.c_str(),
                                     line.tax_basis_points, line.price_overridden, approved_by.c_str()));
  return Finish(b);
}

ReceiptLine LineOf(const fb::LineAdded& payload) {
  auto text = [](const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); };
  ReceiptLine line;
  line.line_no = payload.line_no();
  line.article_code = text(payload.article_code());
  line.name = text(payload.name());
  line.group = text(payload.group());
  line.quantity = payload.quantity();
  line.unit_price = payload.unit_price();
  line.tax_rate = text(payload.tax_rate());
  line.tax_basis_points = payload.tax_basis_points();
  line.price_overridden = payload.price_overridden();
  return line;
}

Bytes LineVoided(uint32_t line_no, const std::string& approved_by) {
  Builder b;
  b.Finish(fb::CreateLineVoidedDirect(b, line_no, approved_by.c_str()));
  return Finish(b);
}

Bytes LineDiscountGranted(uint32_t line_no, int64_t amount, const std::string& approved_by) {
  Builder b;
  b.Finish(fb::CreateLineDiscountGrantedDirect(b, line_no, amount, approved_by.c_str()));
  return Finish(b);
}

Bytes ReceiptDiscountGranted(int64_t amount, const std::string& approved_by) {
  Builder b;
  b.Finish(fb::CreateReceiptDiscountGrantedDirect(b, amount, approved_by.c_str()));
  return Finish(b);
}

Bytes PaymentAdded(const Payment& payment) {
  Builder b;
  b.Finish(fb::CreatePaymentAddedDirect(b, ToFb(payment.type), payment.amount, payment.reference.c_str()));
  return Finish(b);
}

Bytes ReceiptParked(const std::string& cashier) {
  Builder b;
  b.Finish(fb::CreateReceiptParkedDirect(b, cashier.c_str()));
  return Finish(b);
}

Bytes ReceiptResumed(const std::string& cashier) {
  Builder b;
  b.Finish(fb::CreateReceiptResumedDirect(b, cashier.c_str()));
  return Finish(b);
}

Bytes ReceiptCancelled(const std::string& reason, const std::string& approved_by) {
  Builder b;
  b.Finish(fb::CreateReceiptCancelledDirect(b, reason.c_str(), approved_by.c_str()));
  return Finish(b);
}

Bytes ReceiptClosed(const Receipt& receipt, uint64_t number, const ReceiptTotals& totals, int64_t change,
                    const std::vector<std::pair<PaymentType, int64_t>>& kept) {
  Builder b;
  auto tax_lines = TaxLines(b, totals.tax_lines);
  auto payments = PaymentTotals(b, kept);
  const auto voided = static_cast<uint32_t>(receipt.lines.size() - receipt.LiveLines());
  b.Finish(fb::CreateReceiptClosed(b, number, b.CreateString(receipt.cashier), totals.total, change, tax_lines,
                                   payments, static_cast<uint32_t>(receipt.LiveLines()), voided,
                                   receipt.refund_of_number, b.CreateString(receipt.refund_of_till)));
  return Finish(b);
}

Bytes CashierSignedOn(const std::string& user) {
  Builder b;
  b.Finish(fb::CreateCashierSignedOnDirect(b, user.c_str()));
  return Finish(b);
}

Bytes CashierSignedOff(const std::string& user) {
  Builder b;
  b.Finish(fb::CreateCashierSignedOffDirect(b, user.c_str()));
  return Finish(b);
}

Bytes CashMovementRecorded(bool cash_in, int64_t amount, const std::string& reason, const std::string& approved_by) {
  Builder b;
  b.Finish(fb::CreateCashMovementRecordedDirect(b, cash_in ? fb::CashMovementKind::In : fb::CashMovementKind::Out,
                                                amount, reason.c_str(), approved_by.c_str()));
  return Finish(b);
}

Bytes DayClosed(const ZReport& report) {
  Builder b;
  const DayFigures& f = report.figures;
  std::vector<TaxLineTotal> tax;
  for (const auto& [code, t] : f.tax) tax.push_back(t);
  auto tax_lines = TaxLines(b, tax);
  std::vector<std::pair<PaymentType, int64_t>> paid(f.payments.begin(), f.payments.end());
  auto payments = PaymentTotals(b, paid);
  std::vector<flatbuffers::Offset<fb::CashierTotal>> cashiers;
  for (const auto& [user, figures] : f.cashiers) {
    cashiers.push_back(fb::CreateCashierTotalDirect(b, user.c_str(), figures.receipts, figures.total));
  }
  auto cashier_vector = b.CreateVector(cashiers);
  auto approved = b.CreateString(report.approved_by);
  fb::DayClosedBuilder day(b);
  day.add_z_number(report.z_number);
  day.add_first_receipt(f.first_receipt);
  day.add_last_receipt(f.last_receipt);
  day.add_opened_at_us(f.opened_at_us);
  day.add_receipts(f.receipts);
  day.add_refunds(f.refunds);
  day.add_cancelled(f.cancelled);
  day.add_voided_lines(f.voided_lines);
  day.add_total(f.total);
  day.add_tax_lines(tax_lines);
  day.add_payments(payments);
  day.add_cashiers(cashier_vector);
  day.add_cash_in(f.cash_in);
  day.add_cash_out(f.cash_out);
  day.add_expected_cash(report.expected_cash);
  day.add_counted_cash(report.counted_cash);
  day.add_difference(report.difference);
  day.add_approved_by(approved);
  b.Finish(day.Finish());
  return Finish(b);
}

Bytes PermissionDenied(const std::string& user, const std::string& command, const std::string& required_role) {
  Builder b;
  b.Finish(fb::CreatePermissionDeniedDirect(b, user.c_str(), command.c_str(), required_role.c_str()));
  return Finish(b);
}

}  // namespace pos::register_events
