// The register's state in a start-up snapshot (domain/till_snapshot.h).
//
// Layout (SnapshotWriter: integers big-endian, strings u32 BE length + bytes,
// counts u64 BE), in this order:
//   register_version u64 | signed_on: present u8, user str | receipts_opened u64 |
//   last_receipt_number u64 | last_z_number u64 | day_started u8 |
//   open receipts: count, each Receipt |
//   closed receipts: count, each: receipt_id str, number u64, total i64, is_refund u8,
//     lines (count, each ReceiptLine), refunded (count, each: article str, pieces i64) |
//   taken over: count, each: source id str, own id str |
//   day figures: first_receipt u64, last_receipt u64, opened_at_us i64, receipts u32,
//     refunds u32, cancelled u32, voided_lines u32, total i64,
//     tax (count, each: code str, TaxLineTotal), payments (count, each: type u8, amount i64),
//     cashiers (count, each: user str, receipts u32, total i64), cash_in i64, cash_out i64
// Receipt: id str, stream_version u64, status u8, cashier str, refund_of_number u64,
//   refund_of_till str, training u8, opened_at_us i64, lines (count, each ReceiptLine),
//   receipt_discount i64, payments (count, each: type u8, amount i64, reference str), number u64
// ReceiptLine: line_no u32, article_code str, name str, group str, quantity i64,
//   unit_price i64, tax_rate str, tax_basis_points u32, price_overridden u8, discount i64, voided u8
// TaxLineTotal: tax_rate str, basis_points u32, gross i64, net i64, tax i64
#include "domain/register.h"
#include "domain/till_snapshot.h"

