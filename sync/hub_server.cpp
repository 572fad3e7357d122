#include "sync/hub_server.h"

#include <cerrno>
#include <iostream>
#include <vector>

#include <zmq.hpp>

#include "engine/bytes.h"
#include "events/event_view.h"

namespace pos::sync {
namespace {

constexpr int kPollMillis = 50;
constexpr uint32_t kMaxCredit = 16;
// Received events that are appended together at the latest (FlushBatches()).
constexpr size_t kMaxGroupEvents = 16384;
// Events of one origin a filter's carried ranges grow by per step (Carried()).
constexpr uint64_t kMaxIndexedPerStep = 20000;

std::string Hex(std::string_view id) { return ToHex(id).substr(0, 12); }

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::string> DecodeZ85Key(const std::string& z85, std::string_view what) {
  if (z85.size() != 40) return Status::InvalidArgument(std::string(what) + " is not a 40-character Z85 CURVE key");
  std::string binary(32, '\0');
  if (zmq_z85_decode(reinterpret_cast<uint8_t*>(binary.data()), z85.c_str()) == nullptr) {
    return Status::InvalidArgument(std::string(what) + " is not valid Z85");
  }
  return binary;
}

}  // namespace

// One till's session, from its Hello until it goes silent or says Hello again.
struct HubServer::Peer {
  std::string identity;
  std::string account;          // of the admitted key
  std::string admitted_node_id; // the till node id the key was admitted for
  bool welcomed = false;
  std::string till_node_id;
  std::string till_name;
  SyncFilter filter;
  uint32_t credit = 0;          // batches the hub may still send to the till
  uint64_t next_batch_no = 1;
  VersionVector sent;           // hub -> till: per origin, origin_seq scanned through (sent or filtered out)
  // A backfill (sync/mode_backfill.h): per origin, seqs up to backfill_up_to pass
  // `backfill`; seqs above it up to received_before (the till's position at Hello)
  // were sent under the current filter already and are skipped.
  SyncFilter backfill;
  VersionVector backfill_up_to;
  VersionVector received_before;
  bool Wants(const std::string& origin, uint64_t seq, EventCategory category) const {
    auto up_to = backfill_up_to.find(origin);
    if (up_to != backfill_up_to.end()) {
      if (seq <= up_to->second) return backfill.Carries(category);
      auto before = received_before.find(origin);
      if (before != received_before.end() && seq <= before->second) return false;
    }
    return filter.Carries(category);
  }
  // Whether the next events of `origin` after `position` lie in the backfill zone,
  // where Wants() depends on the seq and the per-filter carried ranges do not apply.
  bool InBackfill(const std::string& origin, uint64_t position) const {
    auto up_to = backfill_up_to.find(origin);
    if (up_to == backfill_up_to.end()) return false;
    uint64_t zone_end = up_to->second;
    if (auto before = received_before.find(origin); before != received_before.end()) {
      zone_end = std::max(zone_end, before->second);
    }
    return position < zone_end;
  }
  bool upstream_stopped = false;
  std::string upstream_problem;
  bool downstream_stopped = false;
  std::chrono::steady_clock::time_point last_heard;
  std::chrono::steady_clock::time_point last_heartbeat;
};

HubServer::HubServer(EventStore& hub, HubServerOptions options) : hub_(hub), options_(std::move(options)) {}

HubServer::~HubServer() {
  socket_.reset();
  authenticator_.reset();  // the ZAP handler's socket lives on context_
  context_.reset();
}

Result<std::unique_ptr<HubServer>> HubServer::Bind(EventStore& hub, HubServerOptions options) {
  POS_ASSIGN_OR_RETURN(std::string secret, DecodeZ85Key(options.secret_key, "the hub's secret key"));
  std::unique_ptr<HubServer> server(new HubServer(hub, std::move(options)));
  try {
    server->context_ = std::make_unique<zmq::context_t>(1);
    if (server->options_.start_authenticator) {
      POS_ASSIGN_OR_RETURN(server->authenticator_, server->options_.start_authenticator(*server->context_));
    }
    server->socket_ = std::make_unique<zmq::socket_t>(*server->context_, zmq::socket_type::router);
    server->socket_->set(zmq::sockopt::linger, 0);
    server->socket_->set(zmq::sockopt::maxmsgsize, kMaxMessageBytes);
    server->socket_->set(zmq::sockopt::router_mandatory, 1);
    server->socket_->set(zmq::sockopt::sndtimeo, 0);
    server->socket_->set(zmq::sockopt::sndhwm, 64);
    server->socket_->set(zmq::sockopt::curve_server, 1);
    server->socket_->set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
    server->socket_->set(zmq::sockopt::zap_domain, "pos-hub");
    server->socket_->bind(server->options_.listen);
    server->endpoint_ = server->socket_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot listen on " + server->options_.listen + ": " + e.what());
  }
  return server;
}

void HubServer::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "pos hub: " << line << std::endl;
  }
}

