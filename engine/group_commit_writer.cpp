#include "engine/group_commit_writer.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <optional>
#include <type_traits>

#include "engine/bytes.h"
#include "engine/store_layout.h"
#include "events/event_encoding.h"
#include "events/event_view.h"

namespace pos {

namespace {
const std::string kZeroHash(kHashSize, '\0');

std::string DescribeOrigin(std::string_view origin) { return ToHex(origin); }

// The stream's highest committed version (0 when it does not exist).
Result<uint64_t> CommittedStreamVersion(rocksdb::DB* db, const ColumnFamilies& families, const std::string& stream) {
  std::string prefix = layout::StreamPrefix(stream);
  std::string upper = prefix + std::string(8 + kNodeIdSize, '\xFF');
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), families.by_stream));
  it->SeekForPrev(upper);
  if (!it->status().ok()) return Status::IoError("reading stream index: " + it->status().ToString());
  if (!it->Valid() || !it->key().starts_with(prefix)) return uint64_t{0};
  return layout::StreamKeyVersion(it->key().ToStringView(), prefix.size());
}

Status CheckBatch(const AppendBatch& batch) {
  POS_RETURN_IF_ERROR(ValidateStreamName(batch.stream).WithContext("append"));
  if (batch.events.empty()) return Status::InvalidArgument("append to " + batch.stream + ": no events");
  for (const NewEvent& event : batch.events) {
    const EventTypeInfo* info = FindEventType(static_cast<uint32_t>(event.type));
    if (info == nullptr) {
      return Status::InvalidArgument("append to " + batch.stream + ": unknown event type " +
                                     std::to_string(static_cast<uint32_t>(event.type)));
    }
    if (!info->verify_payload(event.payload.data(), event.payload.size())) {
      return Status::InvalidArgument("append to " + batch.stream + ": payload is not a well-formed " +
                                     std::string(info->name));
    }
  }
  return Status::Ok();
}
}  // namespace

// One group commit: the WriteBatch being built and the state it leads to.
// Lookups fall through from this group's overlay to the committed state and
// then to the database.
class GroupCommitWriter::Group {
 public:
  Group(GroupCommitWriter& writer, const CommittedState& committed)
      : writer_(writer), committed_(committed), next_seq_(committed.last_local_seq + 1) {}

  // Local work arrives sealed (checked, stamped and chained by Submit).
  AppendReceipt AddSealed(const LocalWork& work) {
    AppendReceipt receipt;
    receipt.first_local_seq = next_seq_;
    receipt.first_origin_seq = work.events.front().origin_seq;
    for (const ChainedEvent& event : work.events) {
      PutEvent(event.bytes, writer_.node_id_, event.origin_seq, work.stream, event.stream_version);
    }
    const ChainedEvent& last = work.events.back();
    SetHead(writer_.node_id_, ChainHead{last.origin_seq, last.hash});
    stream_versions_[work.stream] = last.stream_version;
    local_versions_[work.stream] = last.stream_version;
    receipt.last_local_seq = next_seq_ - 1;
    receipt.stream_version = last.stream_version;
    return receipt;
  }

  // All-or-nothing: a bad event refuses the whole request.
  Result<ReplicationReceipt> AddReplicated(const std::vector<std::string>& events) {
    return AddOthers(events, /*filtered=*/false,
                     [&](const EventView& event, const std::string& origin, const std::string& where,
                         const ScratchHeads& scratch_heads, const ScratchHashes& scratch_hashes) -> Result<Admission> {
      if (FilteredHead(origin).seq > 0) {
        return Status::InvalidArgument(where + ": this store holds that origin filtered, not as a full chain");
      }
      auto found = scratch_heads.find(origin);
      const ChainHead head = found != scratch_heads.end() ? found->second : Head(origin);
      if (origin == writer_.node_id_ && event.origin_seq() > head.seq) {
        return Status::Corruption(where + ": an event of this node's own origin that this store never wrote; "
                                          "restore the node from a backup instead of replicating it back");
      }
      if (event.origin_seq() <= head.seq) {
        POS_RETURN_IF_ERROR(CheckDuplicate(event, where, scratch_hashes));
        return Admission::kDuplicate;
      }
      if (event.origin_seq() != head.seq + 1) {
        return Status::Corruption(where + ": gap, this store holds that origin up to seq " +
                                  std::to_string(head.seq));
      }
      if (event.prev_hash() != head.hash) {
        return Status::Corruption(where + ": previous hash does not match the stored chain head");
      }
      return Admission::kAppendAtHead;
    });
  }

