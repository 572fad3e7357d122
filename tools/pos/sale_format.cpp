#include "tools/pos/sale_format.h"

#include <cstdio>

#include "domain/money.h"
#include "tools/pos/report_format.h"

namespace pos::cli {
namespace {

std::string Str(const flatbuffers::String* text) { return text != nullptr ? text->str() : std::string(); }

std::string PaymentName(api::PaymentType type) {
  switch (type) {
    case api::PaymentType::Cash: return "cash";
    case api::PaymentType::Card: return "card";
    case api::PaymentType::Voucher: return "voucher";
  }
  return "unknown";
}

std::string StateName(api::ReceiptState state) {
  switch (state) {
    case api::ReceiptState::Open: return "open";
    case api::ReceiptState::Parked: return "parked";
    case api::ReceiptState::Closed: return "closed";
    case api::ReceiptState::Cancelled: return "cancelled";
  }
  return "unknown";
}

PaymentType FromApi(api::PaymentType type) {
  switch (type) {
    case api::PaymentType::Card: return PaymentType::kCard;
    case api::PaymentType::Voucher: return PaymentType::kVoucher;
    case api::PaymentType::Cash: break;
  }
  return PaymentType::kCash;
}

template <typename T, typename F>
nlohmann::json JsonArray(const flatbuffers::Vector<flatbuffers::Offset<T>>* items, F&& convert) {
  nlohmann::json array = nlohmann::json::array();
  if (items != nullptr) {
    for (const T* item : *items) array.push_back(convert(*item));
  }
  return array;
}

nlohmann::json LineJson(const api::Line& l) {
  return {{"line_no", l.line_no()},
          {"article", Str(l.article_code())},
          {"name", Str(l.name())},
          {"group", Str(l.group())},
          {"quantity", l.quantity()},
          {"unit_price", FormatMoney(l.unit_price())},
          {"tax_rate", Str(l.tax_rate())},
          {"price_overridden", l.price_overridden()},
          {"discount", FormatMoney(l.discount())},
          {"voided", l.voided()},
          {"amount", FormatMoney(l.amount())}};
}

nlohmann::json TaxLineJson(const api::TaxLine& t) {
  return {{"tax_rate", Str(t.tax_rate())},
          {"rate", FormatPercent(t.basis_points())},
          {"gross", FormatMoney(t.gross())},
          {"net", FormatMoney(t.net())},
          {"tax", FormatMoney(t.tax())}};
}

nlohmann::json ReceiptJson(const api::ReceiptView& r) {
  return {{"receipt_id", Str(r.receipt_id())},
          {"state", StateName(r.state())},
          {"number", r.number()},
          {"cashier", Str(r.cashier())},
          {"refund_of_number", r.refund_of_number()},
          {"training", r.training()},
          {"lines", JsonArray(r.lines(), LineJson)},
          {"receipt_discount", FormatMoney(r.receipt_discount())},
          {"payments", JsonArray(r.payments(),
                                 [](const api::PaymentLine& p) {
                                   return nlohmann::json{{"type", PaymentName(p.type())},
                                                         {"amount", FormatMoney(p.amount())},
                                                         {"reference", Str(p.reference())}};
                                 })},
          {"tax", JsonArray(r.tax_lines(), TaxLineJson)},
          {"total", FormatMoney(r.total())},
          {"paid", FormatMoney(r.paid())},
          {"due", FormatMoney(r.due())}};
}

nlohmann::json StatusJson(const api::StatusView& s) {
  return {{"node_name", Str(s.node_name())},
          {"node_id", Str(s.node_id())},
          {"signed_on", Str(s.signed_on())},
          {"open_receipts", JsonArray(s.open_receipts(),
                                      [](const api::OpenReceipt& o) {
                                        return nlohmann::json{{"receipt_id", Str(o.receipt_id())},
                                                              {"state", StateName(o.state())},
                                                              {"cashier", Str(o.cashier())},
                                                              {"total", FormatMoney(o.total())}};
                                      })},
          {"last_receipt_number", s.last_receipt_number()},
          {"last_z_number", s.last_z_number()},
          {"last_sequence", s.last_sequence()}};
}

nlohmann::json SiteParkedJson(const api::SiteParkedList& list) {
  return {{"receipts", JsonArray(list.receipts(), [](const api::SiteParkedReceipt& r) {
             return nlohmann::json{{"receipt_id", Str(r.receipt_id())},
                                   {"source_till", Str(r.source_till())},
                                   {"handed_over_by", Str(r.handed_over_by())},
                                   {"lines", r.lines()},
                                   {"total", FormatMoney(r.total())}};
           })}};
}

std::string SiteParkedText(const api::SiteParkedList& list) {
  const size_t count = list.receipts() != nullptr ? list.receipts()->size() : 0;
  std::string out = "receipts parked to the site: " + std::to_string(count) + "\n";
  if (list.receipts() != nullptr) {
    for (const api::SiteParkedReceipt* r : *list.receipts()) {
      out += "  " + Str(r->receipt_id()) + "  from till " + Str(r->source_till()) + "  by " +
             Str(r->handed_over_by()) + "  " + std::to_string(r->lines()) + " lines  " + FormatMoney(r->total()) +
             "\n";
    }
  }
  return out;
}

std::string LineText(const api::Line& l) {
  const std::string discount = l.discount() != 0 ? "  (-" + FormatMoney(l.discount()) + ")" : "";
  char text[200];
  std::snprintf(text, sizeof text, "%3u  %-24s %5lld x %9s %10s%s%s", l.line_no(), Str(l.name()).c_str(),
                static_cast<long long>(l.quantity()), FormatMoney(l.unit_price()).c_str(),
                FormatMoney(l.amount()).c_str(), discount.c_str(), l.voided() ? "  VOID" : "");
  return text;
}

std::string TaxText(const flatbuffers::Vector<flatbuffers::Offset<api::TaxLine>>* lines) {
  std::string out;
  if (lines == nullptr) return out;
  for (const api::TaxLine* t : *lines) {
    char text[160];
    std::snprintf(text, sizeof text, "  %-3s %6s%%  gross %10s  net %10s  tax %9s\n", Str(t->tax_rate()).c_str(),
                  FormatPercent(t->basis_points()).c_str(), FormatMoney(t->gross()).c_str(),
                  FormatMoney(t->net()).c_str(), FormatMoney(t->tax()).c_str());
    out += text;
  }
  return out;
}

std::string ReceiptText(const api::ReceiptView& r) {
  std::string out = "receipt " + Str(r.receipt_id()) + "  " + StateName(r.state());
  if (r.number() != 0) out += "  #" + std::to_string(r.number());
  if (r.refund_of_number() != 0) out += "  refund of #" + std::to_string(r.refund_of_number());
  if (r.training()) out += "  TRAINING";
  if (r.cashier() != nullptr && r.cashier()->size() != 0) out += "  cashier " + Str(r.cashier());
  out += "\n";
  if (r.lines() != nullptr) {
    for (const api::Line* line : *r.lines()) out += LineText(*line) + "\n";
  }
  if (r.receipt_discount() != 0) out += "receipt discount  -" + FormatMoney(r.receipt_discount()) + "\n";
  out += "total " + FormatMoney(r.total()) + "\n";
  if (r.payments() != nullptr) {
    for (const api::PaymentLine* p : *r.payments()) {
      out += "paid " + PaymentName(p->type()) + " " + FormatMoney(p->amount());
      if (p->reference() != nullptr && p->reference()->size() != 0) out += " (" + Str(p->reference()) + ")";
      out += "\n";
    }
  }
  if (r.state() == api::ReceiptState::Open || r.state() == api::ReceiptState::Parked) {
    out += "due " + FormatMoney(r.due()) + "\n";
  }
  out += TaxText(r.tax_lines());
  return out;
}

std::string StatusText(const api::StatusView& s) {
  std::string out = "node " + Str(s.node_name()) + " (" + Str(s.node_id()) + ")\n";
  const std::string user = Str(s.signed_on());
  out += "signed on: " + (user.empty() ? std::string("nobody") : user) + "\n";
  out += "last receipt number: " + std::to_string(s.last_receipt_number()) + "\n";
  out += "last Z report: " + std::to_string(s.last_z_number()) + "\n";
  out += "log sequence: " + std::to_string(s.last_sequence()) + "\n";
  const size_t open = s.open_receipts() != nullptr ? s.open_receipts()->size() : 0;
  out += "open receipts: " + std::to_string(open) + "\n";
  if (s.open_receipts() != nullptr) {
    for (const api::OpenReceipt* o : *s.open_receipts()) {
      out += "  " + Str(o->receipt_id()) + "  " + StateName(o->state()) + "  " + Str(o->cashier()) + "  " +
             FormatMoney(o->total()) + "\n";
    }
  }
  return out;
}

}  // namespace

ZReport ReportFromApi(const api::Report& r) {
  ZReport report;
  report.z_number = r.z_number();
  DayFigures& f = report.figures;
  f.first_receipt = r.first_receipt();
  f.last_receipt = r.last_receipt();
  f.opened_at_us = r.opened_at_us();
  f.receipts = r.receipts();
  f.refunds = r.refunds();
  f.cancelled = r.cancelled();
  f.voided_lines = r.voided_lines();
  f.total = r.total();
  if (r.tax_lines() != nullptr) {
    for (const api::TaxLine* t : *r.tax_lines()) {
      f.tax[Str(t->tax_rate())] = TaxLineTotal{Str(t->tax_rate()), t->basis_points(), t->gross(), t->net(), t->tax()};
    }
  }
  if (r.payments() != nullptr) {
    for (const api::PaymentTotal* p : *r.payments()) f.payments[FromApi(p->type())] = p->amount();
  }
  if (r.cashiers() != nullptr) {
    for (const api::CashierTotal* c : *r.cashiers()) f.cashiers[Str(c->user_id())] = {c->receipts(), c->total()};
  }
  f.cash_in = r.cash_in();
  f.cash_out = r.cash_out();
  report.expected_cash = r.expected_cash();
  report.counted_cash = r.counted_cash();
  report.difference = r.difference();
  report.approved_by = Str(r.approved_by());
  report.closed_at_us = r.closed_at_us();
  return report;
}

nlohmann::json ReplyResultToJson(const api::Reply& reply) {
  if (reply.result() == nullptr) return {{"ok", true}};
  switch (reply.result_type()) {
    case api::ResultData::ReceiptOpened:
      return {{"receipt_id", Str(reply.result_as_ReceiptOpened()->receipt_id())}};
    case api::ResultData::LineAdded: {
      const api::LineAdded& added = *reply.result_as_LineAdded();
      nlohmann::json json = {{"receipt_id", Str(added.receipt_id())},
                             {"line_no", added.line_no()},
                             {"amount", FormatMoney(added.amount())},
                             {"receipt_total", FormatMoney(added.receipt_total())}};
      if (added.line() != nullptr) json["line"] = LineJson(*added.line());
      return json;
    }
    case api::ResultData::Closed: {
      const api::Closed& closed = *reply.result_as_Closed();
      return {{"receipt_id", Str(closed.receipt_id())},
              {"number", closed.number()},
              {"total", FormatMoney(closed.total())},
              {"change", FormatMoney(closed.change())},
              {"tax", JsonArray(closed.tax_lines(), TaxLineJson)}};
    }
    case api::ResultData::Report: {
      const api::Report& report = *reply.result_as_Report();
      nlohmann::json json = DayReportToJson(ReportFromApi(report));
      json["kind"] = report.is_z() ? "Z" : "X";
      return json;
    }
    case api::ResultData::ReceiptView: return ReceiptJson(*reply.result_as_ReceiptView());
    case api::ResultData::StatusView: return StatusJson(*reply.result_as_StatusView());
    case api::ResultData::SiteParkedList: return SiteParkedJson(*reply.result_as_SiteParkedList());
    case api::ResultData::BackupDone:  // `pos backup create` prints it (backup_commands.cpp)
    case api::ResultData::Empty:
    case api::ResultData::NONE: break;
  }
  return {{"ok", true}};
}

std::string ReplyResultText(const api::Reply& reply, const std::string& done) {
  if (reply.result() == nullptr) return done + "\n";
  switch (reply.result_type()) {
    case api::ResultData::ReceiptOpened: return Str(reply.result_as_ReceiptOpened()->receipt_id()) + "\n";
    case api::ResultData::LineAdded: {
      const api::LineAdded& added = *reply.result_as_LineAdded();
      std::string out = added.line() != nullptr ? LineText(*added.line()) : "line " + std::to_string(added.line_no());
      return out + "\nreceipt total " + FormatMoney(added.receipt_total()) + "\n";
    }
    case api::ResultData::Closed: {
      const api::Closed& closed = *reply.result_as_Closed();
      return "receipt " + Str(closed.receipt_id()) + " closed as number " + std::to_string(closed.number()) +
             ": total " + FormatMoney(closed.total()) + ", change " + FormatMoney(closed.change()) + "\n" +
             TaxText(closed.tax_lines());
    }
    case api::ResultData::Report: {
      const api::Report& report = *reply.result_as_Report();
      return FormatDayReport(ReportFromApi(report), report.is_z() ? "Z" : "X", "", "");
    }
    case api::ResultData::ReceiptView: return ReceiptText(*reply.result_as_ReceiptView());
    case api::ResultData::StatusView: return StatusText(*reply.result_as_StatusView());
    case api::ResultData::SiteParkedList: return SiteParkedText(*reply.result_as_SiteParkedList());
    case api::ResultData::BackupDone:  // `pos backup create` prints it (backup_commands.cpp)
    case api::ResultData::Empty:
    case api::ResultData::NONE: break;
  }
  return done + "\n";
}

}  // namespace pos::cli