void HubServer::Send(const std::string& identity, const std::string& bytes) {
  bool sent = false;
  std::string why = "its queue is full";
  try {
    // ROUTER_MANDATORY with a zero send timeout: a full queue fails at once
    // (EAGAIN) and a vanished connection throws (EHOSTUNREACH).
    if (socket_->send(zmq::buffer(identity), zmq::send_flags::sndmore)) {
      sent = socket_->send(zmq::buffer(bytes), zmq::send_flags::none).has_value();
    }
  } catch (const zmq::error_t& e) {
    sent = false;
    why = e.what();
  }
  if (!sent) {
    // A message lost here would leave the session waiting forever: end it; the
    // till's next message gets NoSession and it starts again from durable positions.
    // A copy: `identity` may be the peer's own field, freed by the erase.
    const std::string gone = identity;
    if (peers_.erase(gone) > 0) {
      Log("a message to till connection " + Hex(gone) + " could not be sent (" + why + "); its session ends");
    }
  }
}

Status HubServer::Serve(const std::atomic<bool>& stop) {
  uint64_t seen_sequence = hub_.LastSequence();
  while (!stop.load()) {
    try {
      zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(kPollMillis));
      // Everything that is queued now, without waiting again.
      for (int handled = 0; handled < 256; ++handled) {
        zmq::message_t identity;
        if (!socket_->recv(identity, zmq::recv_flags::dontwait)) break;
        std::vector<zmq::message_t> parts;
        bool more = identity.more();
        while (more) {
          zmq::message_t part;
          if (!socket_->recv(part, zmq::recv_flags::none)) break;
          more = part.more();
          if (parts.size() < 2) parts.push_back(std::move(part));
        }
        if (parts.size() != 1) {
          Log("dropped a message of " + std::to_string(parts.size()) + " frames from " + Hex(identity.to_string()) +
              " (the protocol sends one frame per message)");
          continue;
        }
        std::string client_key;
        try {
          const char* property = parts[0].gets("X-Curve-Public-Key");
          if (property != nullptr) client_key = property;
        } catch (const zmq::error_t&) {
          // No ZAP handler: no key property, so nothing but a login is served.
        }
        HandleMessage(identity.to_string(), client_key, parts[0].to_string_view());
      }
      FlushBatches();
      const auto now = std::chrono::steady_clock::now();
      for (auto it = peers_.begin(); it != peers_.end();) {
        if (now - it->second->last_heard > options_.peer_timeout) {
          Log("till " + it->second->till_name + " went silent; its session ends");
          it = peers_.erase(it);
        } else {
          ++it;
        }
      }
      const uint64_t last = hub_.LastSequence();
      const bool grew = last != seen_sequence;
      seen_sequence = last;
      std::vector<std::string> ids;
      for (auto& [id, peer] : peers_) ids.push_back(id);
      for (const std::string& id : ids) {
        auto it = peers_.find(id);
        if (it != peers_.end() && it->second->welcomed && (grew || it->second->credit > 0)) SendDownstream(*it->second);
      }
      SendHeartbeats();
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      if (e.num() == ETERM) break;
      return Status::IoError("hub sync server on " + endpoint_ + ": " + e.what());
    }
  }
  return Status::Ok();
}

