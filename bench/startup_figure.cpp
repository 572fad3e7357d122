#include "bench/startup_figure.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "bench/prepared_store.h"
#include "bench/register_workload.h"
#include "engine/child_process.h"
#include "engine/event_store.h"

namespace pos::bench {
namespace {

// A copy of the till at `from` in `to` (absent): a RocksDB checkpoint of the
// store plus every directory beside it (the TSE's).
Status CopyTill(const std::string& from, const std::string& to) {
  POS_RETURN_IF_ERROR(CheckpointStore(from, to));
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(from)) {
    if (!entry.is_directory()) continue;
    std::filesystem::copy(entry.path(), to + "/" + entry.path().filename().string(),
                          std::filesystem::copy_options::recursive, error);
    if (error) return Status::Internal("copying " + entry.path().string() + ": " + error.message());
  }
  return Status::Ok();
}

}  // namespace

Status RunStartupFigure(const std::string& store_dir, const std::string& work_dir, size_t rounds, int articles,
                        BenchReport& report, std::ostream& log) {
  std::vector<double> ready_seconds, sale_seconds;
  const std::string root = work_dir + "/startup-" + std::to_string(getpid());
  for (size_t round = 0; round < rounds; ++round) {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
    std::filesystem::create_directories(root);
    const std::string till = root + "/till";
    POS_RETURN_IF_ERROR(CopyTill(store_dir, till));
    const std::string serve_log = root + "/serve.log";

    const auto started = std::chrono::steady_clock::now();
    POS_ASSIGN_OR_RETURN(RunningChild child,
                         RunningChild::Start(SelfPath(), {"internal-serve", "--data", till}, serve_log));
    auto endpoint = WaitForServeFile(till, child.pid(), std::chrono::minutes(30), child);
    if (!endpoint.ok()) return endpoint.status().WithContext("see " + serve_log);
    const auto ready = std::chrono::steady_clock::now();
    RegisterFrontEnd front(*endpoint, articles, 42 + round);
    POS_RETURN_IF_ERROR(front.SellReceipt().WithContext("the first sale after start-up"));
    const auto sold = std::chrono::steady_clock::now();
    POS_RETURN_IF_ERROR(child.Stop().WithContext("stopping the node daemon (see " + serve_log + ")"));
    ready_seconds.push_back(std::chrono::duration<double>(ready - started).count());
    sale_seconds.push_back(std::chrono::duration<double>(sold - started).count());
    log << "figure 4: round " << round + 1 << "/" << rounds << ": serving after " << ready_seconds.back()
        << " s, first sale closed after " << sale_seconds.back() << " s" << std::endl;
    std::filesystem::remove_all(root, ignored);
  }
  uint64_t events = 0;
  {
    POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, EventStore::Open(store_dir));
    events = store->LastSequence();
  }
  const std::string section = "4. start-up of a till with " + std::to_string(events) + " events";
  const size_t sale = report.Add(section, "process start to first accepted sale", sale_seconds, "s", "< 1 s",
                                 "open, 3 lines, pay, close through the command API");
  report.Bound(sale, std::nullopt, 1.0);
  report.Add(section, "process start to serving (serve.json)", ready_seconds, "s", "");
  return Status::Ok();
}

}  // namespace pos::bench
