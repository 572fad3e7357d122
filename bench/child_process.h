// Child processes of pos_bench: every phase whose memory or start-up is measured
// runs in a fresh process (pos_bench itself, re-executed with an internal
// subcommand), so its peak RSS is its own and nothing is warm from an earlier phase.
// The peak RSS is the child's own VmHWM (it reports it): wait4's ru_maxrss would
// also count the parent's pages the child held between fork and exec.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pos::bench {

// The path of the running pos_bench binary (/proc/self/exe).
std::string SelfPath();

struct ChildResult {
  int exit_code = -1;     // -1: killed by a signal
  std::string out;        // its stdout
  double seconds = 0;     // wall time from fork to exit
};

// Runs `binary args...` to completion, capturing stdout (stderr is inherited).
Result<ChildResult> RunChild(const std::string& binary, const std::vector<std::string>& args);

// A child that runs until stopped (the node daemon).
class RunningChild {
 public:
  // Starts `binary args...` with stdout and stderr appended to `log_path`.
  static Result<RunningChild> Start(const std::string& binary, const std::vector<std::string>& args,
                                    const std::string& log_path);
  RunningChild(RunningChild&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  RunningChild& operator=(RunningChild&&) = delete;
  RunningChild(const RunningChild&) = delete;
  ~RunningChild();  // SIGKILL when still running

  pid_t pid() const { return pid_; }
  bool Exited();  // reaps it when it has exited
  // SIGTERM, then waits up to `grace` before SIGKILL. Ok when it exited with 0.
  Status Stop(std::chrono::milliseconds grace = std::chrono::seconds(30));

 private:
  explicit RunningChild(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

}  // namespace pos::bench