void HubServer::HandleMessage(const std::string& identity, const std::string& client_key, std::string_view bytes) {
  auto parsed = ParseMessage(bytes);
  if (!parsed.ok()) {
    Log("refused bad bytes from connection " + Hex(identity) + ": " + parsed.status().message());
    Send(identity, EncodeRefusal(syncwire::RefusalKind::Malformed, parsed.status().message()));
    return;
  }
  const syncwire::Message& message = **parsed;
  std::optional<KeyAdmission> admission;
  if (!client_key.empty() && options_.admission_of_key) admission = options_.admission_of_key(client_key);
  const bool admitted = admission.has_value();

  // A Login or Hello answers with the hub's heads, and a hand-over claim is decided on the
  // hub's log: what was received before is stored first.
  if (message.body_type() == syncwire::Body::Login || message.body_type() == syncwire::Body::Hello ||
      message.body_type() == syncwire::Body::ClaimRequest) {
    FlushBatches();
  }
  switch (message.body_type()) {
    case syncwire::Body::Login: {
      const syncwire::Login& login = *message.body_as_Login();
      LoginFields fields{std::string(Text(login.account())), std::string(Text(login.password())),
                         std::string(Bytes(login.till_node_id())), std::string(Text(login.till_name())),
                         std::string(Text(login.till_curve_public_key()))};
      if (fields.till_curve_public_key != client_key) {
        Send(identity, EncodeLoginReply(false, "the login names another CURVE key than the connection's",
                                        hub_.node_id(), hub_.node_name()));
        return;
      }
      Status outcome = options_.login ? options_.login(fields) : Status::Unsupported("this hub takes no logins");
      if (outcome.ok()) {
        Log("till " + fields.till_name + " (" + Hex(fields.till_node_id) + ") logged in to account " + fields.account);
      } else {
        Log("login of till " + fields.till_name + " to account " + fields.account + " refused: " + outcome.message());
      }
      VersionVector heads;
      if (outcome.ok()) {
        heads = VectorOfHeads(hub_.Heads());
        heads.erase(hub_.node_id());  // the hub's own chain holds its accounts, never sent to a till
      }
      Send(identity, EncodeLoginReply(outcome.ok(), outcome.ok() ? "admitted" : outcome.message(), hub_.node_id(),
                                      hub_.node_name(), heads));
      return;
    }
    case syncwire::Body::PasswordResetRequest: {
      const syncwire::PasswordResetRequest& request = *message.body_as_PasswordResetRequest();
      Status outcome = options_.request_password_reset
                           ? options_.request_password_reset(Text(request.account()), Bytes(request.till_node_id()),
                                                             Text(request.new_password()))
                           : Status::Unsupported("this hub takes no password reset requests");
      Send(identity, EncodePasswordResetReply(outcome.ok(), outcome.ok() ? "requested; an admin approves it at the hub"
                                                                         : outcome.message()));
      return;
    }
    case syncwire::Body::LeaveRequest: {
      OnLeave(identity, admission, *message.body_as_LeaveRequest());
      return;
    }
    default:
      break;
  }
  if (!admitted) {
    Send(identity, EncodeRefusal(syncwire::RefusalKind::NotAdmitted,
                                 "this till's key is not admitted at the hub; join with `pos sync join`"));
    return;
  }

  auto found = peers_.find(identity);
  if (message.body_type() == syncwire::Body::Hello) {
    auto peer = std::make_unique<Peer>();
    peer->identity = identity;
    peer->account = admission->account;
    peer->admitted_node_id = admission->till_node_id;
    peer->last_heard = std::chrono::steady_clock::now();
    Peer& ref = *peer;
    peers_[identity] = std::move(peer);
    OnHello(ref, *message.body_as_Hello());
    return;
  }
  if (found == peers_.end() || !found->second->welcomed) {
    Send(identity, EncodeRefusal(syncwire::RefusalKind::NoSession, "no session: send Hello first"));
    return;
  }
  Peer& peer = *found->second;
  peer.last_heard = std::chrono::steady_clock::now();
  switch (message.body_type()) {
    case syncwire::Body::Batch:
      OnBatch(peer, *message.body_as_Batch());
      break;
    case syncwire::Body::Ack:
      OnAck(peer, *message.body_as_Ack());
      break;
    case syncwire::Body::Heartbeat:
      break;
    case syncwire::Body::Refusal: {
      const syncwire::Refusal& refusal = *message.body_as_Refusal();
      Log("till " + peer.till_name + " refused: " + std::string(Text(refusal.message())));
      if (refusal.kind() == syncwire::RefusalKind::StreamStopped) peer.downstream_stopped = true;
      break;
    }
    case syncwire::Body::ClaimRequest: {
      const syncwire::ClaimRequest& claim = *message.body_as_ClaimRequest();
      if (options_.claim) {
        Send(identity, options_.claim(claim, peer.account));
      } else {
        Send(identity, EncodeClaimReply(claim.request_id(), false, "", "this hub has no hand-over arbiter", ""));
      }
      break;
    }
    default:
      Send(identity, EncodeRefusal(syncwire::RefusalKind::Unsupported,
                                   "the hub does not take " + std::string(BodyName(message.body_type())) +
                                       " messages"));
  }
}