  // A selection of other origins' events (ReplicationMode::kFiltered): per origin
  // the head rises; an event below the head that is not held fills a gap (a
  // backfill after a sync mode change) and must link to its held neighbours.
  // All-or-nothing like AddReplicated.
  Result<ReplicationReceipt> AddFiltered(const std::vector<std::string>& events) {
    return AddOthers(events, /*filtered=*/true,
                     [&](const EventView& event, const std::string& origin, const std::string& where,
                         const ScratchHeads& scratch_heads, const ScratchHashes& scratch_hashes) -> Result<Admission> {
      if (origin == writer_.node_id_ || Head(origin).seq > 0) {
        return Status::InvalidArgument(where + ": this store holds that origin as a full chain; it cannot arrive filtered");
      }
      if (event.origin_seq() == 0) return Status::Corruption(where + ": origin_seq 0");
      auto found = scratch_heads.find(origin);
      const ChainHead head = found != scratch_heads.end() ? found->second : FilteredHead(origin);
      if (event.origin_seq() <= head.seq) {
        POS_ASSIGN_OR_RETURN(bool held, HeldCopyMatches(event, where, scratch_hashes));
        if (held) return Admission::kDuplicate;
        // A gap below the head filled (the till's sync mode came to carry more,
        // docs/sync.md "Mode changes"): it must link to the neighbours held.
        POS_RETURN_IF_ERROR(CheckFilledGap(event, where, scratch_hashes));
        return Admission::kAppendBelowHead;
      }
      if (event.origin_seq() == head.seq + 1 && event.prev_hash() != head.hash) {
        return Status::Corruption(where + ": previous hash does not match the held event seq " +
                                  std::to_string(head.seq));
      }
      return Admission::kAppendAtHead;
    });
  }

  bool empty() const { return next_seq_ == committed_.last_local_seq + 1; }
  // Streams this group's local work moved, with their versions after it.
  const std::unordered_map<std::string, uint64_t>& local_versions() const { return local_versions_; }
  rocksdb::WriteBatch& batch() { return batch_; }

  CommittedState NextState() const {
    CommittedState next = committed_;
    next.last_local_seq = next_seq_ - 1;
    for (const auto& [origin, head] : heads_) next.heads[origin] = head;
    for (const auto& [origin, head] : filtered_heads_) next.filtered_heads[origin] = head;
    return next;
  }

 private:
  using ScratchHeads = std::unordered_map<std::string, ChainHead>;
  using ScratchHashes = std::unordered_map<std::string, std::string>;  // OriginKey -> hash

  // What a replicated event does to this store: nothing (held already), append it
  // as its origin's new head, or append it below the head (a filled gap).
  enum class Admission { kDuplicate, kAppendAtHead, kAppendBelowHead };

