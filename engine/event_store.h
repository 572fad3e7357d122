// EventStore: the immutable, hash-chained event log of one node on RocksDB.
//
// Contract:
// - Append() is durable when it returns ok: the events are fsynced. Concurrent
//   appends are group-committed (one synced WriteBatch for all pending work).
// - A local append goes to one stream with an expected version; a mismatch is
//   a kConflict Status and writes nothing.
// - Every event is chained per origin: prev_hash = hash of the origin's previous
//   event, hash = SHA-256(body). AppendReplicated() stores events of other
//   origins byte for byte: a duplicate is a no-op, a gap or a hash mismatch is
//   refused and the batch writes nothing.
// - AppendReplicated(kFiltered) stores a filtered selection of other origins'
//   events (a till's sync mode, docs/sync.md): per origin the head rises (gaps
//   allowed); an event below the head that is not held fills a gap (a backfill
//   after a mode change). Each event's hash is checked, prev_hash where the
//   previous seq is held, and a held next seq must name a filled event's hash.
//   Such origins are kept apart from the full chains: FilteredHeads(), not
//   Heads(). An origin held as a full chain never arrives filtered.
// - Reads see only committed events. Local sequence numbers are dense from 1.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.h"
#include "engine/status.h"
#include "events/event_types.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace pos {

class GroupCommitWriter;

// expected_version for Append(): the stream must not exist yet.
inline constexpr uint64_t kNoStream = 0;
// expected_version for Append(): append whatever the stream's version is.
inline constexpr uint64_t kAnyVersion = UINT64_MAX;

struct NewEvent {
  EventType type;
  std::vector<uint8_t> payload;  // a FlatBuffer of the type's payload table
};

struct AppendBatch {
  std::string stream;
  uint64_t expected_version = kAnyVersion;
  std::string user;  // acting user id, "" for the system
  std::vector<NewEvent> events;
};

struct AppendReceipt {
  uint64_t first_local_seq = 0;
  uint64_t last_local_seq = 0;
  uint64_t first_origin_seq = 0;
  uint64_t stream_version = 0;  // the stream's version after the append
};

// A local append sealed for the log: its final bytes (with origin_seq, HLC,
// wall time and hash chain), known before they are durable.
struct SealedAppend {
  std::vector<std::string> events;
  uint64_t first_origin_seq = 0;
  uint64_t stream_version = 0;  // the stream's version after the append
};

struct ReplicationReceipt {
  size_t appended = 0;
  size_t duplicates = 0;  // events that were already stored (no-ops)
  uint64_t last_local_seq = 0;
};

struct ChainHead {
  uint64_t seq = 0;   // highest contiguous origin_seq stored
  std::string hash;   // 32 raw bytes: the hash of that event
};

// origin node id (16 raw bytes) -> head of its chain in this store.
using ChainHeads = std::map<std::string, ChainHead>;

enum class ReplicationMode {
  kFullChain,  // every event of each origin, dense from 1
  kFiltered,   // a selection of each origin's events, gaps filled later (see the contract above)
};

struct StoreOptions {
  std::shared_ptr<Clock> clock = DefaultClock();
  size_t max_events_per_commit = 8192;  // group commit bound
};

struct CreateStoreOptions {
  std::string node_name;
  bool hub = false;
  std::string currency = "EUR";
};

struct ColumnFamilies {
  rocksdb::ColumnFamilyHandle* log = nullptr;
  rocksdb::ColumnFamilyHandle* by_origin = nullptr;
  rocksdb::ColumnFamilyHandle* by_stream = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
};

class EventStore {
 public:
  // Creates a new store at `path` (absent or empty directory), with a fresh node
  // id and a NodeInitialised event. On failure nothing is left behind.
  static Result<std::unique_ptr<EventStore>> Create(const std::string& path, const CreateStoreOptions& create,
                                                    const StoreOptions& options = {});
  // Opens an existing store. Errors name the problem: no store there, not a POS
  // store, a newer schema, or locked by another process.
  static Result<std::unique_ptr<EventStore>> Open(const std::string& path, const StoreOptions& options = {});

  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  const std::string& path() const { return path_; }
  const std::string& node_id() const { return node_id_; }  // 16 raw bytes
  const std::string& node_name() const { return node_name_; }