void HubServer::OnLeave(const std::string& identity, const std::optional<KeyAdmission>& admission,
                        const syncwire::LeaveRequest& request) {
  const std::string_view till = Bytes(request.till_node_id());
  if (!admission.has_value()) {
    Send(identity, EncodeLeaveReply(true, "this till's key is not admitted at the hub (any more)"));
    return;
  }
  if (till != admission->till_node_id) {
    Send(identity, EncodeLeaveReply(false, "this key was admitted for till " + ToHex(admission->till_node_id) +
                                               ", not for " + ToHex(till)));
    return;
  }
  Status revoked = options_.revoke_till ? options_.revoke_till(till) : Status::Unsupported("this hub revokes no tills");
  if (!revoked.ok()) {
    Log("the leave of till " + ToHex(till) + " failed: " + revoked.message());
    Send(identity, EncodeLeaveReply(false, revoked.message()));
    return;
  }
  Log("till " + ToHex(till) + " left account " + admission->account + "; its key is revoked");
  std::erase_if(peers_, [&](const auto& entry) { return entry.second->admitted_node_id == till; });
  Send(identity, EncodeLeaveReply(true, "revoked"));
}

void HubServer::OnHello(Peer& peer, const syncwire::Hello& hello) {
  auto refuse = [&](syncwire::RefusalKind kind, const std::string& why) {
    const std::string identity = peer.identity;  // Send may end the session
    Log("refused the Hello of connection " + Hex(identity) + ": " + why);
    Send(identity, EncodeRefusal(kind, why));
    peers_.erase(identity);
  };
  if (hello.protocol_version() != kSyncProtocolVersion) {
    return refuse(syncwire::RefusalKind::Unsupported,
                  "sync protocol version " + std::to_string(hello.protocol_version()) + " is not supported (the hub speaks " +
                      std::to_string(kSyncProtocolVersion) + ")");
  }
  std::string_view till_id = Bytes(hello.till_node_id());
  if (till_id.size() != kNodeIdSize) return refuse(syncwire::RefusalKind::Malformed, "Hello without a 16-byte node id");
  if (till_id != peer.admitted_node_id) {
    return refuse(syncwire::RefusalKind::NotAdmitted,
                  "this key was admitted for till " + ToHex(peer.admitted_node_id) + ", not for " + ToHex(till_id));
  }
  std::vector<uint8_t> codes;
  if (hello.categories() != nullptr) codes.assign(hello.categories()->begin(), hello.categories()->end());
  auto filter = SyncFilterFromCodes(hello.mode(), codes);
  if (!filter.ok()) return refuse(syncwire::RefusalKind::Malformed, "Hello: " + filter.status().message());
  auto heads = ReadVector(hello.heads());
  if (!heads.ok()) return refuse(syncwire::RefusalKind::Malformed, "Hello heads: " + heads.status().message());
  auto downstream = ReadVector(hello.downstream());
  if (!downstream.ok()) {
    return refuse(syncwire::RefusalKind::Malformed, "Hello downstream: " + downstream.status().message());
  }

  peer.till_node_id = std::string(till_id);
  peer.till_name = std::string(Text(hello.till_name()));
  peer.filter = *filter;
  peer.credit = std::min(hello.credit(), kMaxCredit);
  peer.sent = *downstream;
  for (const auto& [origin, seq] : *heads) peer.sent[origin] = std::max(peer.sent[origin], seq);
  std::vector<uint8_t> backfill_codes;
  if (hello.backfill_categories() != nullptr) {
    backfill_codes.assign(hello.backfill_categories()->begin(), hello.backfill_categories()->end());
  }
  auto backfill_up_to = ReadVector(hello.backfill_up_to());
  if (!backfill_up_to.ok()) {
    return refuse(syncwire::RefusalKind::Malformed, "Hello backfill: " + backfill_up_to.status().message());
  }
  if (!backfill_codes.empty() && !backfill_up_to->empty()) {
    auto backfill = SyncFilterFromCodes(static_cast<uint8_t>(SyncMode::kIndividual), backfill_codes);
    if (!backfill.ok()) return refuse(syncwire::RefusalKind::Malformed, "Hello backfill: " + backfill.status().message());
    peer.backfill = *backfill;
    peer.received_before = *downstream;
    for (const auto& [origin, seq] : *backfill_up_to) {
      if (origin == peer.till_node_id || heads->contains(origin) || seq == 0) continue;  // only origins received filtered
      peer.backfill_up_to[origin] = seq;
      peer.sent[origin] = 0;  // scan this origin again from its first event
    }
    Log("till " + peer.till_name + " asks again for the " + peer.backfill.Describe() + " events its earlier mode " +
        "skipped, of " + std::to_string(peer.backfill_up_to.size()) + " origins");
  }
  peer.welcomed = true;

  const ChainHeads hub_heads = hub_.Heads();
  WelcomeFields welcome{hub_.node_id(), hub_.node_name(), {}, kInitialCredit};
  for (const auto& [origin, seq] : *heads) {
    auto it = hub_heads.find(origin);
    welcome.heads[origin] = it == hub_heads.end() ? 0 : it->second.seq;
    if (welcome.heads[origin] > seq) {
      Log("till " + peer.till_name + " holds its chain up to " + std::to_string(seq) + " but the hub has " +
          std::to_string(welcome.heads[origin]) + " of it (a till restored from an older backup?)");
    }
  }
  Log("till " + peer.till_name + " (" + Hex(peer.till_node_id) + ", account " + peer.account + ", connection " + Hex(peer.identity) + ") connected, mode " +
      peer.filter.Describe());
  Send(peer.identity, EncodeWelcome(welcome));
}

