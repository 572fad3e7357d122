#include "actors/daemon_backups.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "adapters/api_codec.h"
#include "engine/backup.h"
#include "engine/bytes.h"
#include "events/backup_generated.h"
#include "events/event_types.h"

namespace pos {
namespace fs = std::filesystem;

Result<std::string> AdminEndpoint(const std::string& data_dir) {
  const std::string path = (fs::absolute(data_dir).lexically_normal() / "admin.sock").string();
  // sockaddr_un.sun_path holds 107 characters and the terminating NUL.
  if (path.size() > 107) {
    return Status::InvalidArgument("the admin socket path " + path + " is longer than 107 characters; "
                                   "use a shorter data directory path");
  }
  return "ipc://" + path;
}

Result<BackupTakenInfo> DaemonBackups::Take(const std::string& target_dir, uint32_t keep, const std::string& trigger) {
  if (target_dir.empty() || fs::path(target_dir).is_relative()) {
    return Status::InvalidArgument("the backup directory must be an absolute path, not '" + target_dir + "'");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t start = clock_->NowMicros();
  BackupTakenInfo info;
  info.last_sequence = store_.LastSequence();
  const nlohmann::json summary = {{"node_id", ToHex(store_.node_id())},
                                  {"events", info.last_sequence},
                                  {"taken_by", "pos serve"},
                                  {"trigger", trigger}};
  POS_ASSIGN_OR_RETURN(info.backup_id, CreateBackup(store_, target_dir, summary));
  if (keep > 0) {
    POS_ASSIGN_OR_RETURN(info.purged, PurgeOldBackups(target_dir, keep));
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateBackupTakenDirect(b, info.backup_id, target_dir.c_str(), info.last_sequence, trigger.c_str(),
                                       info.purged));
  AppendBatch batch;
  batch.stream = "node";
  batch.expected_version = kAnyVersion;
  batch.user = "pos serve";
  batch.events.push_back({EventType::kBackupTaken, {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()}});
  POS_RETURN_IF_ERROR(store_.Append(std::move(batch)).status());
  info.seconds = static_cast<double>(clock_->NowMicros() - start) / 1e6;
  return info;
}

std::string HandleAdminRequest(DaemonBackups& backups, std::string_view request_bytes) {
  if (request_bytes.size() > api::kMaxMessageBytes) {
    return api::ErrorReplyBytes(0, Status::InvalidArgument("malformed request: larger than the API limit"));
  }
  api::AlignedBytes bytes(request_bytes);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), api::kMaxDepth, api::kMaxTables);
  if (!api::VerifyRequestBuffer(verifier)) {
    return api::ErrorReplyBytes(0, Status::InvalidArgument("malformed request: not a verified api.fbs Request"));
  }
  const api::Request* request = api::GetRequest(bytes.data());
  const api::TakeBackup* take = request->command_as_TakeBackup();
  if (take == nullptr || take->target_dir() == nullptr) {
    return api::ErrorReplyBytes(request->request_id(),
                                Status::InvalidArgument("the admin socket takes TakeBackup {target_dir} only; "
                                                        "till commands go to the command API endpoint"));
  }
  auto taken = backups.Take(take->target_dir()->str(), 0, "request");
  if (!taken.ok()) return api::ErrorReplyBytes(request->request_id(), taken.status());
  flatbuffers::FlatBufferBuilder fbb(128);
  auto done = api::CreateBackupDone(fbb, taken->backup_id, taken->last_sequence, taken->seconds);
  fbb.Finish(api::CreateReply(fbb, request->request_id(), true, 0, 0, api::ResultData::BackupDone, done.Union()),
             api::RequestIdentifier());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

int64_t NextDailyRun(int64_t now_us, int seconds_of_day) {
  const time_t now_s = static_cast<time_t>(now_us / 1000000);
  tm local{};
  localtime_r(&now_s, &local);
  const int now_of_day = local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec;
  // Whole seconds: a run at exactly this second counts as now.
  const int64_t today_start_us = (static_cast<int64_t>(now_s) - now_of_day) * 1000000;
  int64_t run = today_start_us + static_cast<int64_t>(seconds_of_day) * 1000000;
  if (run < (static_cast<int64_t>(now_s)) * 1000000) run += int64_t{86400} * 1000000;
  return run;
}

BackupScheduler::BackupScheduler(DaemonBackups& backups, BackupScheduleConfig config, std::shared_ptr<Clock> clock,
                                 Report report)
    : backups_(backups), config_(std::move(config)), clock_(std::move(clock)), report_(std::move(report)) {
  thread_ = std::thread([this] { Run(); });
}

BackupScheduler::~BackupScheduler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BackupScheduler::Run() {
  constexpr int64_t kPollUs = 200000;
  int64_t next = NextDailyRun(clock_->NowMicros(), config_.seconds_of_day);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    const int64_t now = clock_->NowMicros();
    if (now < next) {
      wake_.wait_for(lock, std::chrono::microseconds(std::min(next - now, kPollUs)));
      continue;
    }
    lock.unlock();
    auto taken = backups_.Take(config_.target, config_.keep, "schedule");
    if (report_) report_(taken);
    lock.lock();
    // The next day's run: strictly after this one, even if the clock stands still.
    next = NextDailyRun(std::max(clock_->NowMicros(), next + 1000000), config_.seconds_of_day);
  }
}

}  // namespace pos
