#include "domain/till_snapshot.h"

#include "engine/bytes.h"
#include "events/event_view.h"

namespace pos {

void SnapshotWriter::U32(uint32_t value) { AppendBigEndian32(out_, value); }
void SnapshotWriter::U64(uint64_t value) { AppendBigEndian64(out_, value); }
void SnapshotWriter::Str(std::string_view text) {
  U32(static_cast<uint32_t>(text.size()));
  out_.append(text);
}

bool SnapshotReader::Take(size_t n, std::string_view* bytes) {
  if (failed_ || in_.size() < n) {
    failed_ = true;
    return false;
  }
  *bytes = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

uint8_t SnapshotReader::U8() {
  std::string_view bytes;
  return Take(1, &bytes) ? static_cast<uint8_t>(bytes[0]) : 0;
}

uint32_t SnapshotReader::U32() {
  std::string_view bytes;
  return Take(4, &bytes) ? ReadBigEndian32(bytes) : 0;
}

uint64_t SnapshotReader::U64() {
  std::string_view bytes;
  return Take(8, &bytes) ? ReadBigEndian64(bytes) : 0;
}

std::string SnapshotReader::Str() {
  const uint32_t size = U32();
  std::string_view bytes;
  return Take(size, &bytes) ? std::string(bytes) : std::string();
}

uint64_t SnapshotReader::Count(size_t min_item_bytes) {
  const uint64_t count = U64();
  if (failed_ || (min_item_bytes > 0 && count > in_.size() / min_item_bytes)) {
    failed_ = true;
    return 0;
  }
  return count;
}

std::string EncodeSnapshot(uint32_t format, const SnapshotHead& head, std::string_view state) {
  std::string out;
  out.reserve(4 + 8 + kHashSize + state.size());
  AppendBigEndian32(out, format);
  AppendBigEndian64(out, head.origin_seq);
  out.append(head.origin_seq == 0 ? std::string(kHashSize, '\0') : head.hash);
  out.append(state);
  return out;
}

Result<std::optional<CheckedSnapshot>> LoadCheckedSnapshot(const EventStore& store, std::string_view name,
                                                           uint32_t format, std::string* why_not) {
  POS_ASSIGN_OR_RETURN(std::optional<std::string> stored, store.GetSnapshot(name));
  if (!stored.has_value()) {
    *why_not = "missing";
    return std::optional<CheckedSnapshot>();
  }
  const std::string_view bytes = *stored;
  if (bytes.size() < 4 + 8 + kHashSize) {
    *why_not = "damaged: " + std::to_string(bytes.size()) + " bytes";
    return std::optional<CheckedSnapshot>();
  }
  if (ReadBigEndian32(bytes.substr(0, 4)) != format) {
    *why_not = "damaged: format " + std::to_string(ReadBigEndian32(bytes.substr(0, 4))) + ", expected " +
               std::to_string(format);
    return std::optional<CheckedSnapshot>();
  }
  CheckedSnapshot snapshot;
  snapshot.head.origin_seq = ReadBigEndian64(bytes.substr(4, 8));
  snapshot.head.hash = std::string(bytes.substr(12, kHashSize));
  if (snapshot.head.origin_seq != 0) {
    // The head must be an event of this node the log holds, with the same hash.
    std::optional<std::string> held_hash;
    Status read_status;
    POS_RETURN_IF_ERROR(store.ScanOrigin(store.node_id(), snapshot.head.origin_seq,
                                         [&](uint64_t, std::string_view event_bytes) {
                                           auto event = EventView::Parse(event_bytes);
                                           if (!event.ok()) {
                                             read_status = event.status();
                                           } else if (event->origin_seq() == snapshot.head.origin_seq) {
                                             held_hash = std::string(event->hash());
                                           }
                                           return false;
                                         }));
    POS_RETURN_IF_ERROR(read_status);
    if (!held_hash.has_value()) {
      *why_not = "stale: it names own event " + std::to_string(snapshot.head.origin_seq) + ", which the log does not hold";
      return std::optional<CheckedSnapshot>();
    }
    if (*held_hash != snapshot.head.hash) {
      *why_not = "stale: own event " + std::to_string(snapshot.head.origin_seq) + " has another hash in the log";
      return std::optional<CheckedSnapshot>();
    }
  }
  snapshot.state = std::string(bytes.substr(4 + 8 + kHashSize));
  return std::optional<CheckedSnapshot>(std::move(snapshot));
}

}  // namespace pos