void HubServer::OnBatch(Peer& peer, const syncwire::Batch& batch) {
  PendingBatch pending{peer.identity, &peer, batch.batch_no(), {}, Status::Ok()};
  if (batch.events() != nullptr && !peer.upstream_stopped) {
    pending.events.reserve(batch.events()->size());
    for (const syncwire::EventBytes* entry : *batch.events()) {
      std::string_view bytes = Bytes(entry->bytes());
      auto view = EventView::Parse(bytes);
      if (!view.ok()) {
        pending.problem = view.status().WithContext("event #" + std::to_string(pending.events.size()) + " of batch " +
                                                    std::to_string(batch.batch_no()));
        break;
      }
      if (view->origin() != peer.till_node_id) {
        pending.problem = Status::PermissionDenied("batch " + std::to_string(batch.batch_no()) +
                                                   " holds an event of origin " + ToHex(view->origin()) +
                                                   "; a till sends only its own chain");
        break;
      }
      pending.events.emplace_back(bytes);
    }
  }
  pending_events_ += pending.events.size();
  pending_.push_back(std::move(pending));
  if (pending_events_ >= kMaxGroupEvents) FlushBatches();
}

void HubServer::FlushBatches() {
  if (pending_.empty()) return;
  std::vector<PendingBatch> batches = std::move(pending_);
  pending_.clear();
  pending_events_ = 0;
  auto session = [this](const PendingBatch& batch) -> Peer* {
    auto it = peers_.find(batch.identity);
    return it != peers_.end() && it->second.get() == batch.peer ? batch.peer : nullptr;
  };
  // Optimistic group commit: when every batch is valid so far, one durable write
  // for all of them. A refusal writes nothing; then each is appended on its own,
  // so only the faulty till's stream stops.
  bool grouped = true;
  for (const PendingBatch& batch : batches) {
    const Peer* peer = session(batch);
    if (peer == nullptr || peer->upstream_stopped || !batch.problem.ok()) grouped = false;
  }
  if (grouped) {
    std::vector<std::string> all;
    size_t count = 0;
    for (const PendingBatch& batch : batches) count += batch.events.size();
    all.reserve(count);
    for (PendingBatch& batch : batches) {
      for (std::string& event : batch.events) all.push_back(std::move(event));
    }
    // A copy: on a refusal the events go back to their batches for one-by-one appends.
    auto appended = all.empty() ? Result<ReplicationReceipt>(ReplicationReceipt{}) : hub_.AppendReplicated(all);
    if (!appended.ok()) {
      grouped = false;
      size_t next = 0;  // hand the (unmoved-from) events back to their batches
      for (PendingBatch& batch : batches) {
        for (std::string& event : batch.events) event = std::move(all[next++]);
      }
    }
  }
  for (PendingBatch& batch : batches) {
    Peer* peer = session(batch);
    if (peer == nullptr) continue;  // the session ended meanwhile: nothing of it is stored or acknowledged
    if (!grouped) {
      if (peer->upstream_stopped) {
        Send(peer->identity, EncodeRefusal(syncwire::RefusalKind::StreamStopped, peer->upstream_problem));
        continue;
      }
      Status problem = batch.problem;
      if (problem.ok() && !batch.events.empty()) {
        auto appended = hub_.AppendReplicated(std::move(batch.events));
        if (!appended.ok()) problem = appended.status();
      }
      if (!problem.ok()) {
        peer->upstream_stopped = true;
        peer->upstream_problem =
            "the hub stopped this till's stream: " + problem.ToString() + " (nothing of it was stored)";
        Log("till " + peer->till_name + ": " + peer->upstream_problem);
        Send(peer->identity, EncodeRefusal(syncwire::RefusalKind::StreamStopped, peer->upstream_problem));
        continue;
      }
    }
    const ChainHeads heads = hub_.Heads();
    auto it = heads.find(peer->till_node_id);
    VersionVector acknowledged{{peer->till_node_id, it == heads.end() ? 0 : it->second.seq}};
    Send(peer->identity, EncodeAck(batch.batch_no, acknowledged, 1));
  }
}

