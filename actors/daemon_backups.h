// Backups the node daemon takes of its open store (docs/backup.md, "Backups while
// pos serve runs"): on its daily schedule (<data>/node.toml [backup]) and on
// request over its admin socket (`pos backup create` while `pos serve` holds the
// store's lock).
//
// DaemonBackups::Take runs one backup at a time (a mutex): CreateBackup on the
// open store (safe while the register actor appends), then the retention when
// asked, then a BackupTaken event (stream "node") once the manifest is written.
// BackupScheduler is a thread that waits for the configured local time of day
// by the injected Clock (re-read at least every 200 ms, so a test clock that
// jumps is noticed) and takes the day's backup; a failure is reported and
// retried the next day, never stops the daemon.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "adapters/node_config.h"
#include "engine/clock.h"
#include "engine/event_store.h"
#include "engine/status.h"

namespace pos {

// The daemon's admin endpoint: ipc://<absolute data dir>/admin.sock (local only).
Result<std::string> AdminEndpoint(const std::string& data_dir);

struct BackupTakenInfo {
  uint32_t backup_id = 0;
  uint64_t last_sequence = 0;
  uint32_t purged = 0;
  double seconds = 0;
};

class DaemonBackups {
 public:
  DaemonBackups(EventStore& store, std::shared_ptr<Clock> clock) : store_(store), clock_(std::move(clock)) {}

  // `keep` = 0: no retention. `trigger`: "schedule" or "request" (recorded in BackupTaken).
  Result<BackupTakenInfo> Take(const std::string& target_dir, uint32_t keep, const std::string& trigger);

 private:
  EventStore& store_;
  std::shared_ptr<Clock> clock_;
  std::mutex mutex_;
};

// The admin socket's handler: a TakeBackup request (adapters/api.fbs) ->
// Take(target_dir, 0, "request") -> a BackupDone reply; anything else -> an error reply.
std::string HandleAdminRequest(DaemonBackups& backups, std::string_view request);

// The first time (microseconds since the epoch) at or after `now_us` whose local
// time of day is `seconds_of_day`.
int64_t NextDailyRun(int64_t now_us, int seconds_of_day);

class BackupScheduler {
 public:
  using Report = std::function<void(const Result<BackupTakenInfo>&)>;
  // Starts the thread; `report` gets each scheduled backup's outcome.
  BackupScheduler(DaemonBackups& backups, BackupScheduleConfig config, std::shared_ptr<Clock> clock, Report report);
  ~BackupScheduler();  // stops and joins the thread (a backup in hand finishes first)
  BackupScheduler(const BackupScheduler&) = delete;
  BackupScheduler& operator=(const BackupScheduler&) = delete;

 private:
  void Run();

  DaemonBackups& backups_;
  BackupScheduleConfig config_;
  std::shared_ptr<Clock> clock_;
  Report report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace pos
