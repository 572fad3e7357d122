#include "sync/till_sync_client.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <thread>

#include <zmq.hpp>

#include "engine/bytes.h"
#include "events/event_view.h"

namespace pos::sync {
namespace {

constexpr int kPollMillis = 50;
constexpr auto kStatusInterval = std::chrono::milliseconds(500);
constexpr auto kAckStatusInterval = std::chrono::milliseconds(20);

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TillSyncClient::TillSyncClient(EventStore& store, TillSyncClientOptions options)
    : store_(store), options_(std::move(options)), context_(std::make_unique<zmq::context_t>(1)) {}

TillSyncClient::~TillSyncClient() {
  FailClaims(Status::Unavailable("the sync client stopped"));
  socket_.reset();
  context_.reset();
}

void TillSyncClient::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "pos sync: " << line << std::endl;
  }
}

void TillSyncClient::Send(const std::string& bytes) {
  if (!socket_) return;
  try {
    if (!socket_->send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
      Log("a message to the hub was not sent (the connection's queue is full)");
    }
  } catch (const zmq::error_t& e) {
    Log(std::string("sending to the hub: ") + e.what());
  }
}

void TillSyncClient::Connect() {
  auto socket = ConnectToHub(*context_, options_.hub);
  if (!socket.ok()) {
    problem_ = socket.status().message();
    return;
  }
  socket_ = std::move(socket).value();
  welcomed_ = false;
  connected_at_ = std::chrono::steady_clock::now();
  last_heard_ = connected_at_;
  HelloFields hello;
  hello.till_node_id = store_.node_id();
  hello.till_name = store_.node_name();
  const ChainHeads heads = store_.Heads();
  auto own = heads.find(store_.node_id());
  hello.heads[store_.node_id()] = own == heads.end() ? 0 : own->second.seq;
  hello.downstream = VectorOfHeads(store_.FilteredHeads());
  hello.mode = static_cast<uint8_t>(options_.filter.mode);
  hello.categories = CategoryCodes(options_.filter);
  hello.credit = kInitialCredit;
  if (!backfill_.has_value()) {
    auto backfill = ComputeModeBackfill(store_, options_.filter);
    if (!backfill.ok()) Log("no backfill after the mode change: " + backfill.status().ToString());
    backfill_ = backfill.ok() ? *backfill : ModeBackfill{};
    if (!backfill_->empty()) {
      Log("asking the hub again for the " + SyncFilter{SyncMode::kIndividual, backfill_->categories}.Describe() +
          " events the earlier sync mode skipped");
    }
  }
  if (!backfill_->empty()) {
    for (EventCategory category : backfill_->categories) {
      hello.backfill_categories.push_back(static_cast<uint8_t>(category));
    }
    hello.backfill_up_to = backfill_->up_to;
  }
  Send(EncodeHello(hello));
}

void TillSyncClient::Disconnect(const std::string& why) {
  if (online_.load()) Log("offline: " + why);
  online_.store(false);
  welcomed_ = false;
  socket_.reset();
  FailClaims(Status::Unavailable("the hub is not reachable: " + why));
}