  // The frame AddReplicated and AddFiltered share: every event parsed and its hash
  // and payload verified, `admit` applies the mode's chain rule against the heads
  // and hashes staged so far in this request, and only when every event passed are
  // they put into the group (heads as full or filtered chains).
  template <typename Admit>
  Result<ReplicationReceipt> AddOthers(const std::vector<std::string>& events, bool filtered, Admit admit) {
    ScratchHeads scratch_heads;
    std::unordered_map<std::string, uint64_t> scratch_versions;
    ScratchHashes scratch_hashes;
    struct Accepted {
      const std::string* bytes;
      std::string origin;
      uint64_t origin_seq;
      std::string stream;
      uint64_t stream_version;
      uint64_t hlc;
    };
    std::vector<Accepted> accepted;
    ReplicationReceipt receipt;
    for (size_t i = 0; i < events.size(); ++i) {
      auto parsed = EventView::Parse(events[i]);
      if (!parsed.ok()) return parsed.status().WithContext("replicated event #" + std::to_string(i));
      const EventView& event = parsed.value();
      const std::string origin(event.origin());
      const std::string where = "event " + DescribeOrigin(origin) + "/" + std::to_string(event.origin_seq());
      POS_RETURN_IF_ERROR(event.VerifyHash().WithContext(where));
      POS_RETURN_IF_ERROR(event.VerifyPayload().WithContext(where));
      POS_ASSIGN_OR_RETURN(Admission admission, admit(event, origin, where, scratch_heads, scratch_hashes));
      if (admission == Admission::kDuplicate) {
        ++receipt.duplicates;
        continue;
      }
      if (admission == Admission::kAppendAtHead) {
        scratch_heads[origin] = ChainHead{event.origin_seq(), std::string(event.hash())};
      }
      scratch_hashes[layout::OriginKey(origin, event.origin_seq())] = std::string(event.hash());
      std::string stream(event.stream());
      auto known = scratch_versions.find(stream);
      uint64_t current = 0;
      if (known != scratch_versions.end()) {
        current = known->second;
      } else {
        POS_ASSIGN_OR_RETURN(current, StreamVersion(stream));
      }
      scratch_versions[stream] = std::max(current, event.stream_version());
      accepted.push_back({&events[i], origin, event.origin_seq(), std::move(stream), event.stream_version(),
                          event.hlc()});
    }
    for (const Accepted& a : accepted) {
      writer_.hlc_.Observe(a.hlc);
      PutEvent(*a.bytes, a.origin, a.origin_seq, a.stream, a.stream_version);
    }
    for (auto& [origin, head] : scratch_heads) {
      if (filtered) {
        filtered_heads_[origin] = head;
        batch_.Put(writer_.families_.meta, layout::FilteredHeadKey(origin), layout::HeadValue(head.seq, head.hash));
      } else {
        SetHead(origin, head);
      }
    }
    for (auto& [stream, version] : scratch_versions) stream_versions_[stream] = version;
    pending_hashes_.merge(scratch_hashes);
    receipt.appended = accepted.size();
    receipt.last_local_seq = next_seq_ - 1;
    return receipt;
  }

  ChainHead Head(const std::string& origin) const {
    if (auto it = heads_.find(origin); it != heads_.end()) return it->second;
    if (auto it = committed_.heads.find(origin); it != committed_.heads.end()) return it->second;
    return ChainHead{0, kZeroHash};
  }

  ChainHead FilteredHead(const std::string& origin) const {
    if (auto it = filtered_heads_.find(origin); it != filtered_heads_.end()) return it->second;
    if (auto it = committed_.filtered_heads.find(origin); it != committed_.filtered_heads.end()) return it->second;
    return ChainHead{0, kZeroHash};
  }

  // Whether this store (or this group) holds the event's (origin, seq): true when
  // it does with the same hash, false when it does not hold it, kCorruption when
  // it holds other bytes under that identity.
  Result<bool> HeldCopyMatches(const EventView& event, const std::string& where,
                               const std::unordered_map<std::string, std::string>& request_hashes) const {
    const std::string key = layout::OriginKey(event.origin(), event.origin_seq());
    const std::string* pending = nullptr;
    if (auto it = request_hashes.find(key); it != request_hashes.end()) pending = &it->second;
    if (auto it = pending_hashes_.find(key); pending == nullptr && it != pending_hashes_.end()) pending = &it->second;
    if (pending != nullptr) {
      if (*pending == event.hash()) return true;
      return Status::Corruption(where + ": differs from the event with the same origin and seq in this batch");
    }
    std::string local;
    auto s = writer_.db_->Get(rocksdb::ReadOptions(), writer_.families_.by_origin, key, &local);
    if (s.IsNotFound()) return false;
    POS_RETURN_IF_ERROR(CheckDuplicate(event, where, request_hashes));
    return true;
  }

  // The hash of the held event (origin, seq), from this request, this group or
  // the store; nullopt when it is not held.
  Result<std::optional<std::string>> HeldHash(std::string_view origin, uint64_t seq,
                                              const std::unordered_map<std::string, std::string>& request_hashes,
                                              std::string* prev_hash) const {
    const std::string key = layout::OriginKey(origin, seq);
    if (auto it = request_hashes.find(key); it != request_hashes.end()) return std::optional(it->second);
    if (auto it = pending_hashes_.find(key); it != pending_hashes_.end()) return std::optional(it->second);
    std::string local;
    auto s = writer_.db_->Get(rocksdb::ReadOptions(), writer_.families_.by_origin, key, &local);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return Status::IoError("looking up a held event: " + s.ToString());
    std::string stored;
    s = writer_.db_->Get(rocksdb::ReadOptions(), writer_.families_.log, local, &stored);
    if (!s.ok()) return Status::IoError("reading a held event: " + s.ToString());
    POS_ASSIGN_OR_RETURN(EventView view, EventView::Parse(stored));
    if (prev_hash != nullptr) *prev_hash = std::string(view.prev_hash());
    return std::optional(std::string(view.hash()));
  }

