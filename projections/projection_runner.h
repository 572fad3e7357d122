// ProjectionRunner: keeps a store's projections up to date with its log.
//
// Each registered projection lives in its own column family "proj.<name>". The
// runner applies events in log order, in chunks; for each chunk it writes the
// projection's state changes and its checkpoint in one WriteBatch, so after a
// crash a projection is exactly at some checkpoint, never half applied.
//
// Reserved keys in a projection family (byte 0x00 prefix):
//   "\0checkpoint"  u64 BE: the last local sequence applied
//   "\0version"     u32 BE: the Projection::Version() the state was built by
// A stored version different from the code's version makes CatchUp() rebuild
// that projection from zero.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/event_store.h"
#include "engine/status.h"
#include "projections/projection.h"

namespace pos {

struct ProjectionInfo {
  std::string name;
  uint32_t version = 0;
  uint64_t checkpoint = 0;  // last local sequence applied
};

// Called now and then during long work: (events done, events to do).
using ProgressCallback = std::function<void(uint64_t done, uint64_t total)>;

struct RunnerOptions {
  size_t events_per_batch = 4096;  // events applied per WriteBatch (per projection)
};

class ProjectionRunner {
 public:
  explicit ProjectionRunner(EventStore& store, RunnerOptions options = {});
  ~ProjectionRunner();  // stops tailing
  ProjectionRunner(const ProjectionRunner&) = delete;
  ProjectionRunner& operator=(const ProjectionRunner&) = delete;

  // Adds a projection (before CatchUp/StartTailing). Names must be unique and
  // valid key text: [a-z0-9_]{1,64}.
  Status Register(std::unique_ptr<Projection> projection);

  // Brings every projection to the end of the log; rebuilds those whose stored
  // version differs from their code's version.
  Status CatchUp(const ProgressCallback& progress = {});

  // Drops a projection's state and replays the whole log into it.
  // Not while tailing. `name` empty means every projection.
  Status Rebuild(std::string_view name, const ProgressCallback& progress = {});

  // A background thread applies new events as they are committed.
  Status StartTailing();
  void StopTailing();
  // Blocks until every projection has applied local sequence `seq`, or timeout.
  bool WaitUntilApplied(uint64_t seq, std::chrono::milliseconds timeout) const;
  // The first error the tailing thread met (it stops at an error).
  Status TailStatus() const;

  std::vector<ProjectionInfo> Infos() const;
  bool Has(std::string_view name) const;
  // Committed state of a projection, for queries.
  Result<ProjectionReader> Reader(std::string_view name) const;

 private:
  struct Entry {
    std::unique_ptr<Projection> projection;
    rocksdb::ColumnFamilyHandle* family = nullptr;
    uint64_t checkpoint = 0;
  };

  Status Prepare(Entry& entry);
  Status ResetEntry(Entry& entry);
  // Applies log events (entry.checkpoint, to] to the given entries.
  // `stop` (the tailing thread's flag, else null) ends the range at a chunk boundary.
  Status ApplyRange(const std::vector<Entry*>& entries, uint64_t to, const ProgressCallback& progress,
                    const std::atomic<bool>* stop = nullptr);
  // Events of one chunk, parsed once for every projection: events[i] is at local sequence seqs[i].
  struct Chunk {
    std::vector<uint64_t> seqs;
    std::vector<EventView> events;
  };
  Status ApplyChunk(Entry& entry, const Chunk& chunk);
  Entry* Find(std::string_view name);
  const Entry* Find(std::string_view name) const;
  void TailLoop();

  EventStore& store_;
  RunnerOptions options_;
  std::vector<Entry> entries_;

  mutable std::mutex mutex_;  // guards entries_[*].checkpoint and tail_status_ for readers
  mutable std::condition_variable applied_cv_;
  Status tail_status_;
  std::atomic<bool> stop_{false};
  std::thread tail_thread_;
};

}  // namespace pos
