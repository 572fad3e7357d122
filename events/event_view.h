// EventView: a read-only, zero-copy view of one stored event's bytes.
//
// Parse() checks the FlatBuffers structure of the envelope and body (never trust
// bytes from disk or a peer); VerifyHash() checks hash = SHA-256(body).
// The view borrows the bytes: they must outlive it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/sha256.h"
#include "engine/status.h"

namespace pos {
namespace fb {
struct Event;
struct EventBody;
}  // namespace fb

inline constexpr size_t kNodeIdSize = 16;
inline constexpr size_t kHashSize = 32;
inline constexpr size_t kMaxStreamLength = 256;

class EventView {
 public:
  static Result<EventView> Parse(std::string_view bytes);

  std::string_view bytes() const { return bytes_; }
  std::string_view origin() const;  // 16 raw bytes
  uint64_t origin_seq() const;
  std::string_view stream() const;
  uint64_t stream_version() const;
  uint32_t type() const;
  uint64_t hlc() const;
  int64_t wall_time_us() const;
  std::string_view user() const;
  std::string_view prev_hash() const;  // 32 raw bytes
  std::string_view hash() const;       // 32 raw bytes
  std::span<const uint8_t> payload() const;
  std::string_view body_bytes() const;

  // Ok when the stored hash equals SHA-256 of the body bytes.
  Status VerifyHash() const;
  // Ok when the payload is a well-formed buffer of a known type.
  Status VerifyPayload() const;

  // The payload as its generated table, or nullptr when it is of another type
  // or malformed.
  template <typename Table>
  const Table* PayloadAs() const;

 private:
  EventView(std::string_view bytes, const fb::Event* event, const fb::EventBody* body)
      : bytes_(bytes), event_(event), body_(body) {}

  std::string_view bytes_;
  const fb::Event* event_;
  const fb::EventBody* body_;
};

// Checks that a stream name is usable as a key: 1..256 bytes, no NUL byte.
Status ValidateStreamName(std::string_view stream);

}  // namespace pos

#include "events/event_view_inl.h"
