// GroupCommitWriter: the single writer of a store's event log.
//
// Local appends are sealed when submitted: under one mutex the batch is checked
// (types, payloads, the stream's expected version against committed and
// in-flight appends), stamped (origin_seq, HLC, wall time) and hash-chained, and
// queued in chain order. The bytes are final from that moment, so a caller may
// act on them before they are durable (pipelining) and learn of durability from
// its future or callback. Replicated events are checked on the writer thread.
//
// One writer thread takes everything pending (up to a bound), runs the
// pre-commit hook (e.g. the TSE journal's group flush), writes it as one
// WriteBatch with sync=true, and only then completes each caller. A refused
// request writes nothing and does not affect the others.
//
// Fail-stop: once a write (or the hook) fails, sealed events may be lost while
// later ones chain onto them, so the writer refuses everything from then on
// with that error until the store is reopened.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "engine/event_store.h"
#include "engine/hybrid_logical_clock.h"

namespace pos {

class GroupCommitWriter {
 public:
  struct CommittedState {
    uint64_t last_local_seq = 0;
    ChainHeads heads;
    ChainHeads filtered_heads;  // origins received filtered (ReplicationMode::kFiltered)
    // The highest HLC of the stored events (the maximum over the chain heads,
    // as each origin's HLCs rise with its seq): the clock starts above it.
    uint64_t max_hlc = 0;
  };

  GroupCommitWriter(rocksdb::DB* db, ColumnFamilies families, std::string node_id, std::shared_ptr<Clock> clock,
                    CommittedState initial, size_t max_events_per_commit);
  ~GroupCommitWriter();  // completes pending work with kUnavailable, joins the thread

  using DurableCallback = std::function<void(const Result<AppendReceipt>&)>;
  struct Submitted {
    SealedAppend sealed;
    std::future<Result<AppendReceipt>> durable;
  };
  // Seals and queues a local batch; a refusal (bad batch, version conflict, a
  // failed store) comes back at once and queues nothing. `on_durable`, if set,
  // runs on the writer thread when the outcome is known, before the future.
  Result<Submitted> Submit(AppendBatch batch, DurableCallback on_durable = {});
  std::future<Result<ReplicationReceipt>> SubmitReplicated(std::vector<std::string> events,
                                                           ReplicationMode mode = ReplicationMode::kFullChain);
  // Runs before each group's write; a failure fails the group (fail-stop).
  void SetPreCommitHook(std::function<Status()> hook);

  uint64_t LastSequence() const;
  ChainHeads Heads() const;
  ChainHeads FilteredHeads() const;
  uint64_t WaitForEventsAfter(uint64_t after_seq, std::chrono::milliseconds timeout) const;

 private:
  struct ChainedEvent {
    std::string bytes;
    uint64_t origin_seq = 0;
    uint64_t stream_version = 0;
    std::string hash;
  };
  struct LocalWork {
    std::string stream;
    std::vector<ChainedEvent> events;
    std::promise<Result<AppendReceipt>> done;
    DurableCallback on_durable;
  };
  struct ReplicatedWork {
    std::vector<std::string> events;
    std::promise<Result<ReplicationReceipt>> done;
    ReplicationMode mode = ReplicationMode::kFullChain;
  };
  using Work = std::variant<LocalWork, ReplicatedWork>;
  class Group;

  // Queues work (or completes it with kUnavailable when closing) and returns its future.
  template <typename Item, typename Outcome>
  std::future<Outcome> Enqueue(Item work);
  void Run();
  size_t EventCount(const Work& work) const;
  // Under seal_mutex_: the stream's version counting sealed, uncommitted appends.
  Result<uint64_t> SealedStreamVersion(const std::string& stream) const;
  // After a group is durable: forget in-flight versions it made committed.
  void ForgetCommittedVersions(const std::unordered_map<std::string, uint64_t>& committed_versions);
  static void Complete(LocalWork& work, Result<AppendReceipt> outcome);

  rocksdb::DB* db_;
  ColumnFamilies families_;
  std::string node_id_;
  std::shared_ptr<Clock> clock_;
  HybridLogicalClock hlc_;
  size_t max_events_per_commit_;

  // Sealing: the local chain head and stream versions including queued work.
  // Lock order: seal_mutex_ before queue_mutex_.
  mutable std::mutex seal_mutex_;
  ChainHead sealed_head_;
  std::unordered_map<std::string, uint64_t> inflight_versions_;
  Status failed_;  // fail-stop: the first write failure
  std::function<Status()> pre_commit_hook_;  // guarded by seal_mutex_

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Work> queue_;
  bool stopping_ = false;

  mutable std::mutex state_mutex_;
  mutable std::condition_variable committed_cv_;
  CommittedState committed_;

  std::thread thread_;
};

}  // namespace pos