void HubServer::OnAck(Peer& peer, const syncwire::Ack& ack) {
  peer.credit = std::min(peer.credit + ack.credit(), kMaxCredit);
}

uint64_t HubServer::Backlog(const Peer& peer, const ChainHeads& heads) const {
  uint64_t backlog = 0;
  for (const auto& [origin, head] : heads) {
    if (origin == peer.till_node_id) continue;
    auto it = peer.sent.find(origin);
    const uint64_t sent = it == peer.sent.end() ? 0 : it->second;
    if (head.seq > sent) backlog += head.seq - sent;
  }
  return backlog;
}

Result<const HubServer::CarriedRanges*> HubServer::Carried(const SyncFilter& filter, const std::string& origin,
                                                           uint64_t head) {
  CarriedRanges& carried = carried_[filter.Describe()][origin];
  if (carried.scanned >= head) return &carried;
  // A bounded step, so a long backlog does not hold up the other sessions' messages.
  const uint64_t until = std::min(head, carried.scanned + kMaxIndexedPerStep);
  Status problem;
  Status status = hub_.ScanOrigin(origin, carried.scanned + 1, [&](uint64_t, std::string_view event_bytes) {
    auto view = EventView::Parse(event_bytes);
    if (!view.ok()) {
      problem = view.status();
      return false;
    }
    const uint64_t seq = view->origin_seq();
    if (seq > until) return false;
    const EventTypeInfo* info = FindEventType(view->type());
    if (info != nullptr && filter.Carries(info->category)) {
      if (!carried.ranges.empty() && carried.ranges.back().second + 1 == seq) {
        carried.ranges.back().second = seq;
      } else {
        carried.ranges.emplace_back(seq, seq);
      }
    }
    carried.scanned = seq;
    return true;
  });
  if (!status.ok()) return status;
  if (!problem.ok()) return problem.WithContext("event " + std::to_string(carried.scanned + 1) + " of origin " + Hex(origin));
  return &carried;
}

