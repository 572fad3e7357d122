// Figure 3 of docs/BENCHMARKS.md (issue 9, item 3): site sync.
//
// - ingest: `tills` simulated tills (bench/sync_site.h), each holding
//   `events_per_till` events of its own, replicate to a fresh `pos hub serve` at
//   once, as fast as the protocol's credit allows. Figure: events acknowledged
//   durable by the hub per second, from the clients' start until the hub has
//   acknowledged every till's whole chain; beside it the limit, raw RocksDB
//   storing the same event bytes in the same batches (WriteOptions.sync, one
//   writer thread per till, RocksDB's write group commit), and the 100k/s target.
// - lag: after the last ingest round, the tills sell at a combined
//   `lag_receipts_per_second` for `lag_seconds` (12 events a receipt, one append
//   per run of one stream, pipelined); per event, the time from its durable
//   append at the till to the hub's Ack that covers it: p50, p99, max.
// - catch-up: a copy of the prepared till (`catchup_store`) joins a fresh hub;
//   the time until the hub has acknowledged its whole chain.
// Every hub is fresh per round; rounds give medians. With `baseline_pos`, ingest
// and catch-up are also measured with that binary's hub, in the same rounds.
#pragma once

#include <ostream>
#include <string>

#include "bench/bench_report.h"
#include "engine/status.h"

namespace pos::bench {

struct SyncFigureOptions {
  std::string work_dir;
  std::string pos_binary;     // the `pos` CLI whose `hub serve` is measured
  std::string baseline_pos;   // another `pos` measured beside it (before/after a change); "" = none
  std::string catchup_store;  // a prepared till (bench/prepared_store.h)
  size_t tills = 50;
  size_t events_per_till = 20'000;
  double lag_receipts_per_second = 1000;
  double lag_seconds = 10;
  size_t rounds = 3;
};

Status RunSyncFigures(const SyncFigureOptions& options, BenchReport& report, std::ostream& log);

}  // namespace pos::bench
