#include "sync/sync_wire.h"

#include <set>

#include "events/event_view.h"

namespace pos::sync {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

std::string Finish(FlatBufferBuilder& fbb, syncwire::Body type, Offset<void> body) {
  fbb.Finish(syncwire::CreateMessage(fbb, type, body), syncwire::MessageIdentifier());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

Offset<flatbuffers::Vector<uint8_t>> ByteVector(FlatBufferBuilder& fbb, std::string_view bytes) {
  return fbb.CreateVector(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

Offset<flatbuffers::Vector<Offset<syncwire::OriginPosition>>> Positions(FlatBufferBuilder& fbb,
                                                                        const VersionVector& vector) {
  std::vector<Offset<syncwire::OriginPosition>> positions;
  positions.reserve(vector.size());
  for (const auto& [origin, seq] : vector) {
    positions.push_back(syncwire::CreateOriginPosition(fbb, ByteVector(fbb, origin), seq));
  }
  return fbb.CreateVector(positions);
}

}  // namespace

VersionVector VectorOfHeads(const ChainHeads& heads) {
  VersionVector vector;
  for (const auto& [origin, head] : heads) vector[origin] = head.seq;
  return vector;
}

std::string EncodeHello(const HelloFields& hello) {
  FlatBufferBuilder fbb(256);
  auto id = ByteVector(fbb, hello.till_node_id);
  auto name = fbb.CreateString(hello.till_name);
  auto heads = Positions(fbb, hello.heads);
  auto downstream = Positions(fbb, hello.downstream);
  auto categories = fbb.CreateVector(hello.categories);
  auto backfill_categories = fbb.CreateVector(hello.backfill_categories);
  auto backfill_up_to = Positions(fbb, hello.backfill_up_to);
  auto body = syncwire::CreateHello(fbb, kSyncProtocolVersion, id, name, heads, downstream, hello.mode, categories,
                                    hello.credit, backfill_categories, backfill_up_to);
  return Finish(fbb, syncwire::Body::Hello, body.Union());
}

std::string EncodeWelcome(const WelcomeFields& welcome) {
  FlatBufferBuilder fbb(256);
  auto id = ByteVector(fbb, welcome.hub_node_id);
  auto name = fbb.CreateString(welcome.hub_name);
  auto heads = Positions(fbb, welcome.heads);
  auto body = syncwire::CreateWelcome(fbb, kSyncProtocolVersion, id, name, heads, welcome.credit);
  return Finish(fbb, syncwire::Body::Welcome, body.Union());
}

std::string EncodeBatch(const BatchFields& batch) {
  size_t total = 1024;
  for (const std::string& e : batch.events) total += e.size() + 16;
  FlatBufferBuilder fbb(total);
  std::vector<Offset<syncwire::EventBytes>> events;
  events.reserve(batch.events.size());
  for (const std::string& e : batch.events) events.push_back(syncwire::CreateEventBytes(fbb, ByteVector(fbb, e)));
  auto list = fbb.CreateVector(events);
  auto body =
      syncwire::CreateBatch(fbb, batch.batch_no, list, batch.backlog, batch.oldest_backlog_wall_time_us);
  return Finish(fbb, syncwire::Body::Batch, body.Union());
}

std::string EncodeAck(uint64_t batch_no, const VersionVector& heads, uint32_t credit) {
  FlatBufferBuilder fbb(256);
  auto positions = Positions(fbb, heads);
  return Finish(fbb, syncwire::Body::Ack, syncwire::CreateAck(fbb, batch_no, positions, credit).Union());
}

std::string EncodeHeartbeat(int64_t wall_time_us, uint64_t backlog) {
  FlatBufferBuilder fbb(64);
  return Finish(fbb, syncwire::Body::Heartbeat, syncwire::CreateHeartbeat(fbb, wall_time_us, backlog).Union());
}

std::string EncodeRefusal(syncwire::RefusalKind kind, std::string_view message) {
  FlatBufferBuilder fbb(256);
  auto text = fbb.CreateString(message.data(), message.size());
  return Finish(fbb, syncwire::Body::Refusal, syncwire::CreateRefusal(fbb, kind, text).Union());
}

std::string EncodeLogin(const LoginFields& login) {
  FlatBufferBuilder fbb(256);
  auto account = fbb.CreateString(login.account);
  auto password = fbb.CreateString(login.password);
  auto id = ByteVector(fbb, login.till_node_id);
  auto name = fbb.CreateString(login.till_name);
  auto key = fbb.CreateString(login.till_curve_public_key);
  return Finish(fbb, syncwire::Body::Login,
                syncwire::CreateLogin(fbb, account, password, id, name, key).Union());
}

std::string EncodeLoginReply(bool admitted, std::string_view message, std::string_view hub_node_id,
                             std::string_view hub_name, const VersionVector& heads) {
  FlatBufferBuilder fbb(256);
  auto text = fbb.CreateString(message.data(), message.size());
  auto id = ByteVector(fbb, hub_node_id);
  auto name = fbb.CreateString(hub_name.data(), hub_name.size());
  auto positions = Positions(fbb, heads);
  return Finish(fbb, syncwire::Body::LoginReply,
                syncwire::CreateLoginReply(fbb, admitted, text, id, name, positions).Union());
}

std::string EncodeClaimRequest(uint64_t request_id, std::string_view receipt_stream, std::string_view claimant,
                               std::string_view detail) {
  FlatBufferBuilder fbb(256);
  auto stream = fbb.CreateString(receipt_stream.data(), receipt_stream.size());
  auto who = ByteVector(fbb, claimant);
  auto extra = ByteVector(fbb, detail);
  return Finish(fbb, syncwire::Body::ClaimRequest,
                syncwire::CreateClaimRequest(fbb, request_id, stream, who, extra).Union());
}

std::string EncodeClaimReply(uint64_t request_id, bool granted, std::string_view holder, std::string_view message,
                             std::string_view detail) {
  FlatBufferBuilder fbb(256);
  auto who = ByteVector(fbb, holder);
  auto text = fbb.CreateString(message.data(), message.size());
  auto extra = ByteVector(fbb, detail);
  return Finish(fbb, syncwire::Body::ClaimReply,
                syncwire::CreateClaimReply(fbb, request_id, granted, who, text, extra).Union());
}

std::string EncodePasswordResetRequest(std::string_view account, std::string_view till_node_id,
                                       std::string_view new_password) {
  FlatBufferBuilder fbb(256);
  auto name = fbb.CreateString(account.data(), account.size());
  auto id = ByteVector(fbb, till_node_id);
  auto password = fbb.CreateString(new_password.data(), new_password.size());
  return Finish(fbb, syncwire::Body::PasswordResetRequest,
                syncwire::CreatePasswordResetRequest(fbb, name, id, password).Union());
}

std::string EncodePasswordResetReply(bool accepted, std::string_view message) {
  FlatBufferBuilder fbb(256);
  auto text = fbb.CreateString(message.data(), message.size());
  return Finish(fbb, syncwire::Body::PasswordResetReply,
                syncwire::CreatePasswordResetReply(fbb, accepted, text).Union());
}

std::string EncodeLeaveRequest(std::string_view till_node_id) {
  FlatBufferBuilder fbb(64);
  auto id = ByteVector(fbb, till_node_id);
  return Finish(fbb, syncwire::Body::LeaveRequest, syncwire::CreateLeaveRequest(fbb, id).Union());
}

std::string EncodeLeaveReply(bool accepted, std::string_view message) {
  FlatBufferBuilder fbb(256);
  auto text = fbb.CreateString(message.data(), message.size());
  return Finish(fbb, syncwire::Body::LeaveReply, syncwire::CreateLeaveReply(fbb, accepted, text).Union());
}

Result<const syncwire::Message*> ParseMessage(std::string_view bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 8 || !flatbuffers::BufferHasIdentifier(data, syncwire::MessageIdentifier())) {
    return Status::Corruption("not a sync protocol message (" + std::to_string(bytes.size()) +
                              " bytes without the identifier PSY1)");
  }
  flatbuffers::Verifier verifier(data, bytes.size(), /*max_depth=*/16, /*max_tables=*/1000000);
  if (!syncwire::VerifyMessageBuffer(verifier)) {
    return Status::Corruption("a sync protocol message failed FlatBuffers verification (" +
                              std::to_string(bytes.size()) + " bytes)");
  }
  const syncwire::Message* message = syncwire::GetMessage(data);
  if (message->body_type() == syncwire::Body::NONE || message->body() == nullptr) {
    return Status::Corruption("a sync protocol message without a body (or of a newer protocol)");
  }
  return message;
}

Result<VersionVector> ReadVector(const flatbuffers::Vector<Offset<syncwire::OriginPosition>>* positions) {
  VersionVector vector;
  if (positions == nullptr) return vector;
  for (const syncwire::OriginPosition* position : *positions) {
    std::string_view origin = Bytes(position->origin());
    if (origin.size() != kNodeIdSize) {
      return Status::Corruption("a version vector entry has an origin of " + std::to_string(origin.size()) +
                                " bytes, expected " + std::to_string(kNodeIdSize));
    }
    if (!vector.emplace(std::string(origin), position->seq()).second) {
      return Status::Corruption("a version vector names the same origin twice");
    }
  }
  return vector;
}

std::string_view Bytes(const flatbuffers::Vector<uint8_t>* bytes) {
  if (bytes == nullptr) return {};
  return {reinterpret_cast<const char*>(bytes->data()), bytes->size()};
}

std::string_view Text(const flatbuffers::String* text) {
  if (text == nullptr) return {};
  return text->string_view();
}

std::string_view BodyName(syncwire::Body body) {
  const char* name = syncwire::EnumNameBody(body);
  return name == nullptr || *name == '\0' ? std::string_view("unknown") : std::string_view(name);
}

}  // namespace pos::sync
