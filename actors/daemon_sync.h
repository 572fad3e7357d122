// DaemonSync: the till's replication with its site hub inside `pos serve`
// (sync/till_sync_client.h, docs/sync.md), on its own thread.
//
// Started when the till has joined a hub and sync is on (its "sync" stream);
// otherwise Start returns nullptr and nothing runs. The till's CURVE keys are
// read from <data>/curve.keys (made by `pos sync join`). Stopping (the
// destructor) ends the loop within ~100 ms and joins the thread; it must happen
// before the store closes.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "engine/event_store.h"
#include "engine/status.h"
#include "sync/till_sync_client.h"

namespace pos {

class DaemonSync {
 public:
  // nullptr when the till has not joined a hub or its sync is off.
  static Result<std::unique_ptr<DaemonSync>> Start(EventStore& store, const std::string& data_dir,
                                                   std::function<void(const std::string&)> log);
  ~DaemonSync();
  DaemonSync(const DaemonSync&) = delete;
  DaemonSync& operator=(const DaemonSync&) = delete;

  // For the hand-over claimer (thread-safe calls).
  sync::TillSyncClient& client() { return *client_; }

 private:
  explicit DaemonSync(std::unique_ptr<sync::TillSyncClient> client);

  std::unique_ptr<sync::TillSyncClient> client_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace pos
