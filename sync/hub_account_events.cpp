#include "sync/hub_account_events.h"

#include "engine/bytes.h"
#include "events/hub_accounts_generated.h"

namespace pos::hub_account_events {
namespace {

NewEvent Finish(EventType type, flatbuffers::FlatBufferBuilder& builder) {
  return NewEvent{type, {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()}};
}

}  // namespace

NewEvent AccountCreated(std::string_view account, std::string_view password_hash, int64_t at_us) {
  flatbuffers::FlatBufferBuilder b;
  auto name = b.CreateString(account.data(), account.size());
  auto hash = b.CreateString(password_hash.data(), password_hash.size());
  b.Finish(fb::CreateHubAccountCreated(b, name, hash, at_us));
  return Finish(EventType::kHubAccountCreated, b);
}

NewEvent TillAdmitted(const TillAdmission& admission) {
  flatbuffers::FlatBufferBuilder b;
  auto account = b.CreateString(admission.account);
  auto node = b.CreateString(ToHex(admission.till_node_id));
  auto name = b.CreateString(admission.till_name);
  auto key = b.CreateString(admission.till_curve_public_key);
  b.Finish(fb::CreateTillAdmitted(b, account, node, name, key, admission.admitted_at_us));
  return Finish(EventType::kTillAdmitted, b);
}

NewEvent LoginFailed(const LoginAttempt& attempt, int64_t at_us) {
  flatbuffers::FlatBufferBuilder b;
  auto account = b.CreateString(attempt.account);
  auto node = b.CreateString(ToHex(attempt.till_node_id));
  auto name = b.CreateString(attempt.till_name);
  auto key = b.CreateString(attempt.till_curve_public_key);
  b.Finish(fb::CreateLoginFailed(b, account, node, name, key, at_us));
  return Finish(EventType::kLoginFailed, b);
}

NewEvent TillRevoked(const TillAdmission& admission, std::string_view reason, int64_t at_us) {
  flatbuffers::FlatBufferBuilder b;
  auto account = b.CreateString(admission.account);
  auto node = b.CreateString(ToHex(admission.till_node_id));
  auto key = b.CreateString(admission.till_curve_public_key);
  auto why = b.CreateString(reason.data(), reason.size());
  b.Finish(fb::CreateTillRevoked(b, account, node, key, why, at_us));
  return Finish(EventType::kTillRevoked, b);
}

NewEvent PasswordResetRequested(std::string_view account, std::string_view till_node_id,
                                std::string_view new_password_hash, int64_t at_us) {
  flatbuffers::FlatBufferBuilder b;
  auto name = b.CreateString(account.data(), account.size());
  auto node = b.CreateString(ToHex(till_node_id));
  auto hash = b.CreateString(new_password_hash.data(), new_password_hash.size());
  b.Finish(fb::CreatePasswordResetRequested(b, name, node, hash, at_us));
  return Finish(EventType::kPasswordResetRequested, b);
}

NewEvent PasswordResetApproved(std::string_view account, int64_t at_us) {
  flatbuffers::FlatBufferBuilder b;
  auto name = b.CreateString(account.data(), account.size());
  b.Finish(fb::CreatePasswordResetApproved(b, name, at_us));
  return Finish(EventType::kPasswordResetApproved, b);
}

}  // namespace pos::hub_account_events
