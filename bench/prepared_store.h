// PreparedStore: a till with a large log for the replay and start-up figures,
// generated once (CreateTillFixture + GenerateReceipts, then every built-in
// projection caught up, as on a till that has been trading) and cached as
// <work>/till-<events>/ with a marker <work>/till-<events>.ready (JSON: events,
// generator version). A rerun with the same size reuses it; an unfinished one
// (no marker) is removed and generated again.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "engine/status.h"

namespace pos::bench {

struct PreparedStoreOptions {
  std::string work_dir;
  uint64_t events = 10'000'000;
  int articles = 1000;
};

// The path of the prepared till.
Result<std::string> PrepareStore(const PreparedStoreOptions& options, std::ostream& log);

// A copy of the store at `from` in `to` (absent), as a RocksDB checkpoint: the
// figures that write to a till work on a copy of the cached one.
Status CheckpointStore(const std::string& from, const std::string& to);

}  // namespace pos::bench
