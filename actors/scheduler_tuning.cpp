#include "actors/scheduler_tuning.h"

#include <chrono>
#include <cstdint>

namespace pos::actors {

void TuneScheduler(caf::actor_system_config& config) {
  config.set("work-stealing.aggressive-poll-attempts", int64_t{10});
  config.set("work-stealing.moderate-poll-attempts", int64_t{0});
  // The cv wait's timeout only bounds how long a worker may miss stealing work.
  config.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds(10)});
}

}  // namespace pos::actors
