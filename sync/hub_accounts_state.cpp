#include "sync/hub_accounts_state.h"

#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/hub_accounts_generated.h"

namespace pos {
namespace {

std::string Str(const flatbuffers::String* s) { return s != nullptr ? s->str() : ""; }

// A node id stored as hex in an event, back to 16 raw bytes.
Result<std::string> NodeId(const flatbuffers::String* hex, std::string_view event_name) {
  auto raw = FromHex(Str(hex));
  if (!raw || raw->size() != kNodeIdSize) {
    return Status::Corruption("a " + std::string(event_name) + " event has a till node id that is not 32 hex digits");
  }
  return std::string(raw->begin(), raw->end());
}

template <typename Table>
Result<const Table*> Payload(const EventView& event, std::string_view name) {
  const Table* payload = event.PayloadAs<Table>();
  if (payload == nullptr) return Status::Corruption("malformed " + std::string(name) + " event in the hub-accounts stream");
  return payload;
}

}  // namespace

std::string AccountKey(std::string_view name) {
  std::string key(name);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

const HubAccountsState::Account* HubAccountsState::FindAccount(std::string_view name) const {
  auto it = accounts_.find(AccountKey(name));
  return it == accounts_.end() ? nullptr : &it->second;
}

const TillAdmission* HubAccountsState::AdmissionOfKey(std::string_view till_curve_public_key) const {
  for (const auto& [node_id, admission] : admissions_) {
    if (admission.till_curve_public_key == till_curve_public_key) return &admission;
  }
  return nullptr;
}

Status HubAccountsState::Apply(const EventView& event) {
  version_ = event.stream_version();
  switch (static_cast<EventType>(event.type())) {
    case EventType::kHubAccountCreated: {
      POS_ASSIGN_OR_RETURN(auto* p, Payload<fb::HubAccountCreated>(event, "HubAccountCreated"));
      Account account;
      account.name = Str(p->account());
      account.password_hash = Str(p->password_hash());
      account.created_at_us = p->at_us();
      accounts_[AccountKey(account.name)] = std::move(account);
      break;
    }
    case EventType::kTillAdmitted: {
      POS_ASSIGN_OR_RETURN(auto* p, Payload<fb::TillAdmitted>(event, "TillAdmitted"));
      POS_ASSIGN_OR_RETURN(std::string node_id, NodeId(p->till_node_id(), "TillAdmitted"));
      TillAdmission admission{Str(p->account()), node_id, Str(p->till_curve_public_key()), Str(p->till_name()),
                              p->at_us()};
      const std::string key = AccountKey(admission.account);
      if (auto it = accounts_.find(key); it != accounts_.end()) it->second.known_tills[node_id] = admission.till_name;
      account_failures_.Reset(key);
      key_failures_.Reset(admission.till_curve_public_key);
      admissions_[node_id] = std::move(admission);
      break;
    }
    case EventType::kLoginFailed: {
      POS_ASSIGN_OR_RETURN(auto* p, Payload<fb::LoginFailed>(event, "LoginFailed"));
      account_failures_.RecordFailure(AccountKey(Str(p->account())), p->at_us());
      key_failures_.RecordFailure(Str(p->till_curve_public_key()), p->at_us());
      break;
    }
    case EventType::kTillRevoked: {
      POS_ASSIGN_OR_RETURN(auto* p, Payload<fb::TillRevoked>(event, "TillRevoked"));
      POS_ASSIGN_OR_RETURN(std::string node_id, NodeId(p->till_node_id(), "TillRevoked"));
      admissions_.erase(node_id);
      break;
    }
    case EventType::kPasswordResetRequested: {
      POS_ASSIGN_OR_RETURN(auto* p, Payload<fb::PasswordResetRequested>(event, "PasswordResetRequested"));
      POS_ASSIGN_OR_RETURN(std::string node_id, NodeId(p->till_node_id(), "PasswordResetRequested"));
      auto it = accounts_.find(AccountKey(Str(p->account())));
      if (it == accounts_.end()) return Status::Corruption("a PasswordResetRequested event names an unknown account");
      it->second.pending_reset = PendingReset{Str(p->new_password_hash()), node_id, p->at_us()};
      break;
    }
    case EventType::kPasswordResetApproved: {
      POS_ASSIGN_OR_RETURN(auto* p, Payload<fb::PasswordResetApproved>(event, "PasswordResetApproved"));
      const std::string key = AccountKey(Str(p->account()));
      auto it = accounts_.find(key);
      if (it == accounts_.end() || !it->second.pending_reset) {
        return Status::Corruption("a PasswordResetApproved event names an account without a pending reset");
      }
      it->second.password_hash = it->second.pending_reset->new_password_hash;
      it->second.pending_reset.reset();
      account_failures_.Reset(key);
      break;
    }
    default:
      break;  // other types do not belong to this stream; ignored
  }
  return Status::Ok();
}

}  // namespace pos