namespace pos {
namespace {

void WriteLine(SnapshotWriter& w, const ReceiptLine& line) {
  w.U32(line.line_no);
  w.Str(line.article_code);
  w.Str(line.name);
  w.Str(line.group);
  w.I64(line.quantity);
  w.I64(line.unit_price);
  w.Str(line.tax_rate);
  w.U32(line.tax_basis_points);
  w.Bool(line.price_overridden);
  w.I64(line.discount);
  w.Bool(line.voided);
}

ReceiptLine ReadLine(SnapshotReader& r) {
  ReceiptLine line;
  line.line_no = r.U32();
  line.article_code = r.Str();
  line.name = r.Str();
  line.group = r.Str();
  line.quantity = r.I64();
  line.unit_price = r.I64();
  line.tax_rate = r.Str();
  line.tax_basis_points = r.U32();
  line.price_overridden = r.Bool();
  line.discount = r.I64();
  line.voided = r.Bool();
  return line;
}

constexpr size_t kMinLineBytes = 4 + 4 * 4 + 8 * 3 + 4 + 2;

void WriteLines(SnapshotWriter& w, const std::vector<ReceiptLine>& lines) {
  w.U64(lines.size());
  for (const ReceiptLine& line : lines) WriteLine(w, line);
}

std::vector<ReceiptLine> ReadLines(SnapshotReader& r) {
  std::vector<ReceiptLine> lines(r.Count(kMinLineBytes));
  for (ReceiptLine& line : lines) line = ReadLine(r);
  return lines;
}

void WriteReceipt(SnapshotWriter& w, const Receipt& receipt) {
  w.Str(receipt.id);
  w.U64(receipt.stream_version);
  w.U8(static_cast<uint8_t>(receipt.status));
  w.Str(receipt.cashier);
  w.U64(receipt.refund_of_number);
  w.Str(receipt.refund_of_till);
  w.Bool(receipt.training);
  w.I64(receipt.opened_at_us);
  WriteLines(w, receipt.lines);
  w.I64(receipt.receipt_discount);
  w.U64(receipt.payments.size());
  for (const Payment& payment : receipt.payments) {
    w.U8(static_cast<uint8_t>(payment.type));
    w.I64(payment.amount);
    w.Str(payment.reference);
  }
  w.U64(receipt.number);
}

Receipt ReadReceipt(SnapshotReader& r) {
  Receipt receipt;
  receipt.id = r.Str();
  receipt.stream_version = r.U64();
  receipt.status = static_cast<ReceiptStatus>(r.U8());
  receipt.cashier = r.Str();
  receipt.refund_of_number = r.U64();
  receipt.refund_of_till = r.Str();
  receipt.training = r.Bool();
  receipt.opened_at_us = r.I64();
  receipt.lines = ReadLines(r);
  receipt.receipt_discount = r.I64();
  receipt.payments.resize(r.Count(1 + 8 + 4));
  for (Payment& payment : receipt.payments) {
    payment.type = static_cast<PaymentType>(r.U8());
    payment.amount = r.I64();
    payment.reference = r.Str();
  }
  receipt.number = r.U64();
  return receipt;
}

void WriteTax(SnapshotWriter& w, const TaxLineTotal& tax) {
  w.Str(tax.tax_rate);
  w.U32(tax.basis_points);
  w.I64(tax.gross);
  w.I64(tax.net);
  w.I64(tax.tax);
}

TaxLineTotal ReadTax(SnapshotReader& r) {
  TaxLineTotal tax;
  tax.tax_rate = r.Str();
  tax.basis_points = r.U32();
  tax.gross = r.I64();
  tax.net = r.I64();
  tax.tax = r.I64();
  return tax;
}

}  // namespace

void Register::EncodeState(std::string& out) const {
  SnapshotWriter w(out);
  w.U64(register_version_);
  w.Bool(signed_on_.has_value());
  w.Str(signed_on_.value_or(""));
  w.U64(receipts_opened_);
  w.U64(last_receipt_number_);
  w.U64(last_z_number_);
  w.Bool(day_started_);
  w.U64(open_.size());
  for (const auto& [id, receipt] : open_) WriteReceipt(w, receipt);
  w.U64(closed_.size());
  for (const auto& [number, record] : closed_) {
    w.Str(record.receipt_id);
    w.U64(record.number);
    w.I64(record.total);
    w.Bool(record.is_refund);
    WriteLines(w, record.lines);
    w.U64(record.refunded.size());
    for (const auto& [code, pieces] : record.refunded) {
      w.Str(code);
      w.I64(pieces);
    }
  }
  w.U64(taken_over_.size());
  for (const auto& [source, own] : taken_over_) {
    w.Str(source);
    w.Str(own);
  }
  w.U64(day_.first_receipt);
  w.U64(day_.last_receipt);
  w.I64(day_.opened_at_us);
  w.U32(day_.receipts);
  w.U32(day_.refunds);
  w.U32(day_.cancelled);
  w.U32(day_.voided_lines);
  w.I64(day_.total);
  w.U64(day_.tax.size());
  for (const auto& [code, tax] : day_.tax) {
    w.Str(code);
    WriteTax(w, tax);
  }
  w.U64(day_.payments.size());
  for (const auto& [type, amount] : day_.payments) {
    w.U8(static_cast<uint8_t>(type));
    w.I64(amount);
  }
  w.U64(day_.cashiers.size());
  for (const auto& [user, figures] : day_.cashiers) {
    w.Str(user);
    w.U32(figures.receipts);
    w.I64(figures.total);
  }
  w.I64(day_.cash_in);
  w.I64(day_.cash_out);
}

Status Register::DecodeState(std::string_view bytes) {
  SnapshotReader r(bytes);
  Register state(node_id_);
  state.register_version_ = r.U64();
  const bool signed_on = r.Bool();
  std::string user = r.Str();
  if (signed_on) state.signed_on_ = std::move(user);
  state.receipts_opened_ = r.U64();
  state.last_receipt_number_ = r.U64();
  state.last_z_number_ = r.U64();
  state.day_started_ = r.Bool();
  for (uint64_t n = r.Count(8); n > 0 && !r.failed(); --n) {
    Receipt receipt = ReadReceipt(r);
    const std::string id = receipt.id;
    state.open_[id] = std::move(receipt);
  }
  for (uint64_t n = r.Count(8); n > 0 && !r.failed(); --n) {
    ClosedReceiptRecord record;
    record.receipt_id = r.Str();
    record.number = r.U64();
    record.total = r.I64();
    record.is_refund = r.Bool();
    record.lines = ReadLines(r);
    for (uint64_t m = r.Count(4 + 8); m > 0 && !r.failed(); --m) {
      std::string code = r.Str();
      record.refunded[std::move(code)] = r.I64();
    }
    const uint64_t number = record.number;
    state.closed_.emplace_hint(state.closed_.end(), number, std::move(record));
  }
  for (uint64_t n = r.Count(8); n > 0 && !r.failed(); --n) {
    std::string source = r.Str();
    state.taken_over_[std::move(source)] = r.Str();
  }
  DayFigures& day = state.day_;
  day.first_receipt = r.U64();
  day.last_receipt = r.U64();
  day.opened_at_us = r.I64();
  day.receipts = r.U32();
  day.refunds = r.U32();
  day.cancelled = r.U32();
  day.voided_lines = r.U32();
  day.total = r.I64();
  for (uint64_t n = r.Count(4); n > 0 && !r.failed(); --n) {
    std::string code = r.Str();
    day.tax[std::move(code)] = ReadTax(r);
  }
  for (uint64_t n = r.Count(9); n > 0 && !r.failed(); --n) {
    const auto type = static_cast<PaymentType>(r.U8());
    day.payments[type] = r.I64();
  }
  for (uint64_t n = r.Count(4 + 4 + 8); n > 0 && !r.failed(); --n) {
    std::string user_id = r.Str();
    CashierFigures& figures = day.cashiers[std::move(user_id)];
    figures.receipts = r.U32();
    figures.total = r.I64();
  }
  day.cash_in = r.I64();
  day.cash_out = r.I64();
  if (r.failed() || !r.at_end()) return Status::Corruption("the register snapshot does not decode");
  *this = std::move(state);
  return Status::Ok();
}

}  // namespace pos
