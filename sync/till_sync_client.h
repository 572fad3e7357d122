// TillSyncClient: the till's side of the sync protocol (docs/sync.md), run by
// `pos serve` on its own thread while the till's sync is on.
//
// - Connects to the hub (CURVE, pinned hub key) and says Hello with its version
//   vectors; the hub's Welcome names how much of the till's chain it holds.
// - till -> hub: the till's own chain from the hub's position on, in bounded
//   Batches while the hub grants credit; the hub acknowledges each once durable.
// - hub -> till: Batches are stored with AppendReplicated(kFiltered) (durable
//   before the Ack) and so reach the projections (catalog, …) like local events.
// - A silent hub (no message for `silence_limit`) makes the till offline: it
//   reconnects and resumes from the positions the hub sends in its next Welcome.
//   The till sells meanwhile; nothing waits for the hub.
// - A refused batch (gap, hash mismatch, bad bytes) stops that direction until
//   `pos serve` restarts; the status file and the log say why. Nothing of it is stored.
// - Writes <data>/sync-status.json (sync/sync_status.h).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine/event_store.h"
#include "engine/status.h"
#include "sync/hub_connection.h"
#include "sync/mode_backfill.h"
#include "sync/sync_mode.h"
#include "sync/sync_status.h"
#include "sync/sync_wire.h"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace pos::sync {

struct TillSyncClientOptions {
  HubEndpoint hub;
  std::string account;
  SyncFilter filter;
  std::string status_path;  // "" = no status file
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds silence_limit{4000};
  std::function<void(const std::string&)> log;  // stderr by default
  // Called on the sync thread with the hub's durable position of this till's
  // chain after each Ack (pos_bench measures replication lag with it).
  std::function<void(uint64_t acknowledged_seq)> on_acknowledged;
};

// The hub arbiter's answer to a hand-over claim (ClaimReply).
struct ClaimAnswer {
  bool granted = false;
  std::string holder_node_id;  // 16 raw bytes
  std::string message;
  std::string detail;
};

class TillSyncClient {
 public:
  TillSyncClient(EventStore& store, TillSyncClientOptions options);
  ~TillSyncClient();
  TillSyncClient(const TillSyncClient&) = delete;
  TillSyncClient& operator=(const TillSyncClient&) = delete;

  // The replication loop; returns when `stop` is set (within ~100 ms).
  void Run(const std::atomic<bool>& stop);

  // Asks the hub's hand-over arbiter for a parked receipt (thread-safe; blocks up
  // to `timeout`). kUnavailable when the hub is not reachable now.
  Result<ClaimAnswer> Claim(const std::string& receipt_stream, const std::string& detail,
                            std::chrono::milliseconds timeout);

  bool online() const { return online_.load(); }

 private:
  struct PendingClaim {
    uint64_t request_id = 0;
    std::string bytes;
    std::promise<Result<ClaimAnswer>> answer;
  };

  void Connect();
  void Disconnect(const std::string& why);
  void HandleMessage(std::string_view bytes);
  void OnWelcome(const syncwire::Welcome& welcome);
  void OnBatch(const syncwire::Batch& batch);
  void OnAck(const syncwire::Ack& ack);
  void OnRefusal(const syncwire::Refusal& refusal);
  void SendUpstream();
  void SendClaims();
  void FailClaims(const Status& status);
  void Send(const std::string& bytes);
  void WriteStatus();
  void Log(const std::string& line) const;

  EventStore& store_;
  TillSyncClientOptions options_;
  std::unique_ptr<zmq::context_t> context_;
  std::unique_ptr<zmq::socket_t> socket_;

  std::atomic<bool> online_{false};
  bool welcomed_ = false;
  std::chrono::steady_clock::time_point connected_at_;
  std::chrono::steady_clock::time_point last_heard_;
  std::chrono::steady_clock::time_point last_sent_heartbeat_;
  std::chrono::steady_clock::time_point last_status_write_;
  int64_t last_contact_us_ = 0;

  // till -> hub
  uint64_t acknowledged_up_ = 0;  // the hub's durable position of this till's chain
  uint64_t sent_up_ = 0;          // sent in this session (>= acknowledged_up_)
  uint32_t credit_up_ = 0;
  uint64_t next_batch_no_ = 1;
  std::string upstream_stopped_;
  // hub -> till
  uint64_t downstream_backlog_ = 0;
  std::chrono::steady_clock::time_point behind_since_;
  std::string downstream_stopped_;
  std::string problem_;

  // Asked for in every Hello (sync/mode_backfill.h); computed at the first connect.
  std::optional<ModeBackfill> backfill_;

  std::mutex claims_mutex_;
  std::deque<std::shared_ptr<PendingClaim>> claims_to_send_;
  std::map<uint64_t, std::shared_ptr<PendingClaim>> claims_waiting_;
  uint64_t next_claim_id_ = 1;
};

}  // namespace pos::sync
