#include "bench/receipt_figures.h"

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "bench/front_end_driver.h"
#include "bench/postgres_peer.h"
#include "bench/receipt_corpus.h"
#include "bench/register_workload.h"
#include "bench/rocksdb_peer.h"
#include "bench/sqlite_peer.h"
#include "bench/till_fixture.h"
#include "engine/event_store.h"

namespace pos::bench {
namespace {

std::string Fresh(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
  return path;
}

// Sells `receipts` receipts through the daemon with `front_ends` front ends.
Result<double> SellThroughRegister(const std::string& endpoint, size_t front_ends, size_t receipts, int articles,
                                   uint64_t seed) {
  std::vector<std::unique_ptr<RegisterFrontEnd>> fronts;
  for (size_t i = 0; i < front_ends; ++i) {
    fronts.push_back(std::make_unique<RegisterFrontEnd>(endpoint, articles, seed * 1000 + i));
  }
  return DriveFrontEnds(front_ends, receipts, [&](size_t fe, size_t) { return fronts[fe]->SellReceipt(); });
}

Result<double> StoreCorpus(CommandSink& sink, const ReceiptCorpus& corpus, size_t front_ends, size_t receipts,
                           size_t offset) {
  return DriveFrontEnds(front_ends, receipts, [&](size_t fe, size_t receipt) {
    for (const CorpusCommand& command : corpus.receipts[(offset + receipt) % corpus.receipts.size()]) {
      POS_RETURN_IF_ERROR(sink.Store(fe, command));
    }
    return Status::Ok();
  });
}

}  // namespace

Status RunReceiptFigures(const ReceiptFigureOptions& options, BenchReport& report, std::ostream& log) {
  const std::string root = Fresh(options.work_dir + "/receipts-" + std::to_string(getpid()));
  std::filesystem::create_directories(root);
  const std::string till = root + "/till";
  const std::string serve_log = root + "/serve.log";
  log << "figure 1: creating the till (catalog of " << options.articles << " articles, software TSE) in " << till
      << std::endl;
  POS_RETURN_IF_ERROR(CreateTillFixture(till, {.articles = options.articles}));

  // Warm-up through the register; its receipts become the peers' corpus.
  ReceiptCorpus corpus;
  {
    POS_ASSIGN_OR_RETURN(std::unique_ptr<ServedTill> served, ServedTill::Start(till, serve_log));
    RegisterFrontEnd first(served->endpoint(), options.articles, 7);
    POS_RETURN_IF_ERROR(first.SignOn(kCashier, kCashierPin));
    const size_t warm_up = std::max<size_t>(options.receipts_per_round, 16);
    log << "figure 1: warm-up, " << warm_up << " receipts through the register" << std::endl;
    POS_RETURN_IF_ERROR(SellThroughRegister(served->endpoint(), 8, warm_up, options.articles, 1).status());
    POS_RETURN_IF_ERROR(served->Stop().WithContext("stopping the node daemon (see " + serve_log + ")"));
    POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, EventStore::Open(till));
    POS_ASSIGN_OR_RETURN(corpus, ReadReceiptCorpus(*store));
  }
  const double bytes_per_receipt = static_cast<double>(corpus.event_bytes) / static_cast<double>(corpus.receipts.size());
  const double events_per_receipt = static_cast<double>(corpus.events) / static_cast<double>(corpus.receipts.size());
  const double commands_per_receipt =
      static_cast<double>(corpus.commands) / static_cast<double>(corpus.receipts.size());
  const std::string shape = std::to_string(static_cast<int>(commands_per_receipt + 0.5)) + " commands, " +
                            std::to_string(static_cast<int>(events_per_receipt + 0.5)) + " events, " +
                            std::to_string(static_cast<int>(bytes_per_receipt + 0.5)) + " bytes per receipt";
  log << "figure 1: corpus of " << corpus.receipts.size() << " receipts (" << shape << ")" << std::endl;

