// Figure 4: start-up. Each round copies the prepared till (a RocksDB checkpoint:
// hard links, plus its TSE directory), starts the node daemon on the copy in a
// child process (as `pos serve` does) and sells one receipt through its command
// API as soon as serve.json names the child. Reported: the time from fork to the
// daemon serving, and to the first accepted sale (its Close acknowledged).
// Target: first sale < 1 s.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "bench/bench_report.h"
#include "engine/status.h"

namespace pos::bench {

Status RunStartupFigure(const std::string& store_dir, const std::string& work_dir, size_t rounds, int articles,
                        BenchReport& report, std::ostream& log);

}  // namespace pos::bench
