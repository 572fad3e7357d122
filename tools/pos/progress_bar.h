// A progress line on stderr for long work: "replay  [#####     ]  52%  1.2M/2.3M events  410k/s  ETA 3s".
// On a terminal it redraws one line; otherwise it prints a line at most every
// two seconds. Silent when disabled (--quiet or --json).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pos::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled);
  // The same, counting `unit` (e.g. "bytes") instead of events.
  ProgressBar(std::string label, bool enabled, std::string unit);
  // Reports `done` of `total` units; cheap to call often.
  void Update(uint64_t done, uint64_t total);
  // Ends the line; returns the seconds since construction.
  double Finish();

 private:
  void Draw(uint64_t done, uint64_t total, bool final_line);

  std::string label_;
  std::string unit_ = "events";
  bool enabled_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  uint64_t done_ = 0;
  uint64_t total_ = 0;
};

}  // namespace pos::cli
