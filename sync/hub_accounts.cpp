#include "sync/hub_accounts.h"

#include <openssl/rand.h>

#include <ctime>

#include "engine/bytes.h"
#include "events/event_view.h"
#include "events/node_generated.h"
#include "sync/curve_keys.h"
#include "sync/hub_account_events.h"
#include "sync/hub_accounts_state.h"
#include "sync/password_policy.h"

namespace pos {
namespace {

constexpr size_t kMaxPasswordBytes = 1024;
constexpr size_t kMaxTillNameBytes = 256;
constexpr std::string_view kWrongCredentials = "wrong account name or password";

std::string UtcTime(int64_t micros) {
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

// "in 8 s (at 2026-11-24 20:31:08 UTC)"
std::string RetryWhen(int64_t retry_at_us, int64_t now_us) {
  const int64_t seconds = (retry_at_us - now_us + 999'999) / 1'000'000;
  return "in " + std::to_string(seconds) + " s (at " + UtcTime(retry_at_us) + ")";
}

Status CheckIsHub(const EventStore& store) {
  auto first = store.ReadEvent(1);
  if (!first.ok()) return first.status().WithContext("reading the store's NodeInitialised event");
  auto event = EventView::Parse(*first);
  if (!event.ok()) return event.status().WithContext("reading the store's NodeInitialised event");
  const auto* init = event->PayloadAs<fb::NodeInitialised>();
  if (init == nullptr) return Status::Corruption("the first event of " + store.path() + " is not NodeInitialised");
  if (init->role() != fb::NodeRole::Hub) {
    return Status::FailedPrecondition(store.path() + " is a till's store; hub accounts live in a hub's store "
                                      "(make one with `pos --data DIR init --hub --node-name NAME`)");
  }
  return Status::Ok();
}

Status CheckTillIdentity(std::string_view till_node_id, std::string_view till_curve_public_key) {
  if (till_node_id.size() != kNodeIdSize) {
    return Status::InvalidArgument("a till node id has 16 bytes, this one has " + std::to_string(till_node_id.size()));
  }
  return CheckCurveKeyZ85(till_curve_public_key).WithContext("the till's CURVE public key");
}

}  // namespace

HubAccounts::HubAccounts(EventStore& hub, std::shared_ptr<Clock> clock, HubAccountsOptions options)
    : hub_(hub),
      clock_(std::move(clock)),
      options_(options),
      state_(std::make_unique<HubAccountsState>(options.throttle)) {}

HubAccounts::~HubAccounts() = default;

Result<std::unique_ptr<HubAccounts>> HubAccounts::Open(EventStore& hub, std::shared_ptr<Clock> clock) {
  return Open(hub, std::move(clock), HubAccountsOptions{});
}

Result<std::unique_ptr<HubAccounts>> HubAccounts::Open(EventStore& hub, std::shared_ptr<Clock> clock,
                                                       const HubAccountsOptions& options) {
  if (clock == nullptr) return Status::InvalidArgument("HubAccounts needs a clock");
  if (options.password_iterations < 1) return Status::InvalidArgument("password iterations must be positive");
  POS_RETURN_IF_ERROR(CheckIsHub(hub));
  std::unique_ptr<HubAccounts> accounts(new HubAccounts(hub, std::move(clock), options));
  Status applied;
  POS_RETURN_IF_ERROR(hub.ScanStream(kHubAccountsStream, 1, [&](uint64_t seq, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    applied = event.ok() ? accounts->state_->Apply(*event) : event.status();
    if (!applied.ok()) applied = applied.WithContext("rebuilding hub accounts at local sequence " + std::to_string(seq));
    return applied.ok();
  }));
  POS_RETURN_IF_ERROR(applied);
  return accounts;
}

Status HubAccounts::AppendAndApply(std::vector<NewEvent> events) {
  const uint64_t version = state_->version();
  AppendBatch batch;
  batch.stream = std::string(kHubAccountsStream);
  batch.expected_version = version == 0 ? kNoStream : version;
  batch.user = "hub";
  batch.events = std::move(events);
  POS_ASSIGN_OR_RETURN(AppendReceipt receipt, hub_.Append(std::move(batch)));
  // Apply what was stored (not what was meant), under the exclusive lock.
  std::unique_lock lock(state_mutex_);
  Status applied;
  POS_RETURN_IF_ERROR(hub_.ScanStream(kHubAccountsStream, version + 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    applied = event.ok() ? state_->Apply(*event) : event.status();
    return applied.ok() && event->stream_version() < receipt.stream_version;
  }));
  return applied;
}

const std::string& HubAccounts::DecoyHash() {
  if (decoy_hash_.empty()) {
    std::string random(16, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(random.size()));
    auto hash = HashPassword(ToHex(random), options_.password_iterations);
    decoy_hash_ = hash.ok() ? *hash : "pbkdf2-sha256$1$00$00";
  }
  return decoy_hash_;
}

Status HubAccounts::CreateAccount(std::string_view name, std::string_view password) {
  POS_RETURN_IF_ERROR(CheckAccountName(name));
  POS_RETURN_IF_ERROR(CheckPassword(password));
  std::lock_guard write(write_mutex_);
  if (const auto* existing = state_->FindAccount(name)) {
    return Status::AlreadyExists("hub account '" + existing->name + "' exists already" +
                                 (existing->name == name ? "" : " (names are compared ignoring case)"));
  }
  POS_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.password_iterations));
  return AppendAndApply({hub_account_events::AccountCreated(name, hash, clock_->NowMicros())});
}

