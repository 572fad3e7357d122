// The payloads of the hub account events (events/hub_accounts.fbs), built from
// the account types. Node ids are raw 16 bytes here and hex in the events.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/event_store.h"
#include "sync/hub_accounts.h"

namespace pos::hub_account_events {

NewEvent AccountCreated(std::string_view account, std::string_view password_hash, int64_t at_us);
NewEvent TillAdmitted(const TillAdmission& admission);
// Records who tried, never the password tried.
NewEvent LoginFailed(const LoginAttempt& attempt, int64_t at_us);
NewEvent TillRevoked(const TillAdmission& admission, std::string_view reason, int64_t at_us);
NewEvent PasswordResetRequested(std::string_view account, std::string_view till_node_id,
                                std::string_view new_password_hash, int64_t at_us);
NewEvent PasswordResetApproved(std::string_view account, int64_t at_us);

inline constexpr std::string_view kRevokedLeft = "left";
inline constexpr std::string_view kRevokedPasswordReset = "password-reset";

}  // namespace pos::hub_account_events
