// HubServer: the site hub's side of the sync protocol (docs/sync.md) on a ZeroMQ
// ROUTER socket with CURVE (the hub's key pair; clients are authenticated by the
// ZAP handler the owner starts on the server's context).
//
// Per message: the client's CURVE key (the ZAP handler's metadata property
// X-Curve-Public-Key) is looked up with `admission_of_key`, so an admission or a
// revocation counts from the next message on. A key that is not admitted may
// only log in (Login), ask for a password reset or leave (answered: not admitted
// any more); everything else is refused with NotAdmitted. An admitted till that
// leaves (LeaveRequest) is revoked and its sessions end. An admitted till says Hello (with the node id it was admitted
// as) and its version vectors; then
// - till -> hub: Batches of the till's own chain; each is appended with
//   EventStore::AppendReplicated and acknowledged only after it is durable. The
//   batches of every session received in one poll round share one durable
//   write (FlushBatches: one bad batch makes them go one by one, and only its
//   till's stream stops). A refused batch (gap, hash mismatch, bad bytes)
//   stops that stream until the till's next Hello; nothing of it is stored.
// - hub -> till: what the hub holds beyond the till's positions, filtered by the
//   till's sync mode (never account events), in Batches while the till grants credit.
// - hub -> till filtering reads each event once per sync filter, not per till (Carried()).
// One thread (Serve) does all of it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/event_store.h"
#include "engine/status.h"
#include "sync/sync_mode.h"
#include "sync/sync_wire.h"

namespace zmq {
class context_t;
class socket_t;
class message_t;
}  // namespace zmq

namespace pos::sync {

// What a CURVE key is admitted as (HubAccounts).
struct KeyAdmission {
  std::string account;
  std::string till_node_id;  // 16 raw bytes
};

struct HubServerOptions {
  std::string listen;             // e.g. "tcp://0.0.0.0:7400"
  std::string public_key;         // the hub's CURVE key pair, Z85
  std::string secret_key;
  // Started on the server's ZeroMQ context before the socket binds; kept alive
  // while the server runs (the ZAP handler). nullptr: no ZAP (tests of framing only).
  std::function<Result<std::shared_ptr<void>>(zmq::context_t&)> start_authenticator;
  // The admission of a client key (Z85); nullopt: not admitted.
  std::function<std::optional<KeyAdmission>(std::string_view key_z85)> admission_of_key;
  // Login of a pending connection: ok, or the refusal to pass on.
  std::function<Status(const LoginFields&)> login;
  std::function<Status(std::string_view account, std::string_view till_node_id, std::string_view new_password)>
      request_password_reset;
  // `pos sync leave` of an admitted till (16 raw bytes): revokes its admission.
  std::function<Status(std::string_view till_node_id)> revoke_till;
  // A receipt hand-over claim (sync/handover_arbiter.h): the encoded ClaimReply to send.
  std::function<std::string(const syncwire::ClaimRequest&, std::string_view account)> claim;
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds peer_timeout{10000};  // a silent peer's session is dropped
  // Called with a line for the operator's log (stderr by default).
  std::function<void(const std::string&)> log;
};

class HubServer {
 public:
  static Result<std::unique_ptr<HubServer>> Bind(EventStore& hub, HubServerOptions options);
  ~HubServer();
  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  // The bound endpoint as ZeroMQ reports it.
  const std::string& endpoint() const { return endpoint_; }
  // Serves until `stop` is set; returns the error that ended it, if any.
  Status Serve(const std::atomic<bool>& stop);

 private:
  struct Peer;
  HubServer(EventStore& hub, HubServerOptions options);
  void HandleMessage(const std::string& identity, const std::string& client_key, std::string_view bytes);
  void OnHello(Peer& peer, const syncwire::Hello& hello);
  void OnLeave(const std::string& identity, const std::optional<KeyAdmission>& admission,
               const syncwire::LeaveRequest& request);
  void OnBatch(Peer& peer, const syncwire::Batch& batch);
  void OnAck(Peer& peer, const syncwire::Ack& ack);
  // Appends the batches received since the last flush and answers each (Ack or Refusal), in arrival order.
  void FlushBatches();
  void SendDownstream(Peer& peer);
  void SendHeartbeats();
  void Send(const std::string& identity, const std::string& bytes);
  void Log(const std::string& line) const;
  // Events the hub holds beyond the peer's positions (before the mode filter).
  uint64_t Backlog(const Peer& peer, const ChainHeads& heads) const;

  // Which events of one origin a sync filter carries, known through `scanned`:
  // ascending, disjoint [first, last] origin_seq ranges. Shared by every peer
  // with that filter, so an event is read once per filter, not once per till.
  struct CarriedRanges {
    uint64_t scanned = 0;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
  };
  // Brings `filter`'s ranges of `origin` up to `head`; the ranges, or the read error.
  Result<const CarriedRanges*> Carried(const SyncFilter& filter, const std::string& origin, uint64_t head);

  EventStore& hub_;
  HubServerOptions options_;
  std::map<std::string, std::map<std::string, CarriedRanges>> carried_;  // by filter (Describe()), origin
  std::unique_ptr<zmq::context_t> context_;
  std::shared_ptr<void> authenticator_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::string endpoint_;
  std::map<std::string, std::unique_ptr<Peer>> peers_;  // by ZeroMQ routing identity
  // A till's Batch, checked, waiting for the group commit of FlushBatches().
  struct PendingBatch {
    std::string identity;
    Peer* peer;  // the session it came in; stale when peers_ no longer maps identity to it
    uint64_t batch_no;
    std::vector<std::string> events;
    Status problem;  // bad bytes or a foreign origin: refused at the flush
  };
  std::vector<PendingBatch> pending_;
  size_t pending_events_ = 0;
};

}  // namespace pos::sync
