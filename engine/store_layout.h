// The on-disk layout of an event store in RocksDB (docs/storage.md).
//
// Column families:
//   log        key: local sequence, u64 big-endian          value: event bytes
//   by_origin  key: origin (16 B) + origin_seq (u64 BE)     value: local sequence (u64 BE)
//   by_stream  key: stream + 0x00 + version (u64 BE) + origin (16 B)
//                                                           value: local sequence (u64 BE)
//   meta       see the kMeta* keys below
//   proj.<name> one per projection; keys starting with byte 0x00 are the runner's
//
// Invariant: every event's log, by_origin, by_stream and head entries are
// written in one WriteBatch, so the indexes never disagree with the log.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/bytes.h"

namespace pos::layout {

inline constexpr uint32_t kSchemaVersion = 1;

inline constexpr std::string_view kLogFamily = "log";
inline constexpr std::string_view kByOriginFamily = "by_origin";
inline constexpr std::string_view kByStreamFamily = "by_stream";
inline constexpr std::string_view kMetaFamily = "meta";
inline constexpr std::string_view kProjectionFamilyPrefix = "proj.";

inline constexpr std::string_view kMetaSchemaVersion = "schema_version";  // u32 BE
inline constexpr std::string_view kMetaNodeId = "node_id";                // 16 raw bytes
inline constexpr std::string_view kMetaNodeName = "node_name";            // UTF-8
inline constexpr std::string_view kMetaHeadPrefix = "head/";              // + origin: seq u64 BE + hash 32 B
// An origin received filtered (sync modes, docs/sync.md): the highest origin_seq
// held of it and that event's hash. Such an origin has no "head/" entry.
inline constexpr std::string_view kMetaFilteredHeadPrefix = "fhead/";     // + origin: seq u64 BE + hash 32 B
// Start-up snapshots (domain/till_snapshot.h): derived state of this node at a
// position of its own chain, never trusted beyond what the log proves.
inline constexpr std::string_view kMetaSnapshotPrefix = "snapshot/";      // + name: format of its owner

inline std::string LogKey(uint64_t local_seq) { return BigEndian64(local_seq); }

inline std::string OriginKey(std::string_view origin, uint64_t origin_seq) {
  std::string key(origin);
  AppendBigEndian64(key, origin_seq);
  return key;
}

inline std::string StreamPrefix(std::string_view stream) {
  std::string key(stream);
  key.push_back('\0');
  return key;
}

inline std::string StreamKey(std::string_view stream, uint64_t version, std::string_view origin) {
  std::string key = StreamPrefix(stream);
  AppendBigEndian64(key, version);
  key.append(origin);
  return key;
}

// The version encoded in a by_stream key that starts with StreamPrefix(stream).
inline uint64_t StreamKeyVersion(std::string_view key, size_t prefix_size) {
  return ReadBigEndian64(key.substr(prefix_size, 8));
}

inline std::string HeadKey(std::string_view origin) {
  std::string key(kMetaHeadPrefix);
  key.append(origin);
  return key;
}

inline std::string FilteredHeadKey(std::string_view origin) {
  std::string key(kMetaFilteredHeadPrefix);
  key.append(origin);
  return key;
}

inline std::string HeadValue(uint64_t seq, std::string_view hash) {
  std::string value = BigEndian64(seq);
  value.append(hash);
  return value;
}

}  // namespace pos::layout