  // An event filling a gap below a filtered head: its prev_hash must be the hash
  // of seq - 1 where that is held, and the stored seq + 1 (if held) must name its hash.
  Status CheckFilledGap(const EventView& event, const std::string& where,
                        const std::unordered_map<std::string, std::string>& request_hashes) const {
    const uint64_t seq = event.origin_seq();
    if (seq > 1) {
      POS_ASSIGN_OR_RETURN(std::optional<std::string> before, HeldHash(event.origin(), seq - 1, request_hashes, nullptr));
      if (before.has_value() && *before != event.prev_hash()) {
        return Status::Corruption(where + ": previous hash does not match the held event seq " +
                                  std::to_string(seq - 1));
      }
    }
    std::string after_prev;
    POS_ASSIGN_OR_RETURN(std::optional<std::string> after, HeldHash(event.origin(), seq + 1, {}, &after_prev));
    if (after.has_value() && !after_prev.empty() && after_prev != event.hash()) {
      return Status::Corruption(where + ": the held event seq " + std::to_string(seq + 1) +
                                " names another previous hash");
    }
    return Status::Ok();
  }

  void SetHead(const std::string& origin, const ChainHead& head) {
    heads_[origin] = head;
    batch_.Put(writer_.families_.meta, layout::HeadKey(origin), layout::HeadValue(head.seq, head.hash));
  }

  Result<uint64_t> StreamVersion(const std::string& stream) const {
    if (auto it = stream_versions_.find(stream); it != stream_versions_.end()) return it->second;
    return CommittedStreamVersion(writer_.db_, writer_.families_, stream);
  }

  // A replicated event at or below the head must equal the copy already held:
  // same (origin, seq) with other bytes is a forked chain, never a duplicate.
  Status CheckDuplicate(const EventView& event, const std::string& where,
                        const std::unordered_map<std::string, std::string>& request_hashes) const {
    const std::string key = layout::OriginKey(event.origin(), event.origin_seq());
    const std::string* pending = nullptr;
    if (auto it = request_hashes.find(key); it != request_hashes.end()) pending = &it->second;
    if (auto it = pending_hashes_.find(key); pending == nullptr && it != pending_hashes_.end()) pending = &it->second;
    if (pending != nullptr) {
      if (*pending == event.hash()) return Status::Ok();
      return Status::Corruption(where + ": differs from the event with the same origin and seq in this batch");
    }
    std::string local;
    auto s = writer_.db_->Get(rocksdb::ReadOptions(), writer_.families_.by_origin, key, &local);
    if (!s.ok()) return Status::IoError(where + ": looking up the stored copy: " + s.ToString());
    std::string stored;
    s = writer_.db_->Get(rocksdb::ReadOptions(), writer_.families_.log, local, &stored);
    if (!s.ok()) return Status::IoError(where + ": reading the stored copy: " + s.ToString());
    auto stored_view = EventView::Parse(stored);
    if (!stored_view.ok() || stored_view->hash() != event.hash()) {
      return Status::Corruption(where + ": differs from the event stored under the same origin and seq");
    }
    return Status::Ok();
  }

  void PutEvent(std::string_view bytes, std::string_view origin, uint64_t origin_seq, std::string_view stream,
                uint64_t stream_version) {
    const uint64_t seq = next_seq_++;
    const std::string seq_value = BigEndian64(seq);
    batch_.Put(writer_.families_.log, layout::LogKey(seq), rocksdb::Slice(bytes.data(), bytes.size()));
    batch_.Put(writer_.families_.by_origin, layout::OriginKey(origin, origin_seq), seq_value);
    batch_.Put(writer_.families_.by_stream, layout::StreamKey(stream, stream_version, origin), seq_value);
  }

  GroupCommitWriter& writer_;
  const CommittedState& committed_;
  uint64_t next_seq_;
  rocksdb::WriteBatch batch_;
  std::unordered_map<std::string, ChainHead> heads_;
  std::unordered_map<std::string, ChainHead> filtered_heads_;
  std::unordered_map<std::string, uint64_t> stream_versions_;
  std::unordered_map<std::string, std::string> pending_hashes_;  // replicated in this group: OriginKey -> hash
  std::unordered_map<std::string, uint64_t> local_versions_;
};

