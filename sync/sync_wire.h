// The sync protocol's messages (sync/sync_protocol.fbs, docs/sync.md): building
// their bytes and checking received bytes before anything reads them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event_store.h"
#include "engine/status.h"
#include "sync/sync_protocol_generated.h"

namespace pos::sync {

// Raised when the meaning of an existing field changes (docs/sync.md "Versioning").
inline constexpr uint32_t kSyncProtocolVersion = 1;
// Bounds of one Batch: whichever is reached first.
inline constexpr size_t kMaxBatchEvents = 2000;
inline constexpr size_t kMaxBatchBytes = 4 * 1024 * 1024;
// ZeroMQ drops a connection that sends a bigger message (ZMQ_MAXMSGSIZE).
inline constexpr int64_t kMaxMessageBytes = 16 * 1024 * 1024;
// Batches a receiver grants at the start of a connection.
inline constexpr uint32_t kInitialCredit = 4;

// origin node id (16 raw bytes) -> origin_seq.
using VersionVector = std::map<std::string, uint64_t>;

VersionVector VectorOfHeads(const ChainHeads& heads);

struct HelloFields {
  std::string till_node_id;
  std::string till_name;
  VersionVector heads;
  VersionVector downstream;
  uint8_t mode = 0;
  std::vector<uint8_t> categories;
  uint32_t credit = kInitialCredit;
  std::vector<uint8_t> backfill_categories;  // EventCategory values (sync/mode_backfill.h)
  VersionVector backfill_up_to;
};

struct WelcomeFields {
  std::string hub_node_id;
  std::string hub_name;
  VersionVector heads;
  uint32_t credit = kInitialCredit;
};

struct BatchFields {
  uint64_t batch_no = 0;
  std::vector<std::string> events;  // event bytes as stored
  uint64_t backlog = 0;
  int64_t oldest_backlog_wall_time_us = 0;
};

struct LoginFields {
  std::string account;
  std::string password;
  std::string till_node_id;
  std::string till_name;
  std::string till_curve_public_key;
};

std::string EncodeHello(const HelloFields& hello);
std::string EncodeWelcome(const WelcomeFields& welcome);
std::string EncodeBatch(const BatchFields& batch);
std::string EncodeAck(uint64_t batch_no, const VersionVector& heads, uint32_t credit);
std::string EncodeHeartbeat(int64_t wall_time_us, uint64_t backlog);
std::string EncodeRefusal(syncwire::RefusalKind kind, std::string_view message);
std::string EncodeLogin(const LoginFields& login);
std::string EncodeLoginReply(bool admitted, std::string_view message, std::string_view hub_node_id,
                             std::string_view hub_name, const VersionVector& heads = {});
std::string EncodeClaimRequest(uint64_t request_id, std::string_view receipt_stream, std::string_view claimant,
                               std::string_view detail);
std::string EncodeClaimReply(uint64_t request_id, bool granted, std::string_view holder, std::string_view message,
                             std::string_view detail);
std::string EncodePasswordResetRequest(std::string_view account, std::string_view till_node_id,
                                       std::string_view new_password);
std::string EncodePasswordResetReply(bool accepted, std::string_view message);
std::string EncodeLeaveRequest(std::string_view till_node_id);
std::string EncodeLeaveReply(bool accepted, std::string_view message);

// The verified root of `bytes`, or kCorruption naming what is wrong. Valid while `bytes` lives.
Result<const syncwire::Message*> ParseMessage(std::string_view bytes);

// A checked version vector: every origin 16 bytes, no origin twice.
Result<VersionVector> ReadVector(const flatbuffers::Vector<flatbuffers::Offset<syncwire::OriginPosition>>* positions);
// Raw bytes of a [ubyte] field ("" when absent).
std::string_view Bytes(const flatbuffers::Vector<uint8_t>* bytes);
std::string_view Text(const flatbuffers::String* text);
std::string_view BodyName(syncwire::Body body);

}  // namespace pos::sync