void TillSyncClient::Run(const std::atomic<bool>& stop) {
  Log("replicating with the hub at " + options_.hub.address + " (account " + options_.account + ", mode " +
      options_.filter.Describe() + ")");
  // Wakes the poll below when the store commits, so a new event goes up at once
  // rather than at the poll's timeout (replication lag, docs/BENCHMARKS.md "3. Sync").
  const int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  std::atomic<bool> watching{wake >= 0};
  std::thread watcher;
  if (wake >= 0) {
    watcher = std::thread([this, wake, &watching, &stop] {
      uint64_t seen = store_.LastSequence();
      while (watching.load() && !stop.load()) {
        const uint64_t last = store_.WaitForEventsAfter(seen, std::chrono::milliseconds(100));
        if (last <= seen) continue;
        seen = last;
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t written = write(wake, &one, sizeof one);
      }
    });
  }
  while (!stop.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (!socket_) {
      Connect();
      if (!socket_) {
        WriteStatus();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
    }
    try {
      zmq::pollitem_t items[2] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake, ZMQ_POLLIN, 0}};
      zmq::poll(items, wake >= 0 ? 2 : 1, std::chrono::milliseconds(kPollMillis));
      if (wake >= 0 && (items[1].revents & ZMQ_POLLIN) != 0) {
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t drained = read(wake, &count, sizeof count);
      }
      for (int handled = 0; handled < 64 && socket_; ++handled) {
        zmq::message_t message;
        if (!socket_->recv(message, zmq::recv_flags::dontwait)) break;
        last_heard_ = std::chrono::steady_clock::now();
        last_contact_us_ = NowMicros();
        if (message.more()) {
          problem_ = "the hub sent a multipart message; the protocol sends one frame per message";
          Log(problem_);
          while (message.more() && socket_->recv(message, zmq::recv_flags::dontwait)) {
          }
          continue;
        }
        HandleMessage(message.to_string_view());
      }
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      Disconnect(std::string("connection error: ") + e.what());
      continue;
    }
    if (!socket_) continue;
    if (std::chrono::steady_clock::now() - last_heard_ > options_.silence_limit) {
      Disconnect(welcomed_ ? "no word from the hub for " + std::to_string(options_.silence_limit.count()) + " ms"
                           : "the hub did not answer the Hello (down, unreachable, or not the pinned key)");
      continue;
    }
    if (welcomed_) {
      SendUpstream();
      SendClaims();
      if (now - last_sent_heartbeat_ >= options_.heartbeat) {
        const ChainHeads heads = store_.Heads();
        auto own = heads.find(store_.node_id());
        const uint64_t head = own == heads.end() ? 0 : own->second.seq;
        Send(EncodeHeartbeat(NowMicros(), head > acknowledged_up_ ? head - acknowledged_up_ : 0));
        last_sent_heartbeat_ = now;
      }
    }
    if (now - last_status_write_ >= kStatusInterval) WriteStatus();
  }
  watching.store(false);
  if (watcher.joinable()) watcher.join();
  if (wake >= 0) close(wake);
  Disconnect("the till is stopping");
  WriteStatus();
}

void TillSyncClient::HandleMessage(std::string_view bytes) {
  auto parsed = ParseMessage(bytes);
  if (!parsed.ok()) {
    problem_ = "bad bytes from the hub: " + parsed.status().message() + " (ignored; nothing was changed)";
    Log(problem_);
    Send(EncodeRefusal(syncwire::RefusalKind::Malformed, parsed.status().message()));
    return;
  }
  const syncwire::Message& message = **parsed;
  switch (message.body_type()) {
    case syncwire::Body::Welcome:
      OnWelcome(*message.body_as_Welcome());
      return;
    case syncwire::Body::Refusal:
      OnRefusal(*message.body_as_Refusal());
      return;
    case syncwire::Body::Heartbeat: {
      const uint64_t backlog = message.body_as_Heartbeat()->backlog();
      if (backlog > 0 && downstream_backlog_ == 0) behind_since_ = std::chrono::steady_clock::now();
      downstream_backlog_ = backlog;
      return;
    }
    default:
      break;
  }
  if (!welcomed_) {
    problem_ = "the hub sent " + std::string(BodyName(message.body_type())) + " before Welcome (ignored)";
    Log(problem_);
    return;
  }
  switch (message.body_type()) {
    case syncwire::Body::Batch:
      OnBatch(*message.body_as_Batch());
      break;
    case syncwire::Body::Ack:
      OnAck(*message.body_as_Ack());
      break;
    case syncwire::Body::ClaimReply: {
      const syncwire::ClaimReply& reply = *message.body_as_ClaimReply();
      std::shared_ptr<PendingClaim> claim;
      {
        std::lock_guard lock(claims_mutex_);
        auto it = claims_waiting_.find(reply.request_id());
        if (it != claims_waiting_.end()) {
          claim = it->second;
          claims_waiting_.erase(it);
        }
      }
      if (claim) {
        claim->answer.set_value(ClaimAnswer{reply.granted(), std::string(Bytes(reply.holder_node_id())),
                                            std::string(Text(reply.message())), std::string(Bytes(reply.detail()))});
      }
      break;
    }
    default:
      problem_ = "the hub sent " + std::string(BodyName(message.body_type())) + ", which a till does not take";
      Log(problem_);
      Send(EncodeRefusal(syncwire::RefusalKind::Unsupported, problem_));
  }
}

