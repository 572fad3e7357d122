// Child processes: a program re-executed as a separate process, either run to
// completion (RunChild) or kept running until stopped (RunningChild).
//
// Used by pos_bench (every measured phase in a fresh process, so its peak RSS is its
// own: the child reports its VmHWM, as wait4's ru_maxrss would also count the parent's
// pages the child held between fork and exec) and by `pos demo` (the hub and the
// tills of a site as `pos hub serve` / `pos serve` processes).
// Invariants of every child started here:
// - its signal mask is cleared before exec (a parent that blocks SIGINT/SIGTERM
//   to take them with sigtimedwait does not pass that on);
// - a RunningChild is the leader of its own process group, so a terminal's Ctrl-C
//   reaches only the parent, which stops its children in order; and it receives
//   SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG), so a parent
//   that dies, even by SIGKILL, leaves no daemon behind. Start daemons from a
//   thread that outlives them (the main thread).
// - a secret for the child (a password) travels through a pipe on fd 3, never argv.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pos {

// The path of the running binary (/proc/self/exe); "" when it cannot be read.
std::string SelfPath();

struct ChildResult {
  int exit_code = -1;     // -1: killed by a signal
  std::string out;        // its stdout (and stderr with capture_stderr)
  double seconds = 0;     // wall time from fork to exit
};

struct RunChildOptions {
  bool capture_stderr = false;  // else stderr is inherited
  bool secret_on_fd3 = false;   // `secret` plus a newline is readable on the child's fd 3
  std::string secret;
};

// Runs `binary args...` to completion, capturing stdout.
Result<ChildResult> RunChild(const std::string& binary, const std::vector<std::string>& args,
                             const RunChildOptions& options = {});

// A child that runs until stopped (the node daemon, the hub).
class RunningChild {
 public:
  // Starts `binary args...` with stdout and stderr appended to `log_path`.
  static Result<RunningChild> Start(const std::string& binary, const std::vector<std::string>& args,
                                    const std::string& log_path);
  RunningChild() = default;
  RunningChild(RunningChild&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  RunningChild& operator=(RunningChild&& other) noexcept;
  RunningChild(const RunningChild&) = delete;
  ~RunningChild();  // SIGKILL when still running

  pid_t pid() const { return pid_; }
  bool Exited();  // reaps it when it has exited
  // Sends `signal` when it still runs (Stop() then waits for it).
  void Signal(int signal) const;
  // SIGTERM, then WaitForExit(grace).
  Status Stop(std::chrono::milliseconds grace = std::chrono::seconds(30));
  // Waits up to `grace` for it to exit, then SIGKILL. Ok when it exited with 0.
  // (A daemon may take a second SIGTERM as "die now": signal once, then wait.)
  Status WaitForExit(std::chrono::milliseconds grace);

 private:
  explicit RunningChild(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

}  // namespace pos
