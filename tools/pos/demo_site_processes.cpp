#include "tools/pos/demo_site_processes.h"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/serve_file.h"

namespace pos::cli {
namespace {

constexpr auto kStartLimit = std::chrono::seconds(60);
constexpr auto kStopGrace = std::chrono::seconds(30);

std::string Joined(const std::vector<std::string>& args) {
  std::string text = "pos";
  for (const std::string& arg : args) text += " " + arg;
  return text;
}

// The last lines of a log, for error messages.
std::string Tail(const std::string& path, size_t lines = 12) {
  std::ifstream in(path);
  std::vector<std::string> kept;
  for (std::string line; std::getline(in, line);) {
    kept.push_back(line);
    if (kept.size() > lines) kept.erase(kept.begin());
  }
  std::string text;
  for (const std::string& line : kept) text += "\n  | " + line;
  return text;
}

}  // namespace

DemoSiteProcesses::~DemoSiteProcesses() { (void)StopAll(); }

Result<std::string> DemoSiteProcesses::Run(const std::vector<std::string>& args,
                                           const std::optional<std::string>& secret) {
  RunChildOptions options;
  options.capture_stderr = true;
  options.secret_on_fd3 = secret.has_value();
  options.secret = secret.value_or("");
  POS_ASSIGN_OR_RETURN(ChildResult result, RunChild(pos_, args, options));
  if (result.exit_code != 0) {
    return Status::Internal("`" + Joined(args) + "` failed (exit code " + std::to_string(result.exit_code) +
                            ")" + (result.out.empty() ? "" : ": " + result.out));
  }
  return result.out;
}

Result<std::string> DemoSiteProcesses::StartDaemon(const std::string& name, const std::string& data,
                                                   const std::vector<std::string>& args, const std::string& log,
                                                   const std::function<bool()>& interrupted) {
  std::vector<std::string> all = {"--data", data};
  all.insert(all.end(), args.begin(), args.end());
  POS_ASSIGN_OR_RETURN(RunningChild child, RunningChild::Start(pos_, all, log));
  const pid_t pid = child.pid();
  started_.push_back(pid);
  running_.push_back({name, log, std::move(child)});
  Daemon& daemon = running_.back();
  const auto deadline = std::chrono::steady_clock::now() + kStartLimit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (interrupted && interrupted()) return Status::Unavailable("interrupted while " + name + " was starting");
    auto info = ReadServeFile(data);
    if (info.ok() && info->has_value() && (*info)->pid == pid) return (*info)->endpoint;
    if (daemon.child.Exited()) {
      return Status::Internal(name + " (`" + Joined(all) + "`) exited while starting; its log " + log + ":" +
                              Tail(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return Status::Unavailable(name + " did not start within " + std::to_string(kStartLimit.count()) +
                             " s; its log " + log + ":" + Tail(log));
}

Status DemoSiteProcesses::StopAll() {
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) it->child.Signal(SIGTERM);
  std::string problems;
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    if (it->child.pid() <= 0) continue;
    const Status stopped = it->child.WaitForExit(kStopGrace);
    if (!stopped.ok()) problems += "\n" + it->name + ": " + stopped.message() + "; its log " + it->log + ":" + Tail(it->log);
  }
  running_.clear();
  if (!problems.empty()) return Status::Internal("a site process did not stop cleanly:" + problems);
  return Status::Ok();
}

}  // namespace pos::cli