void TillSyncClient::OnWelcome(const syncwire::Welcome& welcome) {
  auto heads = ReadVector(welcome.heads());
  if (!heads.ok() || welcome.protocol_version() != kSyncProtocolVersion) {
    problem_ = heads.ok() ? "the hub speaks sync protocol version " + std::to_string(welcome.protocol_version())
                          : "a malformed Welcome: " + heads.status().message();
    Log(problem_);
    return;
  }
  auto own = heads->find(store_.node_id());
  acknowledged_up_ = own == heads->end() ? 0 : own->second;
  sent_up_ = acknowledged_up_;
  credit_up_ = welcome.credit();
  welcomed_ = true;
  if (!online_.load()) Log("online: the hub holds this till's chain up to seq " + std::to_string(acknowledged_up_));
  online_.store(true);
  problem_.clear();
  WriteStatus();
}

void TillSyncClient::OnRefusal(const syncwire::Refusal& refusal) {
  const std::string text(Text(refusal.message()));
  switch (refusal.kind()) {
    case syncwire::RefusalKind::NoSession:
      // The hub restarted under a live connection: start the session again.
      Disconnect("the hub has no session for this connection (it restarted)");
      return;
    case syncwire::RefusalKind::StreamStopped:
      upstream_stopped_ = text;
      Log("till -> hub stopped: " + text);
      WriteStatus();
      return;
    case syncwire::RefusalKind::NotAdmitted:
      problem_ = "the hub refuses this till: " + text;
      Log(problem_);
      online_.store(false);
      welcomed_ = false;
      return;
    default:
      problem_ = "the hub refused a message: " + text;
      Log(problem_);
  }
}

void TillSyncClient::OnBatch(const syncwire::Batch& batch) {
  if (!downstream_stopped_.empty()) {
    Send(EncodeRefusal(syncwire::RefusalKind::StreamStopped, downstream_stopped_));
    return;
  }
  std::vector<std::string> events;
  if (batch.events() != nullptr) {
    events.reserve(batch.events()->size());
    for (const syncwire::EventBytes* entry : *batch.events()) events.emplace_back(Bytes(entry->bytes()));
  }
  VersionVector positions;
  if (!events.empty()) {
    for (const std::string& bytes : events) {
      auto view = EventView::Parse(bytes);
      if (view.ok()) positions[std::string(view->origin())] = 0;
    }
    auto stored = store_.AppendReplicated(std::move(events), ReplicationMode::kFiltered);
    if (!stored.ok()) {
      downstream_stopped_ = "batch " + std::to_string(batch.batch_no()) + " from the hub refused: " +
                            stored.status().ToString() + " (nothing of it was stored)";
      Log("hub -> till stopped: " + downstream_stopped_);
      Send(EncodeRefusal(syncwire::RefusalKind::StreamStopped, downstream_stopped_));
      WriteStatus();
      return;
    }
  }
  const ChainHeads held = store_.FilteredHeads();
  for (auto& [origin, seq] : positions) {
    auto it = held.find(origin);
    seq = it == held.end() ? 0 : it->second.seq;
  }
  if (batch.backlog() > 0 && downstream_backlog_ == 0) behind_since_ = std::chrono::steady_clock::now();
  downstream_backlog_ = batch.backlog();
  Send(EncodeAck(batch.batch_no(), positions, 1));
}

void TillSyncClient::OnAck(const syncwire::Ack& ack) {
  auto heads = ReadVector(ack.heads());
  if (!heads.ok()) {
    problem_ = "a malformed Ack from the hub: " + heads.status().message();
    Log(problem_);
    return;
  }
  auto own = heads->find(store_.node_id());
  if (own != heads->end()) acknowledged_up_ = std::max(acknowledged_up_, own->second);
  credit_up_ += ack.credit();
  if (options_.on_acknowledged) options_.on_acknowledged(acknowledged_up_);
  // The acknowledged position is what an operator (and a test) waits for: show it soon.
  if (std::chrono::steady_clock::now() - last_status_write_ >= kAckStatusInterval) WriteStatus();
}