  POS_ASSIGN_OR_RETURN(std::unique_ptr<ServedTill> served, ServedTill::Start(till, serve_log));
  uint64_t seed = 100;
  for (const size_t n : options.front_ends) {
    POS_ASSIGN_OR_RETURN(std::unique_ptr<RocksDbPeer> rocks, RocksDbPeer::Create(Fresh(root + "/rocksdb-" + std::to_string(n))));
    POS_ASSIGN_OR_RETURN(std::unique_ptr<SqlitePeer> sqlite, SqlitePeer::Create(Fresh(root + "/sqlite-" + std::to_string(n) + ".db")));
    std::unique_ptr<PostgresPeer> postgres;
    if (!options.postgres.empty()) {
      POS_ASSIGN_OR_RETURN(postgres, PostgresPeer::Connect(options.postgres, n));
    }
    std::vector<double> register_rounds, rocks_rounds, sqlite_rounds, postgres_rounds;
    for (size_t round = 0; round < options.rounds; ++round) {
      const size_t offset = round * options.receipts_per_round;
      log << "figure 1: N=" << n << " round " << round + 1 << "/" << options.rounds << ":" << std::flush;
      POS_ASSIGN_OR_RETURN(double reg, SellThroughRegister(served->endpoint(), n, options.receipts_per_round,
                                                           options.articles, ++seed));
      register_rounds.push_back(reg);
      log << " register " << static_cast<int64_t>(reg) << std::flush;
      POS_ASSIGN_OR_RETURN(double raw, StoreCorpus(*rocks, corpus, n, options.receipts_per_round, offset));
      rocks_rounds.push_back(raw);
      log << ", RocksDB " << static_cast<int64_t>(raw) << std::flush;
      POS_ASSIGN_OR_RETURN(double lite, StoreCorpus(*sqlite, corpus, n, options.receipts_per_round, offset));
      sqlite_rounds.push_back(lite);
      log << ", SQLite " << static_cast<int64_t>(lite) << std::flush;
      if (postgres) {
        POS_ASSIGN_OR_RETURN(double pg, StoreCorpus(*postgres, corpus, n, options.receipts_per_round, offset));
        postgres_rounds.push_back(pg);
        log << ", PostgreSQL " << static_cast<int64_t>(pg) << std::flush;
      }
      log << " receipts/s" << std::endl;
    }
    const std::string section = "1. durable TSE-signed receipts, " + std::to_string(n) + " front end" +
                                (n == 1 ? "" : "s") + " (" + shape + ")";
    const size_t reg = report.Add(section, "register (pos serve: CAF actor + TSE)", register_rounds, "receipts/s",
                                  ">= 0.50x raw RocksDB");
    const size_t raw = report.Add(section, "raw RocksDB, sync puts (limit)", rocks_rounds, "receipts/s", "limit");
    const size_t lite = report.Add(section, "SQLite WAL, synchronous=FULL", sqlite_rounds, "receipts/s", "peer",
                                   "one writer thread, one transaction per group");
    report.Compare(reg, raw, 0.5);
    report.Compare(lite, raw, std::nullopt);
    size_t best_peer = lite;
    if (postgres) {
      const size_t pg = report.Add(section, "PostgreSQL 15, synchronous_commit=on", postgres_rounds, "receipts/s",
                                   "peer", "connections on loopback: " + std::to_string(n));
      report.Compare(pg, raw, std::nullopt);
      if (report.at(pg).value > report.at(lite).value) best_peer = pg;
    }
    const size_t versus = report.Add(section, "register vs the better SQL peer", register_rounds, "receipts/s",
                                     ">= 10x better of SQLite/PostgreSQL",
                                     postgres ? "" : "PostgreSQL not measured (no --postgres): SQLite only");
    report.Compare(versus, best_peer, 10.0);
  }
  POS_RETURN_IF_ERROR(served->Stop().WithContext("stopping the node daemon (see " + serve_log + ")"));
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
  return Status::Ok();
}

}  // namespace pos::bench
