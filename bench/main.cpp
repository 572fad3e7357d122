// pos_bench: the benchmark harness of docs/BENCHMARKS.md (issue 9). One run
// measures every figure beside its target or limit and its peers, in the same
// run, and prints the table (or --json). Progress goes to stderr.
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/bench_report.h"
#include "bench/internal_commands.h"
#include "bench/prepared_store.h"
#include "bench/receipt_figures.h"
#include "bench/replay_figures.h"
#include "bench/startup_figure.h"
#include "bench/sync_figures.h"

namespace {

struct RunOptions {
  std::string work = "bench-work";
  bool json = false;
  bool quick = false;
  std::vector<std::string> figures{"receipts", "sync", "replay", "startup"};
  std::vector<size_t> front_ends;
  size_t receipts = 0;
  size_t rounds = 0;
  uint64_t events = 0;
  int articles = 1000;
  std::string postgres;
  size_t tills = 50;
  size_t till_events = 0;
  uint64_t catchup_events = 0;
  double lag_seconds = 0;
  double lag_rate = 1000;
  std::string pos_binary = POS_CLI_BINARY;
  std::string baseline_pos;
};

int Run(RunOptions options) {
  // Sizes: the figures by default, CI-sized with --quick; explicit flags win.
  if (options.front_ends.empty()) options.front_ends = options.quick ? std::vector<size_t>{1, 8} : std::vector<size_t>{1, 8, 64};
  if (options.receipts == 0) options.receipts = options.quick ? 64 : 512;
  if (options.rounds == 0) options.rounds = options.quick ? 1 : 3;
  if (options.events == 0) options.events = options.quick ? 200'000 : 10'000'000;
  if (options.till_events == 0) options.till_events = options.quick ? 2'000 : 20'000;
  if (options.catchup_events == 0) options.catchup_events = options.quick ? options.events : 1'000'000;
  if (options.lag_seconds == 0) options.lag_seconds = options.quick ? 3 : 10;
  const std::set<std::string> figures(options.figures.begin(), options.figures.end());
  for (const std::string& figure : figures) {
    if (figure != "receipts" && figure != "sync" && figure != "replay" && figure != "startup") {
      std::cerr << "pos_bench: unknown figure '" << figure << "' (known: receipts, sync, replay, startup)\n";
      return 2;
    }
  }
  std::error_code error;
  std::filesystem::create_directories(options.work, error);
  if (error) {
    std::cerr << "pos_bench: cannot create the work directory " << options.work << ": " << error.message() << "\n";
    return 1;
  }
  const std::string work = std::filesystem::absolute(options.work).string();

  pos::bench::BenchReport report;
  nlohmann::json machine = pos::bench::DescribeMachine(work);
  machine["run"] = {{"front_ends", options.front_ends}, {"receipts_per_round", options.receipts},
                    {"rounds", options.rounds},         {"events", options.events},
                    {"articles", options.articles},     {"postgres", !options.postgres.empty()},
                    {"quick", options.quick},           {"tills", options.tills},
                    {"till_events", options.till_events}, {"catchup_events", options.catchup_events},
                    {"lag_seconds", options.lag_seconds}, {"lag_receipts_per_second", options.lag_rate}};
  report.set_machine(machine);
  report.set_preliminary(options.quick);
  auto fail = [](const pos::Status& status) {
    std::cerr << "pos_bench: " << status.ToString() << "\n";
    return 1;
  };

  if (figures.count("receipts")) {
    pos::bench::ReceiptFigureOptions receipts;
    receipts.work_dir = work;
    receipts.front_ends = options.front_ends;
    receipts.receipts_per_round = options.receipts;
    receipts.rounds = options.rounds;
    receipts.postgres = options.postgres;
    receipts.articles = std::min(options.articles, 200);  // a small till: fixture creation stays quick
    if (pos::Status s = pos::bench::RunReceiptFigures(receipts, report, std::cerr); !s.ok()) return fail(s);
  }
  if (figures.count("sync")) {
    auto store = pos::bench::PrepareStore({work, options.catchup_events, options.articles}, std::cerr);
    if (!store.ok()) return fail(store.status());
    pos::bench::SyncFigureOptions sync;
    sync.work_dir = work;
    sync.pos_binary = options.pos_binary;
    sync.baseline_pos = options.baseline_pos;
    sync.catchup_store = *store;
    sync.tills = options.tills;
    sync.events_per_till = options.till_events;
    sync.lag_receipts_per_second = options.lag_rate;
    sync.lag_seconds = options.lag_seconds;
    sync.rounds = options.rounds;
    if (pos::Status s = pos::bench::RunSyncFigures(sync, report, std::cerr); !s.ok()) return fail(s);
  }
  if (figures.count("replay") || figures.count("startup")) {
    auto store = pos::bench::PrepareStore({work, options.events, options.articles}, std::cerr);
    if (!store.ok()) return fail(store.status());
    if (figures.count("replay")) {
      if (pos::Status s = pos::bench::RunReplayFigures(*store, options.rounds, report, std::cerr); !s.ok()) {
        return fail(s);
      }
    }
    if (figures.count("startup")) {
      if (pos::Status s =
              pos::bench::RunStartupFigure(*store, work, options.rounds, options.articles, report, std::cerr);
          !s.ok()) {
        return fail(s);
      }
    }
  }
  if (options.json) {
    std::cout << report.ToJson().dump(2) << std::endl;
  } else {
    report.PrintTable(std::cout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pos_bench: the engine's figures beside their targets, limits and peers, measured in one run"};
  app.footer(
      "Figures (docs/BENCHMARKS.md):\n"
      "  receipts  durable TSE-signed receipts through `pos serve` with N front ends, vs raw RocksDB,\n"
      "            SQLite and PostgreSQL storing the same event bytes with the same fsync guarantee\n"
      "  sync      a real `pos hub serve` ingesting from --tills simulated tills (real sync client\n"
      "            sessions, CURVE on loopback) vs raw RocksDB; replication lag at --lag-rate receipts/s;\n"
      "            catch-up of a till with --catchup-events events\n"
      "  replay    rebuilding receipt_journal, z_reports and catalog vs a raw scan of the log; peak RSS\n"
      "  startup   a till with --events events: process start to its first accepted sale\n"
      "Every figure is the median of --rounds rounds. scripts/bench runs everything, PostgreSQL included.\n"
      "Examples:\n"
      "  pos_bench --quick                                  CI-sized run of every figure (preliminary)\n"
      "  pos_bench --figures replay,startup --events 10000000 --work /var/tmp/bench\n"
      "  pos_bench --figures receipts --postgres 'host=/tmp/pg port=5433 dbname=postgres' --json");
  RunOptions options;
  app.add_option("--work", options.work,
                 "Work directory: scratch stores and the cached prepared till (reused across runs)")
      ->capture_default_str();
  app.add_flag("--json", options.json, "Print the figures as JSON (see bench/bench_report.h) instead of the table");
  app.add_flag("--quick", options.quick,
               "CI-sized defaults: 200,000 events, 64 receipts per round, 1 round, front ends 1,8, "
               "2,000 events per till, a 3 s lag run, catch-up of 200,000 events");
  app.add_option("--figures", options.figures, "Which figures to measure: receipts, sync, replay, startup")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--front-ends", options.front_ends, "Concurrent front ends of figure 1, e.g. 1,8,64 (default)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  app.add_option("--receipts", options.receipts, "Receipts per round and system in figure 1 (default 512)")
      ->check(CLI::PositiveNumber);
  app.add_option("--rounds", options.rounds, "Rounds per figure; figures are medians (default 3)")
      ->check(CLI::PositiveNumber);
  app.add_option("--events", options.events, "Size of the prepared till for replay and start-up (default 10,000,000)")
      ->check(CLI::Range(uint64_t{1000}, uint64_t{1'000'000'000}));
  app.add_option("--articles", options.articles, "Catalog size of the prepared till")
      ->capture_default_str()
      ->check(CLI::Range(10, 100000));
  app.add_option("--postgres", options.postgres,
                 "libpq connection string of the PostgreSQL peer (scripts/bench starts one); "
                 "without it figure 1 compares with SQLite only");
  app.add_option("--tills", options.tills, "Simulated tills of figure 3 (default 50)")->check(CLI::PositiveNumber);
  app.add_option("--till-events", options.till_events, "Events each till pushes in figure 3's ingest (default 20,000)")
      ->check(CLI::PositiveNumber);
  app.add_option("--catchup-events", options.catchup_events,
                 "Size of the till that catches up in figure 3 (default 1,000,000; a cached prepared till)")
      ->check(CLI::Range(uint64_t{1000}, uint64_t{1'000'000'000}));
  app.add_option("--lag-seconds", options.lag_seconds, "Duration of figure 3's paced selling (default 10 s)")
      ->check(CLI::PositiveNumber);
  app.add_option("--lag-rate", options.lag_rate, "Combined receipts/s of figure 3's paced selling")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--pos", options.pos_binary, "The `pos` CLI whose `hub serve` figure 3 measures")
      ->capture_default_str();
  app.add_option("--baseline-pos", options.baseline_pos,
                 "Another `pos` binary (e.g. built before a change) whose hub figure 3 measures beside --pos, "
                 "in the same rounds")
      ->check(CLI::ExistingFile);
  int exit_code = 0;
  pos::bench::AddInternalCommands(app, exit_code);
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (app.get_subcommands().empty()) return Run(options);
  return exit_code;
}
