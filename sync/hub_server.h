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
//   EventStore::AppendReplicated (one durable write per batch) and acknowledged
//   only after it is durable. A refused batch (gap, hash mismatch, bad bytes)
//   stops that stream until the till's next Hello; nothing of it is stored.
// - hub -> till: what the hub holds beyond the till's positions, filtered by the
//   till's sync mode (never account events), in Batches while the till grants credit.
// One thread (Serve) does all of it; the store's group commit makes each batch durable.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

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
  void SendDownstream(Peer& peer);
  void SendHeartbeats();
  void Send(const std::string& identity, const std::string& bytes);
  void Log(const std::string& line) const;
  // Events the hub holds beyond the peer's positions (before the mode filter).
  uint64_t Backlog(const Peer& peer, const ChainHeads& heads) const;

  EventStore& hub_;
  HubServerOptions options_;
  std::unique_ptr<zmq::context_t> context_;
  std::shared_ptr<void> authenticator_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::string endpoint_;
  std::map<std::string, std::unique_ptr<Peer>> peers_;  // by ZeroMQ routing identity
};

}  // namespace pos::sync
