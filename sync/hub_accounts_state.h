// HubAccountsState: the hub's accounts folded from the "hub-accounts" stream.
// Plain data, not thread-safe (HubAccounts guards it). Apply() takes events in
// stream order; a malformed payload is kCorruption.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/status.h"
#include "events/event_view.h"
#include "sync/hub_accounts.h"
#include "sync/login_throttle.h"

namespace pos {

// The lookup key of an account name: ASCII lower case (names are unique ignoring case).
std::string AccountKey(std::string_view name);

class HubAccountsState {
 public:
  struct PendingReset {
    std::string new_password_hash;
    std::string till_node_id;  // 16 raw bytes
    int64_t at_us = 0;
  };
  struct Account {
    std::string name;  // as created
    std::string password_hash;
    int64_t created_at_us = 0;
    std::optional<PendingReset> pending_reset;
    std::map<std::string, std::string> known_tills;  // raw node id -> till name, of every till ever admitted
  };

  explicit HubAccountsState(LoginThrottlePolicy policy) : account_failures_(policy), key_failures_(policy) {}

  Status Apply(const EventView& event);

  uint64_t version() const { return version_; }
  const Account* FindAccount(std::string_view name) const;
  // By AccountKey().
  const std::map<std::string, Account>& accounts() const { return accounts_; }
  // Admitted, not revoked tills by raw node id.
  const std::map<std::string, TillAdmission>& admissions() const { return admissions_; }
  const TillAdmission* AdmissionOfKey(std::string_view till_curve_public_key) const;
  // Failed logins per AccountKey() of the name tried.
  const LoginThrottle& account_failures() const { return account_failures_; }
  // Failed logins per till CURVE public key.
  const LoginThrottle& key_failures() const { return key_failures_; }

 private:
  uint64_t version_ = 0;
  std::map<std::string, Account> accounts_;
  std::map<std::string, TillAdmission> admissions_;
  LoginThrottle account_failures_;
  LoginThrottle key_failures_;
};

}  // namespace pos
