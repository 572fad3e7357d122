// `pos demo`: a site of processes (a hub and N tills) simulating a trading day,
// closed, replicated to the hub, reported from the hub and verified.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <optional>

#include "domain/money.h"
#include "engine/child_process.h"
#include "engine/stop_signals.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/demo_site.h"
#include "tools/pos/progress_bar.h"
#include "tools/pos/report_format.h"

namespace pos::cli {
namespace {

// Whether the hub's site totals are the sum of the tills' Z reports, and the hub
// holds each till's Z report and every event of its chain.
bool HubMatchesTills(const DemoSite& site) {
  SiteDayTotals sum;
  for (const TillDay& till : site.tills) {
    sum.receipts += till.z.figures.receipts;
    sum.refunds += till.z.figures.refunds;
    sum.cancelled += till.z.figures.cancelled;
    sum.total += till.z.figures.total;
    bool z_at_hub = false;
    for (const ZReportRecord& z : site.hub.z_reports) {
      z_at_hub = z_at_hub || (z.till == till.node_id_hex && z.z_number == till.z.z_number &&
                              z.total == till.z.figures.total && z.receipts == till.z.figures.receipts);
    }
    if (!z_at_hub || till.events_at_hub != till.events) return false;
  }
  return sum.receipts == site.hub.site.receipts && sum.refunds == site.hub.site.refunds &&
         sum.cancelled == site.hub.site.cancelled && sum.total == site.hub.site.total;
}

// `pos [--json] --data <hub> hub report <what>`, re-executed; its output.
std::string HubReport(const std::string& hub, const std::string& what, bool json) {
  std::vector<std::string> args = {"--quiet", "--data", hub, "hub", "report", what};
  if (json) args.insert(args.begin(), "--json");
  RunChildOptions options;
  options.capture_stderr = !json;
  auto run = RunChild(SelfPath(), args, options);
  if (!run.ok()) return run.status().message();
  return run->out;
}

void PrintText(const DemoSite& site, double seconds, bool matches) {
  std::cout << "\n== the tills (each sold through its `pos serve` daemon)\n";
  uint64_t receipts = 0;
  for (const TillDay& till : site.tills) {
    const TillDayCounts& c = till.counts;
    receipts += till.z.figures.receipts;
    std::cout << till.name << " (" << till.data_dir << "): Z " << till.z.z_number << ", " << till.z.figures.receipts
              << " receipts (" << c.sales << " sales, " << c.refunds << " refunds, " << c.cancelled << " cancelled, "
              << c.parked << " parked and resumed, " << c.voided_lines << " voided lines), total "
              << FormatMoney(till.z.figures.total) << " EUR\n"
              << "  log: " << till.events << " events, "
              << (till.verification.ok ? "verified" : "VERIFICATION FAILED: " + till.verification.problem)
              << "; at the hub: " << till.events_at_hub << " of them\n";
  }
  std::cout << "\n== the hub (" << site.hub.data_dir << "): pos hub report site\n"
            << HubReport(site.hub.data_dir, "site", false) << "\n== pos hub report z\n"
            << HubReport(site.hub.data_dir, "z", false) << "\n== pos hub report tills\n"
            << HubReport(site.hub.data_dir, "tills", false) << "\n";
  std::cout << "hub log: " << site.hub.events << " events, "
            << (site.hub.verification.ok ? "verified" : "VERIFICATION FAILED: " + site.hub.verification.problem)
            << "\nsite totals at the hub: " << site.hub.site.receipts << " receipts, "
            << FormatMoney(site.hub.site.total) << " EUR; "
            << (matches ? "equal to the sum of the tills' Z reports"
                        : "NOT EQUAL to the sum of the tills' Z reports (or a till's events missing at the hub)")
            << "\n"
            << receipts << " receipts at " << site.tills.size() << " tills in " << std::fixed << std::setprecision(1)
            << seconds << " s, mode "
            << site.mode << "; " << site.processes.size() << " processes started, all stopped\n";
}

nlohmann::json SiteJson(const DemoSite& site, double seconds, bool matches, bool verified) {
  nlohmann::json tills = nlohmann::json::array();
  for (const TillDay& till : site.tills) {
    tills.push_back({{"name", till.name},
                     {"data_dir", till.data_dir},
                     {"node_id", till.node_id_hex},
                     {"events", till.events},
                     {"events_at_hub", till.events_at_hub},
                     {"verified", till.verification.ok},
                     {"sales", till.counts.sales},
                     {"refunds", till.counts.refunds},
                     {"cancelled", till.counts.cancelled},
                     {"parked_and_resumed", till.counts.parked},
                     {"voided_lines", till.counts.voided_lines},
                     {"z_report", DayReportToJson(till.z)}});
  }
  auto report = [&](const std::string& what) {
    return nlohmann::json::parse(HubReport(site.hub.data_dir, what, true), nullptr, false);
  };
  return {{"tills", tills},
          {"hub",
           {{"data_dir", site.hub.data_dir},
            {"endpoint", site.hub.endpoint},
            {"public_key", site.hub.public_key},
            {"events", site.hub.events},
            {"verified", site.hub.verification.ok},
            {"report_site", report("site")},
            {"report_z", report("z")},
            {"report_tills", report("tills")}}},
          {"account", site.account},
          {"password_file", site.password_file},
          {"mode", site.mode},
          {"site_equals_sum_of_z", matches},
          {"processes", site.processes.size()},
          {"seconds", seconds},
          {"verified", verified}};
}

}  // namespace

void AddDemoCommand(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("demo", "Run a site: a hub and N tills as processes, a trading day, Z, site report");
  cmd->footer(
      "Everything under --root: the hub (`pos hub serve` on a free 127.0.0.1 port, <root>/hub) and each till\n"
      "(`pos serve`, <root>/till-<i>) run as processes of this same program, logs in <root>/*.log. The hub\n"
      "gets the account demo@example.com (a fresh password in <root>/account-password.txt, handed to\n"
      "`pos sync join` on a file descriptor); every till joins in --mode. The sample catalog is made at\n"
      "till-1 and reaches the other tills through the hub. The tills sell in parallel through their command\n"
      "API: random baskets, scanned or keyed, cash/card/voucher and split payments, voided lines, discounts,\n"
      "parked and resumed receipts, cancellations and refunds; then each closes its day (Z report). Once the\n"
      "hub holds every till's events the processes are stopped (SIGTERM, waited for), every log is verified\n"
      "and the hub's reports are printed. The same --seed gives the same day. Ctrl-C stops it all cleanly.\n"
      "The tills carry no license, so they run in demo mode: every receipt is a training receipt.\n"
      "Afterwards, try:\n"
      "  pos --data <root>/hub hub report tills        pos --data <root>/till-1 log --limit 20\n"
      "Exit code 3 when a log does not verify or the hub's totals differ from the tills' Z reports.");
  auto options = std::make_shared<DemoOptions>();
  auto keep_running = std::make_shared<bool>(false);
  cmd->add_option("--root", options->root, "Directory for the site (absent or empty)")->capture_default_str();
  cmd->add_option("--tills", options->tills, "Number of tills")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--receipts", options->receipts_per_till, "Receipts per till")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--articles", options->articles, "Articles in the sample catalog")
      ->check(CLI::Range(10, 1000000))
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Seed of the simulated day")->capture_default_str();
  cmd->add_option("--mode", options->mode, "Sync mode of every till: archive | masterdata | masterdata+receipts")
      ->capture_default_str();
  cmd->add_flag("--keep-running", *keep_running,
                "Afterwards start the hub and the tills again and keep them up until Ctrl-C, to explore");
  cmd->callback([&context, options, keep_running] {
    const bool chatty = !context.options.quiet && !context.options.json;
    StopSignals signals;  // Ctrl-C and SIGTERM are taken here, so every process is stopped in order
    bool interrupted = false;
    DemoCallbacks callbacks;
    callbacks.interrupted = [&] { return interrupted || (interrupted = signals.Wait(std::chrono::milliseconds(0))); };
    const auto started = std::chrono::steady_clock::now();
    std::optional<ProgressBar> bar;  // while the tills sell
    callbacks.progress = [&](uint64_t done, uint64_t total) {
      if (!bar.has_value()) bar.emplace("receipts", chatty, "receipts");
      bar->Update(done, total);
    };
    callbacks.step = [&](const std::string& line) {
      if (bar.has_value()) {
        bar->Finish();
        bar.reset();
      }
      if (chatty) std::cerr << "== " << line << std::endl;
    };
    auto site = RunDemoSite(*options, callbacks);
    if (bar.has_value()) bar->Finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!site.ok()) {
      context.Fail(site.status());
      return;
    }
    bool verified = site->hub.verification.ok;
    for (const TillDay& till : site->tills) verified = verified && till.verification.ok;
    const bool matches = HubMatchesTills(*site);
    if (context.options.json) {
      context.PrintJson(SiteJson(*site, seconds, matches, verified));
    } else {
      PrintText(*site, seconds, matches);
    }
    if (!verified || !matches) context.exit_code = kExitVerifyFailed;
    if (*keep_running) {
      Status kept = KeepDemoSiteRunning(*options, *site, callbacks, [&](const std::string& text) {
        if (!context.options.quiet) std::cerr << "\n" << text << std::endl;
      });
      if (!kept.ok()) context.Fail(kept);
    }
  });
}

}  // namespace pos::cli
