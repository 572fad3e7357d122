// `pos demo`: a site of N tills simulating a trading day, closed and verified.
#include <iostream>

#include "domain/money.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/demo_site.h"
#include "tools/pos/progress_bar.h"
#include "tools/pos/report_format.h"

namespace pos::cli {

void AddDemoCommand(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("demo", "Simulate a site's trading day: N tills, a catalog, Z reports, verified logs");
  cmd->footer(
      "Each till is a node of its own in <root>/till-<i>. The tills sell in parallel: random baskets from\n"
      "the sample catalog, scanned or keyed, cash/card/voucher and split payments, voided lines, discounts,\n"
      "parked and resumed receipts, cancellations and refunds; then each closes its day (Z report) and its\n"
      "log is verified. The same --seed gives the same day. Afterwards, try:\n"
      "  pos --data <root>/till-1 log --limit 20      pos --data <root>/till-1 stats");
  auto options = std::make_shared<DemoOptions>();
  cmd->add_option("--root", options->root, "Directory for the site's tills (absent or empty)")->capture_default_str();
  cmd->add_option("--tills", options->tills, "Number of tills")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--receipts", options->receipts_per_till, "Receipts per till")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--articles", options->articles, "Articles in the sample catalog")
      ->check(CLI::Range(10, 1000000))
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Seed of the simulated day")->capture_default_str();
  cmd->callback([&context, options] {
    ProgressBar bar("demo", !context.options.quiet && !context.options.json);
    auto days = RunDemoSite(*options, [&](uint64_t done, uint64_t total) { bar.Update(done, total); });
    const double seconds = bar.Finish();
    if (!days.ok()) {
      context.Fail(days.status());
      return;
    }
    DayFigures site;
    bool all_verified = true;
    uint64_t events = 0;
    for (const TillDay& day : *days) {
      const DayFigures& f = day.z.figures;
      site.receipts += f.receipts;
      site.refunds += f.refunds;
      site.cancelled += f.cancelled;
      site.voided_lines += f.voided_lines;
      site.total += f.total;
      site.cash_in += f.cash_in;
      site.cash_out += f.cash_out;
      for (const auto& [code, t] : f.tax) {
        TaxLineTotal& sum = site.tax[code];
        sum.tax_rate = code;
        sum.basis_points = t.basis_points;
        sum.gross += t.gross;
        sum.net += t.net;
        sum.tax += t.tax;
      }
      for (const auto& [type, amount] : f.payments) site.payments[type] += amount;
      for (const auto& [user, c] : f.cashiers) {
        site.cashiers[user].receipts += c.receipts;
        site.cashiers[user].total += c.total;
      }
      all_verified = all_verified && day.verification.ok;
      events += day.events;
    }
    ZReport site_report;
    site_report.figures = site;
    site_report.expected_cash = site.ExpectedCash();
    site_report.counted_cash = 0;
    for (const TillDay& day : *days) site_report.counted_cash += day.z.counted_cash;
    site_report.difference = site_report.counted_cash - site_report.expected_cash;

    if (context.options.json) {
      nlohmann::json tills = nlohmann::json::array();
      for (const TillDay& day : *days) {
        tills.push_back({{"name", day.name},
                         {"data_dir", day.data_dir},
                         {"node_id", day.node_id_hex},
                         {"events", day.events},
                         {"verified", day.verification.ok},
                         {"parked_and_resumed", day.parked},
                         {"z_report", DayReportToJson(day.z)}});
      }
      context.PrintJson({{"tills", tills},
                         {"site", DayReportToJson(site_report)},
                         {"events", events},
                         {"seconds", seconds},
                         {"verified", all_verified}});
    } else {
      for (const TillDay& day : *days) {
        std::cout << "\n" << FormatDayReport(day.z, "Z", day.name + " (" + day.data_dir + ")", "EUR");
        std::cout << "log: " << day.events << " events, "
                  << (day.verification.ok ? "verified" : "VERIFICATION FAILED: " + day.verification.problem) << "\n";
      }
      std::cout << "\n== site totals: " << days->size() << " tills\n"
                << FormatDayReport(site_report, "site", "all tills", "EUR") << "\n"
                << site.receipts << " receipts and " << events << " events in " << seconds << " s; logs "
                << (all_verified ? "verified" : "NOT verified") << "\n";
    }
    if (!all_verified) context.exit_code = kExitVerifyFailed;
  });
}

}  // namespace pos::cli
