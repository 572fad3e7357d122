// The clock seam: production code reads time only through a Clock, so tests can
// make time stand still or jump.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace pos {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch, as the wall clock says (may jump).
  virtual int64_t NowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_micros) : now_(start_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void Set(int64_t micros) { now_.store(micros); }
  void Advance(int64_t micros) { now_.fetch_add(micros); }

 private:
  std::atomic<int64_t> now_;
};

std::shared_ptr<Clock> DefaultClock();

}  // namespace pos
