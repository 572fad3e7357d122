// StopSignals: SIGINT and SIGTERM blocked in the calling thread (and so in every
// thread it starts later) for the object's lifetime, and taken with sigtimedwait.
// Long-running processes (`pos serve`, `pos hub serve`) create one before they
// start threads and poll Wait() to stop cleanly; the old mask is restored on exit.
#pragma once

#include <signal.h>

#include <chrono>

namespace pos {

class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // True when a stop signal arrived within `timeout`.
  bool Wait(std::chrono::milliseconds timeout) const;

 private:
  sigset_t set_{};
  sigset_t old_{};
};

}  // namespace pos
