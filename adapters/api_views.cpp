#include "adapters/api_views.h"

#include <vector>

#include "domain/tax_calculator.h"

namespace pos::api {

PaymentType ToApi(pos::PaymentType type) {
  switch (type) {
    case pos::PaymentType::kCash: return PaymentType::Cash;
    case pos::PaymentType::kCard: return PaymentType::Card;
    case pos::PaymentType::kVoucher: return PaymentType::Voucher;
  }
  return PaymentType::Cash;
}

ReceiptState ToApi(pos::ReceiptStatus status) {
  switch (status) {
    case pos::ReceiptStatus::kOpen: return ReceiptState::Open;
    case pos::ReceiptStatus::kParked: return ReceiptState::Parked;
    case pos::ReceiptStatus::kClosed: return ReceiptState::Closed;
    case pos::ReceiptStatus::kCancelled: return ReceiptState::Cancelled;
  }
  return ReceiptState::Open;
}

flatbuffers::Offset<Line> EncodeLine(flatbuffers::FlatBufferBuilder& fbb, const pos::ReceiptLine& line) {
  return CreateLineDirect(fbb, line.line_no, line.article_code.c_str(), line.name.c_str(), line.group.c_str(),
                          line.quantity, line.unit_price, line.tax_rate.c_str(), line.tax_basis_points,
                          line.price_overridden, line.discount, line.voided, line.Amount());
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<TaxLine>>> EncodeTaxLines(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<pos::TaxLineTotal>& tax_lines) {
  std::vector<flatbuffers::Offset<TaxLine>> out;
  for (const auto& t : tax_lines) {
    out.push_back(CreateTaxLineDirect(fbb, t.tax_rate.c_str(), t.basis_points, t.gross, t.net, t.tax));
  }
  return fbb.CreateVector(out);
}

flatbuffers::Offset<Report> EncodeReport(flatbuffers::FlatBufferBuilder& fbb, const pos::ZReport& report, bool is_z) {
  const pos::DayFigures& day = report.figures;
  std::vector<pos::TaxLineTotal> tax;
  for (const auto& [code, line] : day.tax) tax.push_back(line);
  auto tax_lines = EncodeTaxLines(fbb, tax);
  std::vector<flatbuffers::Offset<PaymentTotal>> payments;
  for (const auto& [type, amount] : day.payments) payments.push_back(CreatePaymentTotal(fbb, ToApi(type), amount));
  auto payments_vec = fbb.CreateVector(payments);
  std::vector<flatbuffers::Offset<CashierTotal>> cashiers;
  for (const auto& [user, figures] : day.cashiers) {
    cashiers.push_back(CreateCashierTotalDirect(fbb, user.c_str(), figures.receipts, figures.total));
  }
  auto cashiers_vec = fbb.CreateVector(cashiers);
  auto approved_by = fbb.CreateString(report.approved_by);
  ReportBuilder b(fbb);
  b.add_is_z(is_z);
  b.add_z_number(report.z_number);
  b.add_first_receipt(day.first_receipt);
  b.add_last_receipt(day.last_receipt);
  b.add_opened_at_us(day.opened_at_us);
  b.add_receipts(day.receipts);
  b.add_refunds(day.refunds);
  b.add_cancelled(day.cancelled);
  b.add_voided_lines(day.voided_lines);
  b.add_total(day.total);
  b.add_tax_lines(tax_lines);
  b.add_payments(payments_vec);
  b.add_cashiers(cashiers_vec);
  b.add_cash_in(day.cash_in);
  b.add_cash_out(day.cash_out);
  b.add_expected_cash(report.expected_cash);
  b.add_counted_cash(report.counted_cash);
  b.add_difference(report.difference);
  b.add_approved_by(approved_by);
  b.add_closed_at_us(report.closed_at_us);
  return b.Finish();
}

flatbuffers::Offset<ReceiptView> EncodeReceipt(flatbuffers::FlatBufferBuilder& fbb, const pos::Receipt& receipt) {
  std::vector<flatbuffers::Offset<Line>> lines;
  for (const auto& line : receipt.lines) lines.push_back(EncodeLine(fbb, line));
  auto lines_vec = fbb.CreateVector(lines);
  std::vector<flatbuffers::Offset<PaymentLine>> payments;
  for (const auto& p : receipt.payments) {
    payments.push_back(CreatePaymentLineDirect(fbb, ToApi(p.type), p.amount, p.reference.c_str()));
  }
  auto payments_vec = fbb.CreateVector(payments);
  const pos::ReceiptTotals totals = pos::ComputeTotals(receipt);
  auto tax_lines = EncodeTaxLines(fbb, totals.tax_lines);
  auto id = fbb.CreateString(receipt.id);
  auto cashier = fbb.CreateString(receipt.cashier);
  ReceiptViewBuilder b(fbb);
  b.add_receipt_id(id);
  b.add_state(ToApi(receipt.status));
  b.add_number(receipt.number);
  b.add_cashier(cashier);
  b.add_refund_of_number(receipt.refund_of_number);
  b.add_training(receipt.training);
  b.add_opened_at_us(receipt.opened_at_us);
  b.add_lines(lines_vec);
  b.add_receipt_discount(receipt.receipt_discount);
  b.add_payments(payments_vec);
  b.add_tax_lines(tax_lines);
  b.add_total(totals.total);
  b.add_paid(receipt.Paid());
  b.add_due(totals.total - receipt.Paid());
  return b.Finish();
}

flatbuffers::Offset<ReceiptView> EncodeClosedReceipt(flatbuffers::FlatBufferBuilder& fbb,
                                                     const pos::ClosedReceiptRecord& record) {
  std::vector<flatbuffers::Offset<Line>> lines;
  for (const auto& line : record.lines) lines.push_back(EncodeLine(fbb, line));
  auto lines_vec = fbb.CreateVector(lines);
  auto id = fbb.CreateString(record.receipt_id);
  ReceiptViewBuilder b(fbb);
  b.add_receipt_id(id);
  b.add_state(ReceiptState::Closed);
  b.add_number(record.number);
  b.add_lines(lines_vec);
  b.add_total(record.total);
  b.add_paid(record.total);
  return b.Finish();
}

flatbuffers::Offset<StatusView> EncodeStatus(flatbuffers::FlatBufferBuilder& fbb, const pos::Register& state,
                                             const NodeFacts& node) {
  std::vector<flatbuffers::Offset<OpenReceipt>> open;
  for (const pos::Receipt* receipt : state.OpenReceipts()) {
    open.push_back(CreateOpenReceiptDirect(fbb, receipt->id.c_str(), ToApi(receipt->status),
                                           receipt->cashier.c_str(), pos::ComputeTotals(*receipt).total));
  }
  auto open_vec = fbb.CreateVector(open);
  return CreateStatusView(fbb, fbb.CreateString(node.node_name), fbb.CreateString(node.node_id_hex),
                          fbb.CreateString(state.signed_on().value_or("")), open_vec, state.last_receipt_number(),
                          state.last_z_number(), node.last_sequence);
}

}  // namespace pos::api