void HubServer::SendDownstream(Peer& peer) {
  if (peer.downstream_stopped) return;
  const ChainHeads heads = hub_.Heads();
  if (peer.filter.mode == SyncMode::kArchive) {
    for (const auto& [origin, head] : heads) peer.sent[origin] = std::max(peer.sent[origin], head.seq);
    return;
  }
  while (peer.credit > 0) {
    BatchFields batch;
    size_t bytes = 0;
    VersionVector scanned = peer.sent;
    bool full = false;
    // Adds one event to the batch; false (and `full`) when the batch has no room for it.
    auto add = [&](std::string_view event_bytes) {
      if (!batch.events.empty() &&
          (batch.events.size() >= kMaxBatchEvents || bytes + event_bytes.size() > kMaxBatchBytes)) {
        full = true;
        return false;
      }
      batch.events.emplace_back(event_bytes);
      bytes += event_bytes.size();
      return true;
    };
    for (const auto& [origin, head] : heads) {
      if (full) break;
      if (origin == peer.till_node_id) continue;
      uint64_t& position = scanned[origin];
      if (head.seq <= position) continue;
      if (peer.InBackfill(origin, position)) {
        // Inside a backfill zone the rule depends on the seq (Peer::Wants): read every event.
        Status status = hub_.ScanOrigin(origin, position + 1, [&](uint64_t, std::string_view event_bytes) {
          auto view = EventView::Parse(event_bytes);
          if (!view.ok() || view->origin_seq() > head.seq) return false;
          const EventTypeInfo* info = FindEventType(view->type());
          if (info != nullptr && peer.Wants(origin, view->origin_seq(), info->category) && !add(event_bytes)) {
            return false;
          }
          position = view->origin_seq();
          return true;
        });
        if (!status.ok()) {
          Log("reading the hub's log for till " + peer.till_name + ": " + status.ToString());
          return;
        }
        continue;
      }
      auto carried = Carried(peer.filter, origin, head.seq);
      if (!carried.ok()) {
        Log("reading the hub's log for till " + peer.till_name + ": " + carried.status().ToString());
        return;
      }
      // Only the carried ranges are read; what lies between them is passed over.
      const uint64_t known = std::min(head.seq, (*carried)->scanned);
      bool stuck = false;
      for (const auto& [first, last] : (*carried)->ranges) {
        if (full) break;
        if (last <= position) continue;
        if (first > known) break;
        const uint64_t through = std::min(last, known);
        Status status = hub_.ScanOrigin(origin, std::max(first, position + 1), [&](uint64_t, std::string_view event_bytes) {
          auto view = EventView::Parse(event_bytes);
          if (!view.ok() || view->origin_seq() > through || !add(event_bytes)) return false;
          position = view->origin_seq();
          return true;
        });
        if (!status.ok()) {
          Log("reading the hub's log for till " + peer.till_name + ": " + status.ToString());
          return;
        }
        if (!full && position < through) {
          stuck = true;  // an unreadable event: stay before it
          break;
        }
      }
      if (!full && !stuck) position = std::max(position, known);
    }
    if (batch.events.empty()) {
      peer.sent = std::move(scanned);  // everything up to the heads is filtered out
      return;
    }
    batch.batch_no = peer.next_batch_no++;
    Peer* before = &peer;
    const std::string identity = peer.identity;
    VersionVector next = scanned;
    peer.sent = std::move(next);
    batch.backlog = Backlog(peer, heads);
    --peer.credit;
    Send(identity, EncodeBatch(batch));
    auto still = peers_.find(identity);
    if (still == peers_.end() || still->second.get() != before) return;  // the connection went away
  }
}

void HubServer::SendHeartbeats() {
  const auto now = std::chrono::steady_clock::now();
  ChainHeads heads;
  bool have_heads = false;
  std::vector<std::string> due;
  for (auto& [id, peer] : peers_) {
    if (peer->welcomed && now - peer->last_heartbeat >= options_.heartbeat) due.push_back(id);
  }
  for (const std::string& id : due) {
    auto it = peers_.find(id);
    if (it == peers_.end()) continue;
    if (!have_heads) {
      heads = hub_.Heads();
      have_heads = true;
    }
    it->second->last_heartbeat = now;
    Send(id, EncodeHeartbeat(NowMicros(), Backlog(*it->second, heads)));
  }
}

}  // namespace pos::sync
