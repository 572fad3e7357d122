#include "events/event_encoding.h"

#include "engine/sha256.h"
#include "events/envelope_generated.h"

namespace pos {

SealedEvent SealEvent(const EventBodyFields& fields) {
  flatbuffers::FlatBufferBuilder body_builder(256 + fields.payload.size());
  auto as_bytes = [](std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); };
  auto origin = body_builder.CreateVector(as_bytes(fields.origin), fields.origin.size());
  auto stream = body_builder.CreateString(fields.stream.data(), fields.stream.size());
  auto user = body_builder.CreateString(fields.user.data(), fields.user.size());
  auto prev_hash = body_builder.CreateVector(as_bytes(fields.prev_hash), fields.prev_hash.size());
  body_builder.ForceVectorAlignment(fields.payload.size(), 1, 8);
  auto payload = body_builder.CreateVector(fields.payload.data(), fields.payload.size());
  fb::EventBodyBuilder body(body_builder);
  body.add_origin(origin);
  body.add_origin_seq(fields.origin_seq);
  body.add_stream(stream);
  body.add_stream_version(fields.stream_version);
  body.add_type(fields.type);
  body.add_hlc(fields.hlc);
  body.add_wall_time_us(fields.wall_time_us);
  body.add_user(user);
  body.add_prev_hash(prev_hash);
  body.add_payload(payload);
  body_builder.Finish(body.Finish());

  std::string_view body_bytes(reinterpret_cast<const char*>(body_builder.GetBufferPointer()),
                              body_builder.GetSize());
  Sha256Digest digest = Sha256(body_bytes);

  flatbuffers::FlatBufferBuilder event_builder(body_bytes.size() + 96);
  event_builder.ForceVectorAlignment(body_bytes.size(), 1, 8);
  auto body_vector = event_builder.CreateVector(body_builder.GetBufferPointer(), body_builder.GetSize());
  auto hash_vector = event_builder.CreateVector(digest.data(), digest.size());
  event_builder.Finish(fb::CreateEvent(event_builder, body_vector, hash_vector));

  SealedEvent sealed;
  sealed.bytes.assign(reinterpret_cast<const char*>(event_builder.GetBufferPointer()), event_builder.GetSize());
  sealed.hash.assign(reinterpret_cast<const char*>(digest.data()), digest.size());
  return sealed;
}

}  // namespace pos
