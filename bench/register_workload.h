// The real register under load: the node daemon of `pos serve` (RunNodeDaemon:
// the CAF register actor, the software TSE in its own actor, projections
// tailing, the ZeroMQ command API) in a child process, and front ends that sell
// through its command API (docs/api.md) like any till front end would.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "adapters/zmq_command_client.h"
#include "engine/child_process.h"
#include "engine/status.h"

namespace pos::bench {

// `pos_bench internal-serve --data DIR [--listen EP]` runs RunNodeDaemon, as
// `pos serve` does; ServedTill starts one and waits until it serves.
class ServedTill {
 public:
  // Waits up to `ready_timeout` for <data>/serve.json to name the child.
  static Result<std::unique_ptr<ServedTill>> Start(const std::string& data_dir, const std::string& log_path,
                                                   std::chrono::milliseconds ready_timeout = std::chrono::seconds(600));
  const std::string& endpoint() const { return endpoint_; }
  Status Stop() { return child_.Stop(); }

 private:
  ServedTill(RunningChild child, std::string endpoint) : child_(std::move(child)), endpoint_(std::move(endpoint)) {}
  RunningChild child_;
  std::string endpoint_;
};

// Polls <data>/serve.json until it names `pid`; the endpoint, or kUnavailable.
Result<std::string> WaitForServeFile(const std::string& data_dir, int64_t pid, std::chrono::milliseconds timeout,
                                     RunningChild& child);

// One front end: its own DEALER connection to the daemon.
class RegisterFrontEnd {
 public:
  RegisterFrontEnd(const std::string& endpoint, int articles, uint64_t seed);

  Status SignOn(const std::string& user, const std::string& pin);
  // open, 3 lines (1-3 pieces of random articles), pay (cash rounded up to the
  // next 5.00, or card), close; each command acknowledged before the next.
  Status SellReceipt();

 private:
  Result<std::string> Call(std::string request);

  ZmqCommandClient client_;
  int articles_;
  std::mt19937_64 random_;
  uint64_t next_request_ = 1;
};

}  // namespace pos::bench
