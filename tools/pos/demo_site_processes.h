// DemoSiteProcesses: the `pos` processes of a demo site, all of them the same
// binary re-executed: one-shot commands (`pos init`, `pos sync join`, …) run to
// completion, and the daemons (`pos hub serve`, `pos serve`) kept until stopped.
//
// Invariant: every daemon started here is stopped (SIGTERM, then waited for) by
// StopAll() or, at the latest, by the destructor, whatever failed in between;
// and because each is started with PR_SET_PDEATHSIG (engine/child_process.h), a
// demo killed outright leaves none behind either.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/child_process.h"
#include "engine/status.h"

namespace pos::cli {

class DemoSiteProcesses {
 public:
  explicit DemoSiteProcesses(std::string pos_binary) : pos_(std::move(pos_binary)) {}
  ~DemoSiteProcesses();
  DemoSiteProcesses(const DemoSiteProcesses&) = delete;
  DemoSiteProcesses& operator=(const DemoSiteProcesses&) = delete;

  // Runs `pos ARGS` to completion; its stdout and stderr. A failure names the command and
  // quotes its output. `secret` (a password) is handed over on fd 3, never in ARGS.
  Result<std::string> Run(const std::vector<std::string>& args, const std::optional<std::string>& secret = {});

  // Starts the daemon `pos --data DATA ARGS` (output appended to `log`) and waits
  // until DATA/serve.json names it; returns the endpoint it serves.
  Result<std::string> StartDaemon(const std::string& name, const std::string& data,
                                  const std::vector<std::string>& args, const std::string& log,
                                  const std::function<bool()>& interrupted);

  // SIGTERM to every running daemon (the last started first), then waits for
  // each. An error names each daemon that did not exit cleanly and its log.
  Status StopAll();

  // Every daemon ever started here, to check afterwards that none is left.
  const std::vector<pid_t>& started() const { return started_; }

 private:
  struct Daemon {
    std::string name;
    std::string log;
    RunningChild child;
  };

  std::string pos_;
  std::vector<Daemon> running_;
  std::vector<pid_t> started_;
};

}  // namespace pos::cli
