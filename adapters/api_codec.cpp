#include "adapters/api_codec.h"

#include <cstring>

namespace pos::api {

AlignedBytes::AlignedBytes(std::string_view bytes)
    : words_(new uint64_t[bytes.size() / sizeof(uint64_t) + 1]), size_(bytes.size()) {
  if (!bytes.empty()) std::memcpy(words_.get(), bytes.data(), bytes.size());
}

std::string FinishRequest(flatbuffers::FlatBufferBuilder& fbb, uint64_t request_id, Command type,
                          flatbuffers::Offset<void> command) {
  FinishRequestBuffer(fbb, CreateRequest(fbb, request_id, type, command));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

std::string ErrorReplyBytes(uint64_t request_id, const pos::Status& status) {
  flatbuffers::FlatBufferBuilder fbb(256);
  auto code = fbb.CreateString(std::string(pos::StatusCodeName(status.code())));
  auto message = fbb.CreateString(status.message());
  auto reply = CreateReply(fbb, request_id, false, code, message, ResultData::NONE, 0);
  fbb.Finish(reply, RequestIdentifier());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

uint64_t PeekRequestId(std::string_view request_bytes) {
  if (request_bytes.size() > kMaxMessageBytes) return 0;
  AlignedBytes bytes(request_bytes);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), kMaxDepth, kMaxTables);
  if (!VerifyRequestBuffer(verifier)) return 0;
  return GetRequest(bytes.data())->request_id();
}

ReplyMessage::ReplyMessage(std::string_view bytes) : bytes_(std::make_shared<AlignedBytes>(bytes)) {}

pos::Result<ReplyMessage> ReplyMessage::Parse(std::string_view bytes) {
  if (bytes.size() > kMaxMessageBytes) {
    return pos::Status::Corruption("reply of " + std::to_string(bytes.size()) + " bytes exceeds the " +
                                   std::to_string(kMaxMessageBytes) + "-byte limit");
  }
  ReplyMessage message(bytes);
  flatbuffers::Verifier verifier(message.bytes_->data(), message.bytes_->size(), kMaxDepth, kMaxTables);
  if (!verifier.VerifyBuffer<Reply>(RequestIdentifier())) {
    return pos::Status::Corruption("the reply is not a valid pos.api.Reply buffer");
  }
  message.reply_ = flatbuffers::GetRoot<Reply>(message.bytes_->data());
  return message;
}

pos::Status ReplyMessage::status() const {
  if (reply_->ok()) return pos::Status::Ok();
  std::string code = reply_->error_code() != nullptr ? reply_->error_code()->str() : "";
  std::string text = reply_->error_message() != nullptr ? reply_->error_message()->str() : "";
  pos::StatusCode parsed = StatusCodeFromName(code);
  if (parsed == pos::StatusCode::kOk) parsed = pos::StatusCode::kInternal;  // ok = false must be an error
  return pos::Status(parsed, text.empty() ? "the command failed (no message)" : text);
}

pos::StatusCode StatusCodeFromName(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(pos::StatusCode::kInternal); ++i) {
    auto code = static_cast<pos::StatusCode>(i);
    if (pos::StatusCodeName(code) == name) return code;
  }
  return pos::StatusCode::kInternal;
}

}  // namespace pos::api