Result<TillAdmission> HubAccounts::Login(const LoginAttempt& attempt) {
  POS_RETURN_IF_ERROR(CheckAccountName(attempt.account));
  POS_RETURN_IF_ERROR(CheckTillIdentity(attempt.till_node_id, attempt.till_curve_public_key));
  if (attempt.password.size() > kMaxPasswordBytes) return Status::PermissionDenied(std::string(kWrongCredentials));
  if (attempt.till_name.size() > kMaxTillNameBytes) {
    return Status::InvalidArgument("a till name has at most " + std::to_string(kMaxTillNameBytes) + " bytes");
  }
  std::lock_guard write(write_mutex_);
  const int64_t now = clock_->NowMicros();
  const std::string account_key = AccountKey(attempt.account);
  if (const int64_t retry_at = state_->account_failures().RetryAt(account_key); retry_at > now) {
    return Status::Unavailable("too many failed logins to account '" + attempt.account + "'; try again " +
                               RetryWhen(retry_at, now));
  }
  if (const int64_t retry_at = state_->key_failures().RetryAt(attempt.till_curve_public_key); retry_at > now) {
    return Status::Unavailable("too many failed logins from this till (its CURVE key); try again " +
                               RetryWhen(retry_at, now));
  }
  const HubAccountsState::Account* account = state_->FindAccount(attempt.account);
  const bool correct = VerifyPassword(attempt.password, account != nullptr ? account->password_hash : DecoyHash());
  if (account == nullptr || !correct) {
    POS_RETURN_IF_ERROR(AppendAndApply({hub_account_events::LoginFailed(attempt, now)}));
    const int64_t retry_at = std::max(state_->account_failures().RetryAt(account_key),
                                      state_->key_failures().RetryAt(attempt.till_curve_public_key));
    return Status::PermissionDenied(std::string(kWrongCredentials) +
                                    (retry_at > now ? "; the next attempt is accepted " + RetryWhen(retry_at, now) : ""));
  }
  if (account->pending_reset) {
    return Status::FailedPrecondition("a password reset of account '" + account->name +
                                      "' awaits approval at the hub (`pos hub password-reset approve --account " +
                                      account->name + "`); log in with the new password after that");
  }
  if (const TillAdmission* holder = state_->AdmissionOfKey(attempt.till_curve_public_key);
      holder != nullptr && holder->till_node_id != attempt.till_node_id) {
    return Status::InvalidArgument("this CURVE key is already admitted for till " + ToHex(holder->till_node_id) +
                                   " ('" + holder->till_name + "'); every till needs its own key pair");
  }
  TillAdmission admission{account->name, attempt.till_node_id, attempt.till_curve_public_key, attempt.till_name, now};
  POS_RETURN_IF_ERROR(AppendAndApply({hub_account_events::TillAdmitted(admission)}));
  return admission;
}

std::optional<std::string> HubAccounts::AccountOfKey(std::string_view till_curve_public_key) const {
  std::shared_lock lock(state_mutex_);
  const TillAdmission* admission = state_->AdmissionOfKey(till_curve_public_key);
  if (admission == nullptr) return std::nullopt;
  return admission->account;
}

