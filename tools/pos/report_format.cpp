#include "tools/pos/report_format.h"

#include <cstdio>

#include "domain/money.h"
#include "tools/pos/event_format.h"

namespace pos::cli {
namespace {

std::string Row(const std::string& label, const std::string& value, size_t width = 40) {
  std::string line = label;
  const size_t used = label.size() + value.size();
  line.append(used < width ? width - used : 1, ' ');
  return line + value + "\n";
}

}  // namespace

std::string FormatDayReport(const ZReport& report, const std::string& kind, const std::string& till_name,
                            const std::string& currency) {
  const DayFigures& f = report.figures;
  std::string out;
  if (kind == "Z") {
    out += "Z report (day close) #" + std::to_string(report.z_number);
  } else if (kind == "X") {
    out += "X report (interim)";
  } else {
    out += "Totals";
  }
  out += "  " + till_name + "\n";
  out += std::string(40, '-') + "\n";
  if (f.first_receipt != 0) {
    out += Row("receipts", std::to_string(f.first_receipt) + " .. " + std::to_string(f.last_receipt));
  }
  out += Row("receipts closed", std::to_string(f.receipts));
  out += Row("  of which refunds", std::to_string(f.refunds));
  out += Row("receipts cancelled", std::to_string(f.cancelled));
  out += Row("lines voided", std::to_string(f.voided_lines));
  out += Row("total " + currency, FormatMoney(f.total));
  out += "by tax rate        gross       net       tax\n";
  for (const auto& [code, t] : f.tax) {
    char line[96];
    std::snprintf(line, sizeof line, "  %-3s %6s%% %10s %9s %9s\n", code.c_str(), FormatMoney(t.basis_points).c_str(),
                  FormatMoney(t.gross).c_str(), FormatMoney(t.net).c_str(), FormatMoney(t.tax).c_str());
    out += line;
  }
  out += "by payment\n";
  for (const auto& [type, amount] : f.payments) out += Row("  " + std::string(PaymentTypeName(type)), FormatMoney(amount));
  out += "by cashier\n";
  for (const auto& [user, c] : f.cashiers) {
    out += Row("  " + user + " (" + std::to_string(c.receipts) + ")", FormatMoney(c.total));
  }
  out += Row("cash in", FormatMoney(f.cash_in));
  out += Row("cash out", FormatMoney(f.cash_out));
  out += Row("cash expected", FormatMoney(report.expected_cash));
  if (kind != "X") {
    out += Row("cash counted", FormatMoney(report.counted_cash));
    out += Row("difference", FormatMoney(report.difference));
  }
  return out;
}

nlohmann::json DayReportToJson(const ZReport& report) {
  const DayFigures& f = report.figures;
  nlohmann::json tax = nlohmann::json::object();
  for (const auto& [code, t] : f.tax) {
    tax[code] = {{"rate", FormatMoney(t.basis_points)}, {"gross", FormatMoney(t.gross)},
                 {"net", FormatMoney(t.net)},          {"tax", FormatMoney(t.tax)}};
  }
  nlohmann::json payments = nlohmann::json::object();
  for (const auto& [type, amount] : f.payments) payments[std::string(PaymentTypeName(type))] = FormatMoney(amount);
  nlohmann::json cashiers = nlohmann::json::object();
  for (const auto& [user, c] : f.cashiers) cashiers[user] = {{"receipts", c.receipts}, {"total", FormatMoney(c.total)}};
  return {{"z_number", report.z_number},
          {"first_receipt", f.first_receipt},
          {"last_receipt", f.last_receipt},
          {"receipts", f.receipts},
          {"refunds", f.refunds},
          {"cancelled", f.cancelled},
          {"voided_lines", f.voided_lines},
          {"total", FormatMoney(f.total)},
          {"tax", tax},
          {"payments", payments},
          {"cashiers", cashiers},
          {"cash_in", FormatMoney(f.cash_in)},
          {"cash_out", FormatMoney(f.cash_out)},
          {"expected_cash", FormatMoney(report.expected_cash)},
          {"counted_cash", FormatMoney(report.counted_cash)},
          {"difference", FormatMoney(report.difference)}};
}

}  // namespace pos::cli
