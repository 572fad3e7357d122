#include "engine/clock.h"

#include <chrono>

namespace pos {

int64_t SystemClock::NowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<Clock> DefaultClock() {
  static const auto clock = std::make_shared<SystemClock>();
  return clock;
}

}  // namespace pos
