// Figure 2: replay. On the prepared till (prepared_store.h), each round runs in
// fresh child processes, one after the other: a raw RocksDB iteration of the log
// family (the limit), then ProjectionRunner::Rebuild of receipt_journal,
// z_reports and catalog in one pass. Reported: events/s of both (medians), the
// rebuild's share of the raw scan, and each child's peak RSS (its VmHWM).
// Targets: rebuild >= 1,000,000 events/s, >= 0.30x the raw scan, peak RSS < 200 MB.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "bench/bench_report.h"
#include "engine/status.h"

namespace pos::bench {

Status RunReplayFigures(const std::string& store_dir, size_t rounds, BenchReport& report, std::ostream& log);

}  // namespace pos::bench
