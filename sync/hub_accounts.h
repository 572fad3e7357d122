// HubAccounts: the site hub's accounts and which tills each has admitted,
// event-sourced in the hub's own EventStore (stream "hub-accounts", events
// 720-739 of events/hub_accounts.fbs, category account: never sent to a till).
// See docs/sync.md, "Accounts and security".
//
// Rules:
// - An account name has the form of an e-mail address; names are unique
//   ignoring ASCII case, and found ignoring case. Passwords follow
//   sync/password_policy.h and are stored only as PBKDF2 hashes.
// - Login: a till presents the account name and password with its node id,
//   name and CURVE public key. Success admits that key for the account
//   (TillAdmitted); the ZAP handler then maps the key to the account. Failure
//   records LoginFailed and answers only "wrong account name or password".
// - Throttling (sync/login_throttle.h) counts failures per account name AND per
//   till CURVE key; while either is throttled an attempt is refused (kUnavailable,
//   naming when to retry) without checking the password and without an event.
//   A successful login resets both counters.
// - One CURVE key belongs to one till: a key admitted for till A is refused for till B.
// - Password reset: a till that was once admitted to the account asks for it with
//   a new password (policy checked). Every admission of the account ends at once
//   (TillRevoked "password-reset"); logins are refused until an admin approves at
//   the hub, which puts the new password in force.
// - Thread-safe: readers (the ZAP thread, the session thread) never wait for a
//   disk write; writers are serialised. State is rebuilt from the log at Open.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.h"
#include "engine/event_store.h"
#include "engine/status.h"
#include "sync/login_throttle.h"
#include "sync/password_hash.h"

namespace pos {

inline constexpr std::string_view kHubAccountsStream = "hub-accounts";

struct LoginAttempt {
  std::string account;
  std::string password;
  std::string till_node_id;           // 16 raw bytes
  std::string till_name;
  std::string till_curve_public_key;  // Z85, 40 characters
};

struct TillAdmission {
  std::string account;
  std::string till_node_id;           // 16 raw bytes
  std::string till_curve_public_key;  // Z85, 40 characters
  std::string till_name;
  int64_t admitted_at_us = 0;         // the hub's clock
};

struct PendingPasswordReset {
  std::string account;
  std::string requested_by_till_node_id;  // 16 raw bytes
  std::string requested_by_till_name;
  int64_t requested_at_us = 0;
};

struct HubAccountSummary {
  std::string name;
  int64_t created_at_us = 0;
  size_t admitted_tills = 0;
  bool reset_pending = false;
  int failed_logins = 0;        // consecutive, since the last success
  int64_t login_retry_at_us = 0;  // 0: not throttled
  std::string password_algorithm;  // e.g. "pbkdf2-sha256"
  int password_iterations = 0;
};

struct HubAccountsOptions {
  int password_iterations = kPasswordIterations;
  LoginThrottlePolicy throttle;
};

class HubAccountsState;

class HubAccounts {
 public:
  using LoginAttempt = pos::LoginAttempt;
  using TillAdmission = pos::TillAdmission;

  // Refuses a store that is not a hub's (made by `pos init --hub`).
  static Result<std::unique_ptr<HubAccounts>> Open(EventStore& hub, std::shared_ptr<Clock> clock);
  static Result<std::unique_ptr<HubAccounts>> Open(EventStore& hub, std::shared_ptr<Clock> clock,
                                                   const HubAccountsOptions& options);
  ~HubAccounts();
  HubAccounts(const HubAccounts&) = delete;
  HubAccounts& operator=(const HubAccounts&) = delete;

  Status CreateAccount(std::string_view name, std::string_view password);

  Result<TillAdmission> Login(const LoginAttempt& attempt);

  // The account whose admitted (and not revoked) till holds this key.
  std::optional<std::string> AccountOfKey(std::string_view till_curve_public_key) const;
  std::vector<TillAdmission> TillsOf(std::string_view account) const;
  // Ends a till's admission (`pos sync leave`); kNotFound when it is not admitted.
  Status RevokeTill(std::string_view till_node_id);

  Status RequestPasswordReset(std::string_view account, std::string_view till_node_id,
                              std::string_view new_password);
  Status ApprovePasswordReset(std::string_view account);
  std::vector<PendingPasswordReset> PendingResets() const;

  // Every account, by name.
  std::vector<HubAccountSummary> Accounts() const;

 private:
  HubAccounts(EventStore& hub, std::shared_ptr<Clock> clock, HubAccountsOptions options);
  // Appends `events` to the accounts stream at the state's version and applies
  // what was stored. Caller holds write_mutex_.
  Status AppendAndApply(std::vector<NewEvent> events);
  // A hash of a random password, verified against for unknown accounts so a
  // login takes as long whether or not the account exists. Caller holds write_mutex_.
  const std::string& DecoyHash();

  EventStore& hub_;
  std::shared_ptr<Clock> clock_;
  HubAccountsOptions options_;
  std::mutex write_mutex_;                // serialises decide + append + apply
  mutable std::shared_mutex state_mutex_;  // guards state_ (shared for reads)
  std::unique_ptr<HubAccountsState> state_;
  std::string decoy_hash_;
};

}  // namespace pos