GroupCommitWriter::GroupCommitWriter(rocksdb::DB* db, ColumnFamilies families, std::string node_id,
                                     std::shared_ptr<Clock> clock, CommittedState initial,
                                     size_t max_events_per_commit)
    : db_(db),
      families_(families),
      node_id_(std::move(node_id)),
      clock_(std::move(clock)),
      hlc_(clock_),
      max_events_per_commit_(max_events_per_commit),
      committed_(std::move(initial)) {
  hlc_.Observe(committed_.max_hlc);
  auto own = committed_.heads.find(node_id_);
  sealed_head_ = own != committed_.heads.end() ? own->second : ChainHead{0, kZeroHash};
  thread_ = std::thread([this] { Run(); });
}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  {
    // Waiters check stopping_ while holding state_mutex_: taking it here orders
    // the flag before the wake-up, so no waiter can miss it.
    std::lock_guard lock(state_mutex_);
  }
  committed_cv_.notify_all();
  thread_.join();
}

template <typename Item, typename Outcome>
std::future<Outcome> GroupCommitWriter::Enqueue(Item work) {
  auto future = work.done.get_future();
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) {
      if constexpr (std::is_same_v<Item, LocalWork>) {
        Complete(work, Status::Unavailable("the store is closing"));
      } else {
        work.done.set_value(Status::Unavailable("the store is closing"));
      }
      return future;
    }
    queue_.emplace_back(std::move(work));
  }
  queue_cv_.notify_one();
  return future;
}

Result<GroupCommitWriter::Submitted> GroupCommitWriter::Submit(AppendBatch batch, DurableCallback on_durable) {
  POS_RETURN_IF_ERROR(CheckBatch(batch));
  std::lock_guard seal(seal_mutex_);
  if (!failed_.ok()) return failed_;
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) return Status::Unavailable("the store is closing");
  }
  POS_ASSIGN_OR_RETURN(uint64_t version, SealedStreamVersion(batch.stream));
  if (batch.expected_version != kAnyVersion && batch.expected_version != version) {
    return Status::Conflict("stream " + batch.stream + " is at version " + std::to_string(version) + ", expected " +
                            std::to_string(batch.expected_version));
  }
  LocalWork work;
  work.stream = batch.stream;
  work.on_durable = std::move(on_durable);
  Submitted submitted;
  submitted.sealed.first_origin_seq = sealed_head_.seq + 1;
  ChainHead head = sealed_head_;
  const int64_t wall = clock_->NowMicros();
  for (const NewEvent& event : batch.events) {
    EventBodyFields fields;
    fields.origin = node_id_;
    fields.origin_seq = head.seq + 1;
    fields.stream = batch.stream;
    fields.stream_version = ++version;
    fields.type = static_cast<uint32_t>(event.type);
    fields.hlc = hlc_.Now();
    fields.wall_time_us = wall;
    fields.user = batch.user;
    fields.prev_hash = head.hash;
    fields.payload = event.payload;
    SealedEvent sealed = SealEvent(fields);
    submitted.sealed.events.push_back(sealed.bytes);
    head = ChainHead{fields.origin_seq, sealed.hash};
    work.events.push_back(ChainedEvent{std::move(sealed.bytes), fields.origin_seq, fields.stream_version,
                                      std::move(sealed.hash)});
  }
  submitted.sealed.stream_version = version;
  sealed_head_ = head;
  inflight_versions_[batch.stream] = version;
  // Queued under seal_mutex_, so the queue holds local work in chain order.
  submitted.durable = Enqueue<LocalWork, Result<AppendReceipt>>(std::move(work));
  return submitted;
}

void GroupCommitWriter::SetPreCommitHook(std::function<Status()> hook) {
  std::lock_guard seal(seal_mutex_);
  pre_commit_hook_ = std::move(hook);
}

Result<uint64_t> GroupCommitWriter::SealedStreamVersion(const std::string& stream) const {
  if (auto it = inflight_versions_.find(stream); it != inflight_versions_.end()) return it->second;
  return CommittedStreamVersion(db_, families_, stream);
}

void GroupCommitWriter::ForgetCommittedVersions(const std::unordered_map<std::string, uint64_t>& committed_versions) {
  std::lock_guard seal(seal_mutex_);
  for (const auto& [stream, version] : committed_versions) {
    auto it = inflight_versions_.find(stream);
    if (it != inflight_versions_.end() && it->second == version) inflight_versions_.erase(it);
  }
}

