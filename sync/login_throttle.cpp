#include "sync/login_throttle.h"

#include <algorithm>

namespace pos {

void LoginThrottle::RecordFailure(std::string_view key, int64_t at_us) {
  auto it = entries_.find(key);
  if (it == entries_.end()) it = entries_.emplace(std::string(key), Entry{}).first;
  ++it->second.failures;
  it->second.last_failure_us = std::max(it->second.last_failure_us, at_us);
}

void LoginThrottle::Reset(std::string_view key) {
  if (auto it = entries_.find(key); it != entries_.end()) entries_.erase(it);
}

int LoginThrottle::Failures(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.failures;
}

int64_t LoginThrottle::DelayAfter(int failures) const {
  const int over = failures - policy_.free_failures;
  if (over <= 0) return 0;
  int64_t delay = policy_.first_delay_us;
  for (int i = 1; i < over && delay < policy_.max_delay_us; ++i) delay *= 2;
  return std::min(delay, policy_.max_delay_us);
}

int64_t LoginThrottle::RetryAt(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  const int64_t delay = DelayAfter(it->second.failures);
  return delay == 0 ? 0 : it->second.last_failure_us + delay;
}

}  // namespace pos
