#include "engine/hybrid_logical_clock.h"

#include <algorithm>

namespace pos {

HybridLogicalClock::HybridLogicalClock(std::shared_ptr<Clock> wall) : wall_(std::move(wall)) {}

uint64_t HybridLogicalClock::Now() {
  const int64_t micros = wall_->NowMicros();
  const uint64_t wall_millis = micros > 0 ? static_cast<uint64_t>(micros / 1000) : 0;
  std::lock_guard lock(mutex_);
  const uint64_t candidate = Make(wall_millis, 0);
  // If the wall clock is behind (or jumped back), keep the physical part and count up;
  // the logical counter overflowing carries into the physical part, which keeps order.
  last_ = std::max(candidate, last_ + 1);
  return last_;
}

void HybridLogicalClock::Observe(uint64_t remote) {
  std::lock_guard lock(mutex_);
  last_ = std::max(last_, remote);
}

}  // namespace pos
