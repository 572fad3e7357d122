// The Projection interface: a read model derived from the event log.
//
// A projection has a name (its column family is "proj.<name>"), a version (bump
// it when Apply() changes meaning: the runner then rebuilds it from zero), and
// Apply(), which folds one event into its state. Apply writes only through the
// ProjectionState it is given; the runner commits those writes in one
// WriteBatch together with the projection's checkpoint, so a crash never leaves
// a read model half applied. Apply must be deterministic: a rebuild by replay
// must produce the same state as incremental application.
//
// docs/projections.md shows how to add one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"
#include "events/event_view.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace pos {

// A projection's key space, seen through the writes of the batch in progress.
// Keys starting with byte 0x00 are reserved for the runner.
class ProjectionState {
 public:
  ProjectionState(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family, rocksdb::WriteBatchWithIndex* batch)
      : db_(db), family_(family), batch_(batch) {}

  // nullopt when absent. Reads see this batch's own writes.
  Result<std::optional<std::string>> Get(std::string_view key) const;
  Status Put(std::string_view key, std::string_view value);
  Status Delete(std::string_view key);
  // Visits keys starting with prefix in order (including this batch's writes);
  // visit returns false to stop.
  Status ScanPrefix(std::string_view prefix,
                    const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

  // Convenience for counters stored as u64 big-endian.
  Result<uint64_t> GetCounter(std::string_view key) const;
  Status AddToCounter(std::string_view key, int64_t delta);

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* family_;
  rocksdb::WriteBatchWithIndex* batch_;
};

// Read-only access to a projection's committed state, for queries.
class ProjectionReader {
 public:
  ProjectionReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) : db_(db), family_(family) {}
  Result<std::optional<std::string>> Get(std::string_view key) const;
  Status ScanPrefix(std::string_view prefix,
                    const std::function<bool(std::string_view key, std::string_view value)>& visit) const;
  Result<uint64_t> GetCounter(std::string_view key) const;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* family_;
};

// Decodes every value stored under `prefix`, in key order, with
// decode(key, value) -> Result<T>; the first value that fails stops the scan
// and its error is returned.
template <typename T, typename Decode>
Result<std::vector<T>> DecodeAll(const ProjectionReader& reader, std::string_view prefix, Decode decode) {
  std::vector<T> out;
  Status bad;
  POS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](std::string_view key, std::string_view value) {
    Result<T> item = decode(key, value);
    if (!item.ok()) {
      bad = item.status();
      return false;
    }
    out.push_back(std::move(item).value());
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return out;
}

class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::string_view Name() const = 0;
  virtual uint32_t Version() const = 0;
  virtual Status Apply(const EventView& event, ProjectionState& state) = 0;
  // A projection may keep what Apply folded in memory (e.g. receipts still open)
  // and write it here: the runner calls FinishChunk after the last Apply of a
  // chunk, before it commits the chunk's batch with the checkpoint, so whatever
  // FinishChunk writes is committed together with the events it reflects. After
  // FinishChunk nothing may be kept in memory that the batch does not hold.
  virtual Status FinishChunk(ProjectionState& /*state*/) { return Status::Ok(); }
  // The runner drops the chunk in progress (an Apply failed, or the write did):
  // forget what was kept in memory for it.
  virtual void AbandonChunk() {}
};

using ProjectionFactory = std::function<std::unique_ptr<Projection>()>;

}  // namespace pos