  // Blocks until the batch is durable or refused. Thread-safe.
  Result<AppendReceipt> Append(AppendBatch batch);
  // Submits all batches at once so they share group commits; blocks until each
  // is durable or refused. Results are in the order of `batches`.
  std::vector<Result<AppendReceipt>> AppendMany(std::vector<AppendBatch> batches);
  // Pipelining: seals the batch and returns its final bytes at once; a refusal
  // (bad batch, version conflict, failed store) writes nothing. `on_durable` runs
  // on the writer thread when the events are durable, or with the error that
  // stopped the store (then every later append fails too: reopen the store).
  // Batches are sealed, committed and reported in call order.
  using DurableCallback = std::function<void(const Result<AppendReceipt>&)>;
  Result<SealedAppend> AppendPipelined(AppendBatch batch, DurableCallback on_durable);
  // Runs on the writer thread before each group commit; its failure fails the
  // group and stops the store (fail-stop). For logs that must be durable before
  // the events that cite them, e.g. the TSE journal's group flush.
  void SetPreCommitHook(std::function<Status()> hook);
  // Stores events received from another node, byte for byte (see the contract above).
  Result<ReplicationReceipt> AppendReplicated(std::vector<std::string> events,
                                              ReplicationMode mode = ReplicationMode::kFullChain);

  // The highest committed local sequence (0 for an empty log).
  uint64_t LastSequence() const;
  ChainHeads Heads() const;
  // Origins received filtered: the highest origin_seq held of each and its hash.
  ChainHeads FilteredHeads() const;
  // The stream's current version (0 when the stream does not exist).
  Result<uint64_t> StreamVersion(std::string_view stream) const;

  // Visitors return false to stop early. Bytes are valid only during the call.
  using Visitor = std::function<bool(uint64_t local_seq, std::string_view event_bytes)>;
  // Events with local sequence in [from, to], in log order.
  Status ScanLog(uint64_t from, uint64_t to, const Visitor& visit) const;
  // Events of `stream` with version >= from_version, in version order.
  Status ScanStream(std::string_view stream, uint64_t from_version, const Visitor& visit) const;
  // Events of `origin` with origin_seq >= from_seq, in origin order.
  Status ScanOrigin(std::string_view origin, uint64_t from_seq, const Visitor& visit) const;
  Result<std::string> ReadEvent(uint64_t local_seq) const;

  // Tail subscription: blocks until the log holds an event after `after_seq`, or
  // `timeout` passes, or Close() is called; returns LastSequence().
  uint64_t WaitForEventsAfter(uint64_t after_seq, std::chrono::milliseconds timeout) const;

  // For the projection runner, backups and tools inside the engine: the
  // underlying database. Writes to the event families must go through Append.
  rocksdb::DB* db() const { return db_.get(); }
  const ColumnFamilies& families() const { return families_; }
  std::vector<std::string> ProjectionFamilyNames() const;
  Result<rocksdb::ColumnFamilyHandle*> ProjectionFamily(std::string_view name, bool create);
  // Drops and recreates a projection family (used for rebuilds).
  Result<rocksdb::ColumnFamilyHandle*> ResetProjectionFamily(std::string_view name);
  // Start-up snapshots in the meta family, under layout::kMetaSnapshotPrefix +
  // `name` (derived state a reader checks against the log; never an event).
  // Put is durable (synced) when it returns.
  Result<std::optional<std::string>> GetSnapshot(std::string_view name) const;
  Status PutSnapshot(std::string_view name, std::string_view value);
  Status DeleteSnapshot(std::string_view name);

  // Writes every family's memtables to table files, so the next Open has no
  // write-ahead log to replay (a clean shutdown's last step; after a rebuild).
  Status FlushMemtables();

 private:
  EventStore() = default;
  static Result<std::unique_ptr<EventStore>> OpenExisting(const std::string& path, const StoreOptions& options);

  std::string path_;
  std::string node_id_;
  std::string node_name_;
  std::unique_ptr<rocksdb::DB> db_;
  ColumnFamilies families_;
  mutable std::mutex projection_mutex_;  // guards projection_families_ and all_handles_
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> projection_families_;
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles_;
  std::unique_ptr<GroupCommitWriter> writer_;
};

}  // namespace pos