void TillSyncClient::SendUpstream() {
  if (!upstream_stopped_.empty()) return;
  const std::string& origin = store_.node_id();
  while (credit_up_ > 0 && socket_) {
    const ChainHeads heads = store_.Heads();
    auto own = heads.find(origin);
    const uint64_t head = own == heads.end() ? 0 : own->second.seq;
    if (head <= sent_up_) return;
    BatchFields batch;
    size_t bytes = 0;
    uint64_t last = sent_up_;
    Status scanned = store_.ScanOrigin(origin, sent_up_ + 1, [&](uint64_t, std::string_view event) {
      if (!batch.events.empty() &&
          (batch.events.size() >= kMaxBatchEvents || bytes + event.size() > kMaxBatchBytes)) {
        return false;
      }
      batch.events.emplace_back(event);
      bytes += event.size();
      ++last;
      return last < head;
    });
    if (!scanned.ok()) {
      upstream_stopped_ = "reading this till's log: " + scanned.ToString();
      Log(upstream_stopped_);
      return;
    }
    if (batch.events.empty()) return;
    batch.batch_no = next_batch_no_++;
    batch.backlog = head - last;
    Send(EncodeBatch(batch));
    sent_up_ = last;
    --credit_up_;
  }
}

Result<ClaimAnswer> TillSyncClient::Claim(const std::string& receipt_stream, const std::string& detail,
                                          std::chrono::milliseconds timeout) {
  if (!online_.load()) return Status::Unavailable("the hub is not reachable now; the hand-over needs the hub");
  auto claim = std::make_shared<PendingClaim>();
  std::future<Result<ClaimAnswer>> answer = claim->answer.get_future();
  {
    std::lock_guard lock(claims_mutex_);
    claim->request_id = next_claim_id_++;
    claim->bytes = EncodeClaimRequest(claim->request_id, receipt_stream, store_.node_id(), detail);
    claims_to_send_.push_back(claim);
  }
  if (answer.wait_for(timeout) != std::future_status::ready) {
    std::lock_guard lock(claims_mutex_);
    claims_waiting_.erase(claim->request_id);
    std::erase(claims_to_send_, claim);
    return Status::Unavailable("the hub did not answer the hand-over claim within " +
                               std::to_string(timeout.count()) + " ms");
  }
  return answer.get();
}

void TillSyncClient::SendClaims() {
  std::deque<std::shared_ptr<PendingClaim>> due;
  {
    std::lock_guard lock(claims_mutex_);
    due.swap(claims_to_send_);
    for (const auto& claim : due) claims_waiting_[claim->request_id] = claim;
  }
  for (const auto& claim : due) Send(claim->bytes);
}

void TillSyncClient::FailClaims(const Status& status) {
  std::lock_guard lock(claims_mutex_);
  for (auto& [id, claim] : claims_waiting_) claim->answer.set_value(status);
  for (auto& claim : claims_to_send_) claim->answer.set_value(status);
  claims_waiting_.clear();
  claims_to_send_.clear();
}

void TillSyncClient::WriteStatus() {
  last_status_write_ = std::chrono::steady_clock::now();
  if (options_.status_path.empty()) return;
  SyncStatusReport report;
  report.pid = getpid();
  report.updated_us = NowMicros();
  report.node_id_hex = ToHex(store_.node_id());
  report.node_name = store_.node_name();
  report.hub = options_.hub.address;
  report.hub_public_key = options_.hub.hub_public_key;
  report.account = options_.account;
  report.mode = options_.filter.Describe();
  report.online = online_.load();
  report.last_contact_us = last_contact_us_;
  report.problem = problem_;

  const std::string& origin = store_.node_id();
  const ChainHeads heads = store_.Heads();
  auto own = heads.find(origin);
  const uint64_t head = own == heads.end() ? 0 : own->second.seq;
  report.upstream.acknowledged[origin] = acknowledged_up_;
  report.upstream.lag_events = head > acknowledged_up_ ? head - acknowledged_up_ : 0;
  if (report.upstream.lag_events > 0) {
    Status ignored = store_.ScanOrigin(origin, acknowledged_up_ + 1, [&](uint64_t, std::string_view bytes) {
      auto view = EventView::Parse(bytes);
      if (view.ok()) {
        report.upstream.lag_seconds = std::max<double>(0, (report.updated_us - view->wall_time_us()) / 1e6);
      }
      return false;
    });
    (void)ignored;
  }
  report.upstream.stopped = upstream_stopped_;

  report.downstream.acknowledged = VectorOfHeads(store_.FilteredHeads());
  report.downstream.lag_events = downstream_backlog_;
  if (downstream_backlog_ > 0) {
    report.downstream.lag_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - behind_since_).count();
  }
  report.downstream.stopped = downstream_stopped_;
  Status written = WriteSyncStatusFile(options_.status_path, report);
  if (!written.ok()) Log(written.ToString());
}

}  // namespace pos::sync
