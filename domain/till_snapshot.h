// Start-up snapshots: derived state of this till (the register, the TSE
// module's counters) at a position of the till's own chain, so a start reads
// the snapshot plus only the own events after it instead of the whole history.
//
// A snapshot is never trusted beyond what the log proves: it names its head
// (origin_seq and hash of the last own event it reflects), and it is used only
// if the log holds that very event. A snapshot that is missing, names an event
// the log does not hold (stale: e.g. written by a till whose last commits failed,
// or from another store), names it with another hash, or does not decode
// (damaged, or another format) is ignored: the caller replays the full history.
//
// Stored in the meta family under "snapshot/<name>" (EventStore::PutSnapshot):
//   u32 BE format | u64 BE head origin_seq | 32-byte head hash | the owner's state
// The owner's state is written with SnapshotWriter: fixed-width big-endian
// integers and u32 BE length-prefixed strings, in an order its owner documents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/event_store.h"
#include "engine/status.h"

namespace pos {

// The last own event a snapshot reflects.
struct SnapshotHead {
  uint64_t origin_seq = 0;  // 0: before the first event
  std::string hash;         // 32 bytes (empty when origin_seq is 0)
};

class SnapshotWriter {
 public:
  explicit SnapshotWriter(std::string& out) : out_(out) {}
  void U8(uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void U32(uint32_t value);
  void U64(uint64_t value);
  void I64(int64_t value) { U64(static_cast<uint64_t>(value)); }
  void Bool(bool value) { U8(value ? 1 : 0); }
  void Str(std::string_view text);

 private:
  std::string& out_;
};

// Reads what SnapshotWriter wrote. Reading past the end sets failed() and
// returns zeros / empty strings, so a decoder checks once at its end.
class SnapshotReader {
 public:
  explicit SnapshotReader(std::string_view in) : in_(in) {}
  uint8_t U8();
  uint32_t U32();
  uint64_t U64();
  int64_t I64() { return static_cast<int64_t>(U64()); }
  bool Bool() { return U8() != 0; }
  std::string Str();
  // A count of items that each take at least `min_item_bytes`: fails (and returns
  // 0) when the rest of the input cannot hold that many, so a damaged count never
  // makes a decoder reserve or loop beyond the input.
  uint64_t Count(size_t min_item_bytes);
  bool failed() const { return failed_; }
  bool at_end() const { return in_.empty(); }

 private:
  bool Take(size_t n, std::string_view* bytes);
  std::string_view in_;
  bool failed_ = false;
};

// A snapshot as stored: the format and head, then `state` (the owner's bytes).
std::string EncodeSnapshot(uint32_t format, const SnapshotHead& head, std::string_view state);

// A stored snapshot that proved itself against the log.
struct CheckedSnapshot {
  SnapshotHead head;
  std::string state;  // the owner's bytes
};

// The snapshot `name` if it is present, of `format`, and its head is an event of
// this node the log holds with the same hash; nullopt otherwise, with the reason
// in `why_not` ("missing", "stale: ...", "damaged: ..."). Errors only when the
// store cannot be read.
Result<std::optional<CheckedSnapshot>> LoadCheckedSnapshot(const EventStore& store, std::string_view name,
                                                           uint32_t format, std::string* why_not);

}  // namespace pos