void GroupCommitWriter::Complete(LocalWork& work, Result<AppendReceipt> outcome) {
  if (work.on_durable) work.on_durable(outcome);
  work.done.set_value(std::move(outcome));
}

std::future<Result<ReplicationReceipt>> GroupCommitWriter::SubmitReplicated(std::vector<std::string> events,
                                                                            ReplicationMode mode) {
  return Enqueue<ReplicatedWork, Result<ReplicationReceipt>>(ReplicatedWork{std::move(events), {}, mode});
}

size_t GroupCommitWriter::EventCount(const Work& work) const {
  if (const auto* local = std::get_if<LocalWork>(&work)) return local->events.size();
  return std::get<ReplicatedWork>(work).events.size();
}

void GroupCommitWriter::Run() {
  for (;;) {
    std::vector<Work> taken;
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left to do
      size_t events = 0;
      while (!queue_.empty() && (taken.empty() || events + EventCount(queue_.front()) <= max_events_per_commit_)) {
        events += EventCount(queue_.front());
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }

    Status stopped;
    std::function<Status()> hook;
    {
      std::lock_guard seal(seal_mutex_);
      stopped = failed_;
      hook = pre_commit_hook_;
    }
    CommittedState committed_now;
    {
      std::lock_guard lock(state_mutex_);
      committed_now = committed_;
    }
    Group group(*this, committed_now);
    std::vector<std::variant<Result<AppendReceipt>, Result<ReplicationReceipt>>> outcomes;
    outcomes.reserve(taken.size());
    bool has_local = false;
    for (Work& work : taken) {
      if (auto* local = std::get_if<LocalWork>(&work)) {
        has_local = true;
        outcomes.emplace_back(group.AddSealed(*local));
      } else {
        const ReplicatedWork& replicated = std::get<ReplicatedWork>(work);
        outcomes.emplace_back(replicated.mode == ReplicationMode::kFiltered ? group.AddFiltered(replicated.events)
                                                                            : group.AddReplicated(replicated.events));
      }
    }

    // stopped: an earlier group failed, so nothing more is written (fail-stop).
    Status write_status = stopped;
    if (write_status.ok() && has_local && hook) {
      Status hooked = hook();
      if (!hooked.ok()) write_status = hooked.WithContext("before writing to the event log");
    }
    if (write_status.ok() && !group.empty()) {
      rocksdb::WriteOptions options;
      options.sync = true;
      auto s = db_->Write(options, &group.batch());
      if (!s.ok()) write_status = Status::IoError("writing to the event log failed, nothing was stored: " + s.ToString());
    }
    if (write_status.ok()) {
      {
        std::lock_guard lock(state_mutex_);
        committed_ = group.NextState();
      }
      committed_cv_.notify_all();
      ForgetCommittedVersions(group.local_versions());
    } else if (stopped.ok()) {
      std::lock_guard seal(seal_mutex_);
      failed_ = Status::IoError(write_status.message() + "; the store stopped taking appends: reopen it");
    }

    for (size_t i = 0; i < taken.size(); ++i) {
      if (auto* local = std::get_if<LocalWork>(&taken[i])) {
        auto& outcome = std::get<Result<AppendReceipt>>(outcomes[i]);
        Complete(*local, write_status.ok() ? std::move(outcome) : Result<AppendReceipt>(write_status));
      } else {
        auto& outcome = std::get<Result<ReplicationReceipt>>(outcomes[i]);
        std::get<ReplicatedWork>(taken[i]).done.set_value(
            write_status.ok() || !outcome.ok() ? std::move(outcome) : Result<ReplicationReceipt>(write_status));
      }
    }
  }
}

uint64_t GroupCommitWriter::LastSequence() const {
  std::lock_guard lock(state_mutex_);
  return committed_.last_local_seq;
}

ChainHeads GroupCommitWriter::Heads() const {
  std::lock_guard lock(state_mutex_);
  return committed_.heads;
}

ChainHeads GroupCommitWriter::FilteredHeads() const {
  std::lock_guard lock(state_mutex_);
  return committed_.filtered_heads;
}

uint64_t GroupCommitWriter::WaitForEventsAfter(uint64_t after_seq, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_mutex_);
  committed_cv_.wait_for(lock, timeout, [&] {
    if (committed_.last_local_seq > after_seq) return true;
    std::lock_guard queue_lock(queue_mutex_);
    return stopping_;
  });
  return committed_.last_local_seq;
}

}  // namespace pos
