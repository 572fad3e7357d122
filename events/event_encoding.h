// Building the bytes of an event: the body first, then the envelope whose hash
// is SHA-256 over exactly those body bytes. Only the log writer seals events;
// replicated events are stored as received.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pos {

struct EventBodyFields {
  std::string_view origin;     // 16 bytes
  uint64_t origin_seq = 0;
  std::string_view stream;
  uint64_t stream_version = 0;
  uint32_t type = 0;
  uint64_t hlc = 0;
  int64_t wall_time_us = 0;
  std::string_view user;
  std::string_view prev_hash;  // 32 bytes
  std::span<const uint8_t> payload;
};

struct SealedEvent {
  std::string bytes;  // the Event buffer, as stored and replicated
  std::string hash;   // 32 raw bytes, for the next event's prev_hash
};

SealedEvent SealEvent(const EventBodyFields& fields);

}  // namespace pos
