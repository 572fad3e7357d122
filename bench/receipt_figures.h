// Figure 1: durable, TSE-signed receipts on one till node, N concurrent front
// ends, against raw RocksDB (the limit), SQLite and PostgreSQL storing the same
// receipts (the same event bytes, command by command) with the same guarantee.
//
// Order of work: the till (CreateTillFixture) is served by the node daemon; a
// warm-up sells receipts through it; the daemon stops and the corpus is read from
// its log (ReadReceiptCorpus); the daemon starts again. Then, for each N, each
// round runs every system one after the other (register, RocksDB, SQLite,
// PostgreSQL), so machine load drifts hit all of them alike; the figures are the
// medians over rounds.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "engine/status.h"

namespace pos::bench {

struct ReceiptFigureOptions {
  std::string work_dir;                       // scratch space (a fresh subdirectory per run)
  std::vector<size_t> front_ends{1, 8, 64};
  size_t receipts_per_round = 256;
  size_t rounds = 3;
  std::string postgres;                       // libpq conninfo; empty: the PostgreSQL peer is not measured
  int articles = 200;
};

Status RunReceiptFigures(const ReceiptFigureOptions& options, BenchReport& report, std::ostream& log);

}  // namespace pos::bench
