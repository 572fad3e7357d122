// Hybrid logical clock (Kulkarni et al.): a 64-bit timestamp that follows the
// wall clock but never goes backwards and orders causally related events.
//
// Encoding: bits 63..16 = physical time in milliseconds since the Unix epoch,
// bits 15..0 = logical counter. Comparing the u64 values compares timestamps.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "engine/clock.h"

namespace pos {

class HybridLogicalClock {
 public:
  explicit HybridLogicalClock(std::shared_ptr<Clock> wall);

  // A timestamp for a local event, strictly greater than every earlier result.
  uint64_t Now();
  // Merges a timestamp received from another node; later Now() values exceed it.
  void Observe(uint64_t remote);

  static uint64_t PhysicalMillis(uint64_t hlc) { return hlc >> 16; }
  static uint64_t Logical(uint64_t hlc) { return hlc & 0xFFFF; }
  static uint64_t Make(uint64_t millis, uint64_t logical) { return (millis << 16) | (logical & 0xFFFF); }

 private:
  std::shared_ptr<Clock> wall_;
  std::mutex mutex_;
  uint64_t last_ = 0;
};

}  // namespace pos
