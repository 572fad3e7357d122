// `pos report …`: the till's read models: receipt journal, Z reports, monthly and
// yearly totals, sales per article. All read projections; none writes an event.
#include <iostream>

#include "domain/money.h"
#include "engine/bytes.h"
#include "projections/article_sales.h"
#include "projections/period_totals.h"
#include "projections/receipt_journal.h"
#include "projections/z_reports.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/event_format.h"

namespace pos::cli {
namespace {

nlohmann::json TaxJson(const std::vector<TaxFigures>& lines) {
  nlohmann::json out = nlohmann::json::object();
  for (const TaxFigures& t : lines) {
    out[t.tax_rate] = {{"rate", FormatPercent(t.basis_points)}, {"gross", FormatMoney(t.gross)},
                       {"net", FormatMoney(t.net)},          {"tax", FormatMoney(t.tax)}};
  }
  return out;
}

nlohmann::json MoneyMap(const std::map<std::string, int64_t>& amounts) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, amount] : amounts) out[key] = FormatMoney(amount);
  return out;
}

nlohmann::json ReceiptJson(const JournalReceipt& r) {
  nlohmann::json lines = nlohmann::json::array();
  for (const JournalLine& l : r.lines) {
    lines.push_back({{"line", l.line_no}, {"article", l.article_code}, {"name", l.name}, {"quantity", l.quantity},
                     {"unit_price", FormatMoney(l.unit_price)}, {"discount", FormatMoney(l.discount)},
                     {"amount", FormatMoney(l.Amount())}, {"tax_rate", l.tax_rate}, {"voided", l.voided}});
  }
  return {{"till", r.till},        {"receipt_id", r.receipt_id},          {"number", r.number},
          {"cashier", r.cashier},  {"closed", FormatTimestamp(r.closed_at_us)}, {"total", FormatMoney(r.total)},
          {"change", FormatMoney(r.change)}, {"refund_of", r.refund_of_number}, {"lines", lines},
          {"tax", TaxJson(r.tax_lines)},     {"kept", MoneyMap(r.kept)}};
}

// Opens the node, reads one projection and hands its reader to `report`.
void WithProjection(Context& context, std::string_view name,
                    const std::function<Status(const ProjectionReader&, const EventStore&)>& report) {
  auto node = context.OpenNode();
  if (!node.ok()) {
    context.Fail(node.status());
    return;
  }
  auto reader = node->runner->Reader(name);
  Status s = reader.ok() ? report(*reader, *node->store) : reader.status();
  if (!s.ok()) context.Fail(s);
}

}  // namespace

void AddReportCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("report", "Read models: receipt journal, Z reports, month/year totals, articles");
  group->require_subcommand(1);
  group->footer("Days are UTC dates YYYY-MM-DD. Add --json for machine-readable output.");

  struct Args {
    std::string from, to, period;
    uint64_t number = 0;
    size_t top = 10;
  };
  auto args = std::make_shared<Args>();

  auto* journal = group->add_subcommand("journal", "Closed receipts of this till: one by number, or those of a date range");
  journal->add_option("--number", args->number, "One receipt by its number");
  journal->add_option("--from", args->from, "First day (YYYY-MM-DD)");
  journal->add_option("--to", args->to, "Last day (YYYY-MM-DD); default: --from");
  journal->callback([&context, args] {
    WithProjection(context, ReceiptJournalProjection::kName, [&](const ProjectionReader& reader, const EventStore& store) -> Status {
      ReceiptJournalView view(reader);
      std::vector<JournalReceipt> receipts;
      if (args->number != 0) {
        POS_ASSIGN_OR_RETURN(auto one, view.Find(ToHex(store.node_id()), args->number));
        if (!one) return Status::NotFound("no closed receipt number " + std::to_string(args->number) + " on this till");
        receipts.push_back(*one);
      } else if (!args->from.empty()) {
        POS_ASSIGN_OR_RETURN(receipts, view.ClosedBetween(args->from, args->to.empty() ? args->from : args->to));
      } else {
        POS_ASSIGN_OR_RETURN(receipts, view.ClosedOfTill(ToHex(store.node_id())));
      }
      if (context.options.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& r : receipts) out.push_back(ReceiptJson(r));
        context.PrintJson(out);
        return Status::Ok();
      }
      for (const auto& r : receipts) {
        std::cout << "#" << r.number << "  " << r.receipt_id << "  " << FormatTimestamp(r.closed_at_us) << "  "
                  << r.cashier << "  " << r.lines.size() << " lines  total " << FormatMoney(r.total)
                  << (r.refund_of_number ? "  refund of #" + std::to_string(r.refund_of_number) : "") << "\n";
      }
      std::cout << receipts.size() << " receipts\n";
      return Status::Ok();
    });
  });

  auto* z = group->add_subcommand("z", "The Z reports (day closings) of this till");
  z->add_option("--number", args->number, "One Z report by its number");
  z->callback([&context, args] {
    WithProjection(context, ZReportsProjection::kName, [&](const ProjectionReader& reader, const EventStore& store) -> Status {
      POS_ASSIGN_OR_RETURN(auto all, ZReportsView(reader).OfTill(ToHex(store.node_id())));
      nlohmann::json out = nlohmann::json::array();
      for (const ZReportRecord& r : all) {
        if (args->number != 0 && r.z_number != args->number) continue;
        out.push_back({{"z_number", r.z_number}, {"closed", FormatTimestamp(r.closed_at_us)},
                       {"receipts", r.receipts}, {"first_receipt", r.first_receipt}, {"last_receipt", r.last_receipt},
                       {"refunds", r.refunds}, {"cancelled", r.cancelled}, {"voided_lines", r.voided_lines},
                       {"total", FormatMoney(r.total)}, {"tax", TaxJson(r.tax_lines)}, {"payments", MoneyMap(r.payments)},
                       {"expected_cash", FormatMoney(r.expected_cash)}, {"counted_cash", FormatMoney(r.counted_cash)},
                       {"difference", FormatMoney(r.difference)}});
      }
      if (args->number != 0 && out.empty()) return Status::NotFound("no Z report number " + std::to_string(args->number));
      if (context.options.json) {
        context.PrintJson(out);
      } else {
        for (const auto& r : out) {
          std::cout << "Z " << r["z_number"] << "  " << r["closed"].get<std::string>() << "  receipts "
                    << r["first_receipt"] << ".." << r["last_receipt"] << "  total " << r["total"].get<std::string>()
                    << "  cash difference " << r["difference"].get<std::string>() << "\n";
        }
        std::cout << out.size() << " Z reports\n";
      }
      return Status::Ok();
    });
  });

  auto period_report = [&context, args](bool month) {
    WithProjection(context, PeriodTotalsProjection::kName, [&](const ProjectionReader& reader, const EventStore&) -> Status {
      PeriodTotalsView view(reader);
      POS_ASSIGN_OR_RETURN(PeriodTotals t, month ? view.Month(args->period) : view.Year(args->period));
      std::vector<TaxFigures> tax;
      for (const auto& [code, figures] : t.tax) tax.push_back(figures);
      nlohmann::json out = {{"period", args->period}, {"receipts", t.receipts}, {"refunds", t.refunds},
                            {"total", FormatMoney(t.total)}, {"tax", TaxJson(tax)}, {"payments", MoneyMap(t.payments)}};
      if (context.options.json) {
        context.PrintJson(out);
      } else {
        std::cout << args->period << ": " << t.receipts << " receipts (" << t.refunds << " refunds), total "
                  << FormatMoney(t.total) << "\n";
        for (const auto& f : tax) {
          std::cout << "  tax " << f.tax_rate << " " << FormatPercent(f.basis_points) << "%  gross " << FormatMoney(f.gross)
                    << "  net " << FormatMoney(f.net) << "  tax " << FormatMoney(f.tax) << "\n";
        }
        for (const auto& [type, amount] : t.payments) std::cout << "  " << type << " " << FormatMoney(amount) << "\n";
      }
      return Status::Ok();
    });
  };
  auto* month = group->add_subcommand("month", "Totals of a month (all receipts of this node)");
  month->add_option("MONTH", args->period, "YYYY-MM")->required();
  month->callback([period_report] { period_report(true); });
  auto* year = group->add_subcommand("year", "Totals of a year (all receipts of this node)");
  year->add_option("YEAR", args->period, "YYYY")->required();
  year->callback([period_report] { period_report(false); });

  auto* articles = group->add_subcommand("articles", "Sales per article, best revenue first");
  articles->add_option("--top", args->top, "How many articles")->capture_default_str();
  articles->add_option("--day", args->from, "Only this day (YYYY-MM-DD)");
  articles->callback([&context, args] {
    WithProjection(context, ArticleSalesProjection::kName, [&](const ProjectionReader& reader, const EventStore&) -> Status {
      POS_ASSIGN_OR_RETURN(auto top, ArticleSalesView(reader).Top(args->top, args->from));
      nlohmann::json out = nlohmann::json::array();
      for (const ArticleSales& a : top) {
        out.push_back({{"code", a.code}, {"name", a.name}, {"quantity", a.quantity}, {"refunded", a.refunded},
                       {"revenue", FormatMoney(a.revenue)}, {"receipts", a.receipts}});
        if (!context.options.json) {
          std::cout << a.code << "  " << a.name << "  " << a.quantity << " pcs  " << FormatMoney(a.revenue) << "\n";
        }
      }
      if (context.options.json) context.PrintJson(out);
      return Status::Ok();
    });
  });
}

}  // namespace pos::cli
