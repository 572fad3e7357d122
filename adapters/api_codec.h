// The command API's wire helpers shared by the dispatcher, the CLI and front ends
// written in C++: finishing a Request, and verifying and reading a Reply.
// The messages themselves are adapters/api.fbs (docs/api.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <flatbuffers/flatbuffers.h>

#include "adapters/api_generated.h"
#include "engine/status.h"

namespace pos::api {

// Limits every receiver of API messages enforces before reading them.
inline constexpr size_t kMaxMessageBytes = 64 * 1024;
inline constexpr flatbuffers::uoffset_t kMaxDepth = 16;
inline constexpr flatbuffers::uoffset_t kMaxTables = 1000;

// A copy of message bytes at an 8-byte aligned address, as the FlatBuffers
// verifier requires (transport buffers carry no alignment guarantee).
class AlignedBytes {
 public:
  explicit AlignedBytes(std::string_view bytes);
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words_.get()); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<uint64_t[]> words_;
  size_t size_ = 0;
};

// Finishes `fbb` as a Request (with the "PAPI" identifier) and returns its bytes.
std::string FinishRequest(flatbuffers::FlatBufferBuilder& fbb, uint64_t request_id, Command type,
                          flatbuffers::Offset<void> command);

// The bytes of an error Reply: ok = false, the Status's code name and message.
std::string ErrorReplyBytes(uint64_t request_id, const pos::Status& status);

// The request_id of a request that passes verification, else 0 (for replies a
// transport makes itself, e.g. on a timeout).
uint64_t PeekRequestId(std::string_view request_bytes);

// A verified Reply, owning its bytes.
class ReplyMessage {
 public:
  // Verifies `bytes` (size and verifier limits, the "PAPI" identifier).
  static pos::Result<ReplyMessage> Parse(std::string_view bytes);

  const Reply& reply() const { return *reply_; }
  // Ok, or the reply's error as a Status (its code parsed back from the name).
  pos::Status status() const;

 private:
  explicit ReplyMessage(std::string_view bytes);
  std::shared_ptr<AlignedBytes> bytes_;
  const Reply* reply_ = nullptr;
};

// StatusCodeName() backwards: "not found" -> kNotFound; unknown names -> kInternal.
pos::StatusCode StatusCodeFromName(std::string_view name);

}  // namespace pos::api
