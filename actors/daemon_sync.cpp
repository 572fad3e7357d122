#include "actors/daemon_sync.h"

#include <filesystem>

#include "sync/curve_keys.h"
#include "sync/sync_status.h"
#include "sync/till_sync_settings.h"

namespace pos {

Result<std::unique_ptr<DaemonSync>> DaemonSync::Start(EventStore& store, const std::string& data_dir,
                                                      std::function<void(const std::string&)> log) {
  POS_ASSIGN_OR_RETURN(sync::TillSyncSettings settings, sync::LoadTillSyncSettings(store));
  if (!settings.joined || !settings.enabled) return std::unique_ptr<DaemonSync>();
  const std::string key_path = (std::filesystem::path(data_dir) / kCurveKeysFileName).string();
  auto keys = LoadCurveKeys(key_path);
  if (!keys.ok()) {
    return keys.status().WithContext("this till joined a hub but its CURVE keys (" + key_path +
                                     ") cannot be read; run `pos sync leave` and join again");
  }
  sync::TillSyncClientOptions options;
  options.hub = {settings.hub_address, settings.hub_public_key, keys->public_key, keys->secret_key};
  POS_RETURN_IF_ERROR(sync::CheckHubEndpoint(options.hub).WithContext("the till's sync settings"));
  options.account = settings.account;
  options.filter = settings.filter;
  options.status_path = sync::SyncStatusPath(data_dir);
  options.log = std::move(log);
  auto client = std::make_unique<sync::TillSyncClient>(store, std::move(options));
  std::unique_ptr<DaemonSync> daemon_sync(new DaemonSync(std::move(client)));
  return daemon_sync;
}

DaemonSync::DaemonSync(std::unique_ptr<sync::TillSyncClient> client) : client_(std::move(client)) {
  thread_ = std::thread([this] { client_->Run(stop_); });
}

DaemonSync::~DaemonSync() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace pos