std::vector<TillAdmission> HubAccounts::TillsOf(std::string_view account) const {
  std::shared_lock lock(state_mutex_);
  const std::string key = AccountKey(account);
  std::vector<TillAdmission> tills;
  for (const auto& [node_id, admission] : state_->admissions()) {
    if (AccountKey(admission.account) == key) tills.push_back(admission);
  }
  return tills;
}

Status HubAccounts::RevokeTill(std::string_view till_node_id) {
  if (till_node_id.size() != kNodeIdSize) {
    return Status::InvalidArgument("a till node id has 16 bytes, this one has " + std::to_string(till_node_id.size()));
  }
  std::lock_guard write(write_mutex_);
  auto it = state_->admissions().find(std::string(till_node_id));
  if (it == state_->admissions().end()) {
    return Status::NotFound("till " + ToHex(till_node_id) + " is not admitted to any hub account");
  }
  return AppendAndApply(
      {hub_account_events::TillRevoked(it->second, hub_account_events::kRevokedLeft, clock_->NowMicros())});
}

Status HubAccounts::RequestPasswordReset(std::string_view account, std::string_view till_node_id,
                                         std::string_view new_password) {
  POS_RETURN_IF_ERROR(CheckPassword(new_password).WithContext("the new password"));
  if (till_node_id.size() != kNodeIdSize) {
    return Status::InvalidArgument("a till node id has 16 bytes, this one has " + std::to_string(till_node_id.size()));
  }
  std::lock_guard write(write_mutex_);
  const HubAccountsState::Account* found = state_->FindAccount(account);
  if (found == nullptr || !found->known_tills.contains(std::string(till_node_id))) {
    return Status::PermissionDenied("till " + ToHex(till_node_id) + " has never been admitted to account '" +
                                    std::string(account) +
                                    "'; only a till that was logged in to the account can ask for a password reset");
  }
  POS_ASSIGN_OR_RETURN(std::string hash, HashPassword(new_password, options_.password_iterations));
  const int64_t now = clock_->NowMicros();
  const std::string key = AccountKey(account);
  std::vector<NewEvent> events;
  for (const auto& [node_id, admission] : state_->admissions()) {
    if (AccountKey(admission.account) == key) {
      events.push_back(hub_account_events::TillRevoked(admission, hub_account_events::kRevokedPasswordReset, now));
    }
  }
  events.push_back(hub_account_events::PasswordResetRequested(found->name, till_node_id, hash, now));
  return AppendAndApply(std::move(events));
}

Status HubAccounts::ApprovePasswordReset(std::string_view account) {
  std::lock_guard write(write_mutex_);
  const HubAccountsState::Account* found = state_->FindAccount(account);
  if (found == nullptr) return Status::NotFound("there is no hub account '" + std::string(account) + "'");
  if (!found->pending_reset) {
    return Status::FailedPrecondition("account '" + found->name +
                                      "' has no pending password reset (see `pos hub password-reset list`)");
  }
  return AppendAndApply({hub_account_events::PasswordResetApproved(found->name, clock_->NowMicros())});
}

std::vector<PendingPasswordReset> HubAccounts::PendingResets() const {
  std::shared_lock lock(state_mutex_);
  std::vector<PendingPasswordReset> pending;
  for (const auto& [key, account] : state_->accounts()) {
    if (account.pending_reset) {
      const std::string& node_id = account.pending_reset->till_node_id;
      auto till = account.known_tills.find(node_id);
      pending.push_back({account.name, node_id, till != account.known_tills.end() ? till->second : "",
                         account.pending_reset->at_us});
    }
  }
  return pending;
}

std::vector<HubAccountSummary> HubAccounts::Accounts() const {
  std::shared_lock lock(state_mutex_);
  std::vector<HubAccountSummary> summaries;
  for (const auto& [key, account] : state_->accounts()) {
    HubAccountSummary summary;
    summary.name = account.name;
    summary.created_at_us = account.created_at_us;
    for (const auto& [node_id, admission] : state_->admissions()) {
      if (AccountKey(admission.account) == key) ++summary.admitted_tills;
    }
    summary.reset_pending = account.pending_reset.has_value();
    summary.failed_logins = state_->account_failures().Failures(key);
    summary.login_retry_at_us = state_->account_failures().RetryAt(key);
    if (auto parameters = ParsePasswordHash(account.password_hash); parameters.ok()) {
      summary.password_algorithm = parameters->algorithm;
      summary.password_iterations = parameters->iterations;
    }
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

}  // namespace pos
