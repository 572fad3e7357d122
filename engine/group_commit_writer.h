// GroupCommitWriter: the single writer of a store's event log.
//
// Callers submit work from any thread; one writer thread takes everything
// pending (up to a bound), validates it against the committed state plus the
// work earlier in the same group, writes it as one WriteBatch with sync=true,
// and only then completes each caller's future. A refused request writes
// nothing and does not affect the others in its group.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
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

  std::future<Result<AppendReceipt>> Submit(AppendBatch batch);
  std::future<Result<ReplicationReceipt>> SubmitReplicated(std::vector<std::string> events,
                                                           ReplicationMode mode = ReplicationMode::kFullChain);

  uint64_t LastSequence() const;
  ChainHeads Heads() const;
  ChainHeads FilteredHeads() const;
  uint64_t WaitForEventsAfter(uint64_t after_seq, std::chrono::milliseconds timeout) const;

 private:
  struct LocalWork {
    AppendBatch batch;
    std::promise<Result<AppendReceipt>> done;
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

  rocksdb::DB* db_;
  ColumnFamilies families_;
  std::string node_id_;
  std::shared_ptr<Clock> clock_;
  HybridLogicalClock hlc_;
  size_t max_events_per_commit_;

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
