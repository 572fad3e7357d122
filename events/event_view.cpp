#include "events/event_view.h"

#include <algorithm>

#include "engine/bytes.h"
#include "events/envelope_generated.h"
#include "events/event_types.h"

namespace pos {
namespace {

std::string_view View(const flatbuffers::Vector<uint8_t>* vector) {
  if (vector == nullptr) return {};
  return {reinterpret_cast<const char*>(vector->data()), vector->size()};
}
std::string_view View(const flatbuffers::String* string) {
  if (string == nullptr) return {};
  return {string->data(), string->size()};
}

}  // namespace

Result<EventView> EventView::Parse(std::string_view bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  flatbuffers::Verifier outer(data, bytes.size());
  if (!outer.VerifyBuffer<fb::Event>(nullptr)) {
    return Status::Corruption("event bytes are not a well-formed Event envelope");
  }
  const fb::Event* event = flatbuffers::GetRoot<fb::Event>(data);
  if (event->body() == nullptr || event->hash() == nullptr || event->hash()->size() != kHashSize) {
    return Status::Corruption("event envelope lacks its body or a 32-byte hash");
  }
  flatbuffers::Verifier inner(event->body()->data(), event->body()->size());
  if (!inner.VerifyBuffer<fb::EventBody>(nullptr)) {
    return Status::Corruption("event body is not a well-formed EventBody");
  }
  const fb::EventBody* body = flatbuffers::GetRoot<fb::EventBody>(event->body()->data());
  if (body->origin() == nullptr || body->origin()->size() != kNodeIdSize) {
    return Status::Corruption("event body lacks a 16-byte origin node id");
  }
  if (body->prev_hash() == nullptr || body->prev_hash()->size() != kHashSize) {
    return Status::Corruption("event body lacks a 32-byte previous hash");
  }
  if (body->origin_seq() == 0) return Status::Corruption("event origin_seq is 0; sequences start at 1");
  Status stream_ok = ValidateStreamName(View(body->stream()));
  if (!stream_ok.ok()) return stream_ok.WithContext("event stream");
  return EventView(bytes, event, body);
}

std::string_view EventView::origin() const { return View(body_->origin()); }
uint64_t EventView::origin_seq() const { return body_->origin_seq(); }
std::string_view EventView::stream() const { return View(body_->stream()); }
uint64_t EventView::stream_version() const { return body_->stream_version(); }
uint32_t EventView::type() const { return body_->type(); }
uint64_t EventView::hlc() const { return body_->hlc(); }
int64_t EventView::wall_time_us() const { return body_->wall_time_us(); }
std::string_view EventView::user() const { return View(body_->user()); }
std::string_view EventView::prev_hash() const { return View(body_->prev_hash()); }
std::string_view EventView::hash() const { return View(event_->hash()); }
std::string_view EventView::body_bytes() const { return View(event_->body()); }

std::span<const uint8_t> EventView::payload() const {
  if (body_->payload() == nullptr) return {};
  return {body_->payload()->data(), body_->payload()->size()};
}

Status EventView::VerifyHash() const {
  Sha256Digest digest = Sha256(body_bytes());
  if (!std::equal(digest.begin(), digest.end(), reinterpret_cast<const uint8_t*>(hash().data()))) {
    return Status::Corruption("hash mismatch: stored " + ToHex(hash()) + ", body hashes to " +
                              ToHex(std::span<const uint8_t>(digest)));
  }
  return Status::Ok();
}

Status EventView::VerifyPayload() const {
  const EventTypeInfo* info = FindEventType(type());
  if (info == nullptr) {
    return Status::Unsupported("unknown event type " + std::to_string(type()) +
                               " (written by a newer version of pos?)");
  }
  std::span<const uint8_t> bytes = payload();
  if (!info->verify_payload(bytes.data(), bytes.size())) {
    return Status::Corruption("payload of " + std::string(info->name) + " is malformed");
  }
  return Status::Ok();
}

Status ValidateStreamName(std::string_view stream) {
  if (stream.empty()) return Status::InvalidArgument("stream name is empty");
  if (stream.size() > kMaxStreamLength) {
    return Status::InvalidArgument("stream name is longer than 256 bytes");
  }
  if (stream.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("stream name contains a NUL byte");
  }
  return Status::Ok();
}

}  // namespace pos
