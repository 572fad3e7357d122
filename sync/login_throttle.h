// LoginThrottle: how long failed logins make the next attempt wait, per key
// (an account name, or a till's CURVE public key).
//
// Rule: the first `free_failures` consecutive failures cost nothing; after
// failure number free_failures + k (k >= 1) the next attempt is refused until
// first_delay * 2^(k-1) has passed since that failure, capped at max_delay.
// A success resets the key. Times are microseconds of the hub's Clock, so the
// state is a pure function of the recorded failures (rebuilt from the log).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace pos {

struct LoginThrottlePolicy {
  int free_failures = 3;
  int64_t first_delay_us = 1'000'000;      // 1 s
  int64_t max_delay_us = 15 * 60'000'000;  // 15 min
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginThrottlePolicy policy = {}) : policy_(policy) {}

  void RecordFailure(std::string_view key, int64_t at_us);
  void Reset(std::string_view key);

  // The consecutive failures recorded for `key`.
  int Failures(std::string_view key) const;
  // The earliest time an attempt for `key` is accepted (0: any time).
  int64_t RetryAt(std::string_view key) const;
  // The wait imposed after `failures` consecutive failures (0: none).
  int64_t DelayAfter(int failures) const;

 private:
  struct Entry {
    int failures = 0;
    int64_t last_failure_us = 0;
  };
  LoginThrottlePolicy policy_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace pos
