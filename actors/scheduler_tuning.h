// How a node's CAF scheduler waits for work.
//
// CAF 0.17's work-stealing workers poll when idle: 100 attempts with
// sched_yield, then 500 with a 50 µs sleep, then a condition-variable wait.
// A till's scheduled actors (projection tailing, devices) are idle between
// sales, so the 50 µs naps turned into ~20,000 wake-ups per second per worker
// and took about a sixth of a 2-core machine from the register while it sold
// (docs/BENCHMARKS.md, figure 1). Tuned: a short yield phase, no napping phase,
// then the condition-variable wait, which an enqueue wakes at once. The register
// and the TSE are detached actors and never poll.
#pragma once

#include <caf/actor_system_config.hpp>

namespace pos::actors {

void TuneScheduler(caf::actor_system_config& config);

}  // namespace pos::actors
