// Hub accounts and security (sync/): the password rules, password hashes, CURVE
// key files, HubAccounts on a real hub store (login, throttling, restart,
// password reset), the ZAP handler with real CURVE sockets on loopback, and the
// `pos hub account` / `pos hub password-reset` commands.
#include <sys/stat.h>
#include <sys/wait.h>
#include <zmq.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <zmq.hpp>

#include <nlohmann/json.hpp>

#include "engine/bytes.h"
#include "engine/event_store.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "sync/curve_keys.h"
#include "sync/hub_accounts.h"
#include "sync/login_throttle.h"
#include "sync/password_hash.h"
#include "sync/password_policy.h"
#include "sync/zap_authenticator.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using nlohmann::json;

constexpr std::string_view kGoodPassword = "Kasse-2026!";
constexpr std::string_view kAccount = "kasse@example.com";
constexpr int64_t kSecond = 1'000'000;

bool Contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// ---- Password rules ---------------------------------------------------------

TEST(PasswordPolicyTest, AcceptsAPasswordMeetingEveryRule) {
  EXPECT_TRUE(CheckPassword(kGoodPassword).ok());
  EXPECT_TRUE(CheckPassword("Abcdefg1§").ok()) << "§ is one of the special characters";
  for (char special : std::string_view("!$%&=+*#-.:,;<>")) {
    EXPECT_TRUE(CheckPassword(std::string("Abcdefg1") + special).ok()) << special;
  }
}

TEST(PasswordPolicyTest, EachRuleIsNamedWhenBroken) {
  struct Case {
    std::string password;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {"Abcd1!", "at least 8 characters (it has 6)"},
      {"Abcde1§", "at least 8 characters (it has 7)"},  // 8 bytes, 7 characters
      {"abcdefg1!", "an upper case letter"},
      {"ABCDEFG1!", "a lower case letter"},
      {"Abcdefgh!", "a digit"},
      {"Abcdefgh1", "one of the special characters !§$%&=+*#-.:,;<>"},
      {"Abcdefgh1?", "one of the special characters"},  // '?' is not one of them
      {"Abcd efg1!", "must not contain spaces"},
      {"Abcd\tefg1!", "must not contain spaces"},
  };
  for (const auto& c : cases) {
    Status status = CheckPassword(c.password);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.password;
    EXPECT_TRUE(Contains(status.message(), c.rule)) << c.password << ": " << status.message();
  }
}

TEST(PasswordPolicyTest, EveryBrokenRuleIsNamedAtOnce) {
  Status status = CheckPassword("a b");
  ASSERT_FALSE(status.ok());
  for (std::string_view rule : {"at least 8 characters", "an upper case letter", "a digit",
                                "one of the special characters", "must not contain spaces"}) {
    EXPECT_TRUE(Contains(status.message(), rule)) << rule << " missing from: " << status.message();
  }
  EXPECT_FALSE(Contains(status.message(), "a lower case letter")) << status.message();
}

TEST(PasswordPolicyTest, AccountNamesHaveTheFormOfAnEmailAddress) {
  for (std::string_view good : {"kasse@example.com", "Filiale.3+kasse@shop.example.de", "a@b.co"}) {
    EXPECT_TRUE(CheckAccountName(good).ok()) << good << ": " << CheckAccountName(good).message();
  }
  struct Case {
    std::string name;
    std::string why;
  };
  const std::vector<Case> bad = {
      {"", "empty"},
      {"kasse", "no '@'"},
      {"kasse@localhost", "has no '.'"},
      {"@example.com", "nothing before the '@'"},
      {"kasse@", "nothing after the '@'"},
      {"a@b@example.com", "more than one '@'"},
      {"kas se@example.com", "space"},
      {"kasse..1@example.com", "two dots"},
      {".kasse@example.com", "starts or ends with '.'"},
      {"kasse@-shop.example.com", "starts or ends with '-'"},
      {"kasse@shop..example.com", "empty label"},
      {"kasse@shop_1.example.com", "not '_'"},
  };
  for (const auto& c : bad) {
    Status status = CheckAccountName(c.name);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_TRUE(Contains(status.message(), "e-mail address")) << status.message();
    EXPECT_TRUE(Contains(status.message(), c.why)) << c.name << ": " << status.message();
  }
}

// ---- Password hashes and throttling rules -----------------------------------

TEST(PasswordHashTest, SaltedHashWithAlgorithmAndIterationsBesideIt) {
  auto first = HashPassword(kGoodPassword, 1000);
  auto second = HashPassword(kGoodPassword, 1000);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second) << "each hash has its own salt";
  EXPECT_FALSE(Contains(*first, kGoodPassword));
  EXPECT_TRUE(VerifyPassword(kGoodPassword, *first));
  EXPECT_FALSE(VerifyPassword("Kasse-2026?", *first));
  auto parameters = ParsePasswordHash(*first);
  ASSERT_TRUE(parameters.ok()) << parameters.status().ToString();
  EXPECT_EQ(parameters->algorithm, "pbkdf2-sha256");
  EXPECT_EQ(parameters->iterations, 1000);
  EXPECT_EQ(ParsePasswordHash("garbage").status().code(), StatusCode::kCorruption);
  auto default_hash = HashPassword(kGoodPassword);
  ASSERT_TRUE(default_hash.ok());
  EXPECT_EQ(ParsePasswordHash(*default_hash)->iterations, kPasswordIterations);
}

TEST(LoginThrottleTest, DelayGrowsExponentiallyAndIsCapped) {
  LoginThrottle throttle({.free_failures = 3, .first_delay_us = kSecond, .max_delay_us = 60 * kSecond});
  EXPECT_EQ(throttle.DelayAfter(3), 0);
  EXPECT_EQ(throttle.DelayAfter(4), kSecond);
  EXPECT_EQ(throttle.DelayAfter(5), 2 * kSecond);
  EXPECT_EQ(throttle.DelayAfter(7), 8 * kSecond);
  EXPECT_EQ(throttle.DelayAfter(10), 60 * kSecond);
  EXPECT_EQ(throttle.DelayAfter(1000), 60 * kSecond);
  for (int i = 0; i < 4; ++i) throttle.RecordFailure("k", 100 * kSecond);
  EXPECT_EQ(throttle.RetryAt("k"), 101 * kSecond);
  throttle.Reset("k");
  EXPECT_EQ(throttle.Failures("k"), 0);
  EXPECT_EQ(throttle.RetryAt("k"), 0);
}

// ---- CURVE key files --------------------------------------------------------

TEST(CurveKeysTest, CreatedOnceWithMode0600ThenLoaded) {
  testing::ScratchDir dir;
  const std::string path = dir.Sub("curve.keys");
  EXPECT_EQ(LoadCurveKeys(path).status().code(), StatusCode::kNotFound);
  auto created = LoadOrCreateCurveKeys(path);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->public_key.size(), 40u);
  EXPECT_EQ(created->secret_key.size(), 40u);
  EXPECT_TRUE(CheckCurveKeyZ85(created->public_key).ok());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto again = LoadOrCreateCurveKeys(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key, created->public_key);
  EXPECT_EQ(again->secret_key, created->secret_key);
  EXPECT_EQ(LoadCurveKeys(path)->public_key, created->public_key);
  // No temporary file is left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

TEST(CurveKeysTest, CorruptFileIsAnErrorAndNeverReplaced) {
  testing::ScratchDir dir;
  const std::string path = dir.Sub("curve.keys");
  ASSERT_TRUE(LoadOrCreateCurveKeys(path).ok());
  const std::string original = ReadFile(path);

  // A secret key that does not derive the stored public key.
  std::string damaged = original;
  const size_t secret = damaged.find("secret-key ") + 11;
  damaged[secret] = damaged[secret] == 'a' ? 'b' : 'a';
  WriteFile(path, damaged);
  auto loaded = LoadOrCreateCurveKeys(path);
  EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(Contains(loaded.status().message(), path)) << loaded.status().message();
  EXPECT_EQ(ReadFile(path), damaged) << "a corrupt key file must be left as it is";

  WriteFile(path, "public-key short\n");
  EXPECT_EQ(LoadOrCreateCurveKeys(path).status().code(), StatusCode::kCorruption);
  WriteFile(path, "");
  auto empty = LoadOrCreateCurveKeys(path);
  EXPECT_EQ(empty.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(Contains(empty.status().message(), "no public-key line")) << empty.status().message();
  EXPECT_EQ(ReadFile(path), "");

  WriteFile(path, original);
  ::chmod(path.c_str(), 0644);
  auto readable = LoadCurveKeys(path);
  EXPECT_EQ(readable.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(Contains(readable.status().message(), "chmod 600")) << readable.status().message();
}

// ---- HubAccounts on a real hub store ----------------------------------------

std::string NodeId(char fill) { return std::string(kNodeIdSize, fill); }

std::string NewCurvePublicKey() {
  char public_key[41] = {};
  char secret_key[41] = {};
  EXPECT_EQ(zmq_curve_keypair(public_key, secret_key), 0);
  return public_key;
}

class HubAccountsTest : public ::testing::Test {
 protected:
  static constexpr int kIterations = 1000;  // the rules, not the cost, are under test here

  void SetUp() override {
    auto store = EventStore::Create(path_, CreateStoreOptions{.node_name = "hub", .hub = true});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    OpenAccounts();
  }

  void OpenAccounts() {
    HubAccountsOptions options;
    options.password_iterations = kIterations;
    options.throttle = {.free_failures = 3, .first_delay_us = kSecond, .max_delay_us = 64 * kSecond};
    auto accounts = HubAccounts::Open(*store_, clock_, options);
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    accounts_ = std::move(*accounts);
  }

  // Closes and reopens the store and the accounts: state comes only from the log.
  void Restart() {
    accounts_.reset();
    store_.reset();
    auto store = EventStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    OpenAccounts();
  }

  LoginAttempt Attempt(std::string_view password, char till = 'a', std::string key = "") const {
    if (key.empty()) key = KeyOf(till);
    return LoginAttempt{std::string(kAccount), std::string(password), NodeId(till), std::string("till-") + till, key};
  }
  std::string KeyOf(char till) const {
    auto& key = keys_[till];
    if (key.empty()) key = NewCurvePublicKey();
    return key;
  }

  testing::ScratchDir dir_;
  std::string path_ = dir_.Sub("hub");
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1'800'000'000 * kSecond);
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<HubAccounts> accounts_;
  mutable std::map<char, std::string> keys_;
};

TEST_F(HubAccountsTest, OpenRefusesATillStore) {
  testing::ScratchDir dir;
  auto till = EventStore::Create(dir.Sub("till"), CreateStoreOptions{.node_name = "till-1"});
  ASSERT_TRUE(till.ok());
  auto accounts = HubAccounts::Open(**till, clock_);
  EXPECT_EQ(accounts.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(accounts.status().message(), "init --hub")) << accounts.status().message();
}

TEST_F(HubAccountsTest, CreateChecksThePolicyAndRefusesDuplicates) {
  const uint64_t before = store_->LastSequence();
  Status weak = accounts_->CreateAccount(kAccount, "short");
  EXPECT_EQ(weak.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(weak.message(), "a digit")) << weak.message();
  EXPECT_EQ(accounts_->CreateAccount("not-an-address", kGoodPassword).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->LastSequence(), before) << "a refused account writes nothing";

  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  EXPECT_EQ(accounts_->CreateAccount(kAccount, kGoodPassword).code(), StatusCode::kAlreadyExists);
  Status other_case = accounts_->CreateAccount("Kasse@Example.com", kGoodPassword);
  EXPECT_EQ(other_case.code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(Contains(other_case.message(), "ignoring case")) << other_case.message();
  ASSERT_EQ(accounts_->Accounts().size(), 1u);
  EXPECT_EQ(accounts_->Accounts()[0].name, kAccount);
  EXPECT_EQ(accounts_->Accounts()[0].password_iterations, kIterations);
}

TEST_F(HubAccountsTest, EventsAreAccountCategoryAndPrintNoHash) {
  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  int seen = 0;
  ASSERT_TRUE(store_->ScanStream(kHubAccountsStream, 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    EXPECT_TRUE(event.ok());
    EXPECT_EQ(event->type(), static_cast<uint32_t>(EventType::kHubAccountCreated));
    EXPECT_EQ(FindEventType(event->type())->category, EventCategory::kAccount);
    const std::string text = PayloadToJson(event->type(), event->payload());
    EXPECT_TRUE(Contains(text, "\"password_hash\": \"(redacted)\"")) << text;
    EXPECT_FALSE(Contains(text, "pbkdf2")) << text;
    EXPECT_TRUE(Contains(text, kAccount)) << text;
    ++seen;
    return true;
  }).ok());
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(EventCategoryName(EventCategory::kAccount), "account");
}

TEST_F(HubAccountsTest, PasswordIsNotInTheRocksDbFiles) {
  const std::string wrong = "Wrong-Guess-77!";
  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  ASSERT_TRUE(accounts_->Login(Attempt(kGoodPassword)).ok());
  EXPECT_FALSE(accounts_->Login(Attempt(wrong, 'b')).ok());
  accounts_.reset();
  store_.reset();  // flushes nothing more than what is durable: WAL and tables are all there is
  bool found_hash = false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path_)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = ReadFile(entry.path().string());
    EXPECT_FALSE(Contains(bytes, kGoodPassword)) << "plain password in " << entry.path();
    EXPECT_FALSE(Contains(bytes, wrong)) << "a tried password in " << entry.path();
    found_hash |= Contains(bytes, "pbkdf2-sha256$");
  }
  EXPECT_TRUE(found_hash) << "the salted hash is what the store holds";
}

TEST_F(HubAccountsTest, LoginAdmitsTheTillKey) {
  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  EXPECT_FALSE(accounts_->AccountOfKey(KeyOf('a')).has_value());
  auto admitted = accounts_->Login(Attempt(kGoodPassword, 'a'));
  ASSERT_TRUE(admitted.ok()) << admitted.status().ToString();
  EXPECT_EQ(admitted->account, kAccount);
  EXPECT_EQ(admitted->till_node_id, NodeId('a'));
  EXPECT_EQ(accounts_->AccountOfKey(KeyOf('a')), std::string(kAccount));
  // Names are found ignoring case; any number of tills per account.
  LoginAttempt upper = Attempt(kGoodPassword, 'b');
  upper.account = "KASSE@example.com";
  ASSERT_TRUE(accounts_->Login(upper).ok());
  auto tills = accounts_->TillsOf(kAccount);
  ASSERT_EQ(tills.size(), 2u);
  EXPECT_EQ(tills[1].till_name, "till-b");
  // One key, one till.
  auto stolen = accounts_->Login(Attempt(kGoodPassword, 'c', KeyOf('a')));
  EXPECT_EQ(stolen.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(stolen.status().message(), "own key pair")) << stolen.status().message();
  // Malformed identities are refused before any check.
  LoginAttempt bad_key = Attempt(kGoodPassword, 'd', "not-a-key");
  EXPECT_EQ(accounts_->Login(bad_key).status().code(), StatusCode::kInvalidArgument);
  LoginAttempt bad_node = Attempt(kGoodPassword, 'd');
  bad_node.till_node_id = "short";
  EXPECT_EQ(accounts_->Login(bad_node).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HubAccountsTest, WrongPasswordAndUnknownAccountGiveTheSameAnswer) {
  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  const uint64_t before = store_->LastSequence();
  auto wrong = accounts_->Login(Attempt("Kasse-2026?", 'a'));
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(wrong.status().message(), "wrong account name or password");
  LoginAttempt unknown = Attempt(kGoodPassword, 'b');
  unknown.account = "nobody@example.com";
  auto missing = accounts_->Login(unknown);
  EXPECT_EQ(missing.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(missing.status().message(), wrong.status().message());
  EXPECT_EQ(store_->LastSequence(), before + 2) << "each failure is recorded as LoginFailed";
  EXPECT_FALSE(accounts_->AccountOfKey(KeyOf('a')).has_value());
  EXPECT_TRUE(accounts_->TillsOf(kAccount).empty());
  auto last = store_->ReadEvent(store_->LastSequence());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(EventView::Parse(*last)->type(), static_cast<uint32_t>(EventType::kLoginFailed));
}

TEST_F(HubAccountsTest, FailuresPerAccountAreThrottledWithGrowingDelayUntilASuccess) {
  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  // Every attempt comes from another till key: the account's own counter throttles.
  char till = 'a';
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(accounts_->Login(Attempt("Wrong-1!", till++)).status().code(), StatusCode::kPermissionDenied) << i;
  }
  int64_t expected_delay = kSecond;
  for (int round = 0; round < 9; ++round) {
    const uint64_t before = store_->LastSequence();
    auto refused = accounts_->Login(Attempt(kGoodPassword, till++));
    ASSERT_EQ(refused.status().code(), StatusCode::kUnavailable) << round << ": " << refused.status().ToString();
    EXPECT_TRUE(Contains(refused.status().message(), "try again in " + std::to_string(expected_delay / kSecond) + " s"))
        << refused.status().message();
    EXPECT_EQ(store_->LastSequence(), before) << "a throttled attempt writes nothing and checks no password";
    clock_->Advance(expected_delay - 1);
    EXPECT_EQ(accounts_->Login(Attempt(kGoodPassword, till++)).status().code(), StatusCode::kUnavailable);
    clock_->Advance(1);
    EXPECT_EQ(accounts_->Login(Attempt("Wrong-1!", till++)).status().code(), StatusCode::kPermissionDenied);
    expected_delay = std::min(expected_delay * 2, 64 * kSecond);  // capped
  }
  EXPECT_EQ(accounts_->Accounts()[0].failed_logins, 13);
  EXPECT_GT(accounts_->Accounts()[0].login_retry_at_us, clock_->NowMicros());
  clock_->Advance(64 * kSecond);
  ASSERT_TRUE(accounts_->Login(Attempt(kGoodPassword, till++)).ok());
  EXPECT_EQ(accounts_->Accounts()[0].failed_logins, 0) << "a success resets the counter";
  // After the reset one failure costs no wait again.
  EXPECT_EQ(accounts_->Login(Attempt("Wrong-1!", till++)).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(accounts_->Login(Attempt(kGoodPassword, till++)).ok());
}

TEST_F(HubAccountsTest, FailuresPerTillKeyAreThrottledAcrossAccountNames) {
  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  // One till key guesses several account names.
  for (int i = 0; i < 4; ++i) {
    LoginAttempt guess = Attempt("Wrong-1!", 'x');
    guess.account = "guess" + std::to_string(i) + "@example.com";
    EXPECT_EQ(accounts_->Login(guess).status().code(), StatusCode::kPermissionDenied);
  }
  auto refused = accounts_->Login(Attempt(kGoodPassword, 'x'));
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(refused.status().message(), "from this till")) << refused.status().message();
  // Another till logs in to the account at once: the account itself is not throttled.
  EXPECT_TRUE(accounts_->Login(Attempt(kGoodPassword, 'y')).ok());
  clock_->Advance(kSecond);
  EXPECT_TRUE(accounts_->Login(Attempt(kGoodPassword, 'x')).ok());
}

TEST_F(HubAccountsTest, RestartRebuildsAccountsAdmissionsAndThrottling) {
  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  ASSERT_TRUE(accounts_->CreateAccount("office@example.com", kGoodPassword).ok());
  ASSERT_TRUE(accounts_->Login(Attempt(kGoodPassword, 'a')).ok());
  ASSERT_TRUE(accounts_->Login(Attempt(kGoodPassword, 'b')).ok());
  ASSERT_TRUE(accounts_->RevokeTill(NodeId('b')).ok());
  EXPECT_EQ(accounts_->RevokeTill(NodeId('b')).code(), StatusCode::kNotFound);
  for (char till = 'c'; till < 'g'; ++till) {
    ASSERT_EQ(accounts_->Login(Attempt("Wrong-1!", till)).status().code(), StatusCode::kPermissionDenied);
  }
  ASSERT_EQ(accounts_->Login(Attempt(kGoodPassword, 'g')).status().code(), StatusCode::kUnavailable);

  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(accounts_->Accounts().size(), 2u);
  EXPECT_EQ(accounts_->AccountOfKey(KeyOf('a')), std::string(kAccount));
  EXPECT_FALSE(accounts_->AccountOfKey(KeyOf('b')).has_value()) << "revoked before the restart";
  ASSERT_EQ(accounts_->TillsOf(kAccount).size(), 1u);
  EXPECT_EQ(accounts_->TillsOf(kAccount)[0].till_curve_public_key, KeyOf('a'));
  EXPECT_EQ(accounts_->Login(Attempt(kGoodPassword, 'g')).status().code(), StatusCode::kUnavailable)
      << "a restart of the hub does not lift the throttle";
  clock_->Advance(kSecond);
  EXPECT_TRUE(accounts_->Login(Attempt(kGoodPassword, 'g')).ok());
}

TEST_F(HubAccountsTest, PasswordResetSignsOffEveryTillUntilApproved) {
  const std::string fresh = "Neues-Passwort-9";
  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  ASSERT_TRUE(accounts_->Login(Attempt(kGoodPassword, 'a')).ok());
  ASSERT_TRUE(accounts_->Login(Attempt(kGoodPassword, 'b')).ok());
  EXPECT_EQ(accounts_->ApprovePasswordReset(kAccount).code(), StatusCode::kFailedPrecondition);

  // Only a till that was admitted to the account may ask, and the new password must follow the rules.
  EXPECT_EQ(accounts_->RequestPasswordReset(kAccount, NodeId('z'), fresh).code(), StatusCode::kPermissionDenied);
  Status weak = accounts_->RequestPasswordReset(kAccount, NodeId('a'), "weak");
  EXPECT_EQ(weak.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(weak.message(), "new password")) << weak.message();
  EXPECT_EQ(accounts_->TillsOf(kAccount).size(), 2u) << "a refused request changes nothing";

  ASSERT_TRUE(accounts_->RequestPasswordReset(kAccount, NodeId('a'), fresh).ok());
  EXPECT_TRUE(accounts_->TillsOf(kAccount).empty()) << "every till is signed off";
  EXPECT_FALSE(accounts_->AccountOfKey(KeyOf('a')).has_value());
  EXPECT_FALSE(accounts_->AccountOfKey(KeyOf('b')).has_value());
  auto pending = accounts_->PendingResets();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].account, kAccount);
  EXPECT_EQ(pending[0].requested_by_till_node_id, NodeId('a'));
  EXPECT_EQ(pending[0].requested_by_till_name, "till-a");

  auto old_meanwhile = accounts_->Login(Attempt(kGoodPassword, 'a'));
  EXPECT_EQ(old_meanwhile.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(old_meanwhile.status().message(), "awaits approval")) << old_meanwhile.status().message();
  EXPECT_EQ(accounts_->Login(Attempt(fresh, 'a')).status().code(), StatusCode::kPermissionDenied)
      << "the new password is not in force before approval";

  ASSERT_NO_FATAL_FAILURE(Restart());  // the pending reset survives a restart of the hub
  ASSERT_EQ(accounts_->PendingResets().size(), 1u);
  ASSERT_TRUE(accounts_->ApprovePasswordReset("KASSE@example.com").ok());
  EXPECT_TRUE(accounts_->PendingResets().empty());
  EXPECT_EQ(accounts_->Login(Attempt(kGoodPassword, 'a')).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(accounts_->Login(Attempt(fresh, 'a')).ok());
  EXPECT_TRUE(accounts_->Login(Attempt(fresh, 'b')).ok());
  EXPECT_EQ(accounts_->TillsOf(kAccount).size(), 2u);
  EXPECT_EQ(accounts_->ApprovePasswordReset("nobody@example.com").code(), StatusCode::kNotFound);
}

TEST_F(HubAccountsTest, ReadersRunBesideWriters) {
  ASSERT_TRUE(accounts_->CreateAccount(kAccount, kGoodPassword).ok());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done) {
      (void)accounts_->AccountOfKey(KeyOf('a'));
      (void)accounts_->TillsOf(kAccount);
      ++reads;
    }
  });
  for (char till = 'a'; till < 'k'; ++till) ASSERT_TRUE(accounts_->Login(Attempt(kGoodPassword, till)).ok());
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(accounts_->TillsOf(kAccount).size(), 10u);
}

// ---- The ZAP handler with real CURVE sockets on loopback --------------------

struct CurveClient {
  zmq::socket_t socket;
  CurveKeyPair keys;
};

CurveClient ConnectClient(zmq::context_t& context, const std::string& endpoint, const std::string& server_key) {
  CurveClient client{zmq::socket_t(context, zmq::socket_type::dealer), {}};
  char public_key[41] = {};
  char secret_key[41] = {};
  EXPECT_EQ(zmq_curve_keypair(public_key, secret_key), 0);
  client.keys = {public_key, secret_key};
  client.socket.set(zmq::sockopt::linger, 0);
  client.socket.set(zmq::sockopt::curve_serverkey, server_key);
  client.socket.set(zmq::sockopt::curve_publickey, client.keys.public_key);
  client.socket.set(zmq::sockopt::curve_secretkey, client.keys.secret_key);
  client.socket.connect(endpoint);
  return client;
}

struct Received {
  std::string payload;
  std::string user_id;
  std::string curve_key;
};

// Receives one [routing id, payload] message on the ROUTER (waits up to 10 s).
std::optional<Received> ReceiveOne(zmq::socket_t& router) {
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, std::chrono::milliseconds(10000)) == 0) return std::nullopt;
  zmq::message_t routing_id, payload;
  if (!router.recv(routing_id) || !router.recv(payload)) return std::nullopt;
  // zmq_msg_gets: NULL (cppzmq: an exception) when the connection has no such property.
  const auto property = [&](std::string_view name) {
    const char* value = zmq_msg_gets(payload.handle(), std::string(name).c_str());
    return value != nullptr ? std::string(value) : std::string();
  };
  return Received{payload.to_string(), property("User-Id"), property(kZapCurveKeyProperty)};
}

TEST(ZapAuthenticatorTest, CurveClientsAreIdentifiedByTheirAdmittedKey) {
  testing::ScratchDir dir;
  auto hub_store = EventStore::Create(dir.Sub("hub"), CreateStoreOptions{.node_name = "hub", .hub = true});
  ASSERT_TRUE(hub_store.ok());
  HubAccountsOptions options;
  options.password_iterations = 1000;
  auto accounts = HubAccounts::Open(**hub_store, std::make_shared<ManualClock>(0), options);
  ASSERT_TRUE(accounts.ok());
  ASSERT_TRUE((*accounts)->CreateAccount(kAccount, kGoodPassword).ok());
  auto server_keys = LoadOrCreateCurveKeys(dir.Sub("curve.keys"));
  ASSERT_TRUE(server_keys.ok());

  zmq::context_t context;
  HubAccounts* hub = accounts->get();
  auto zap = ZapAuthenticator::Start(context, [hub](std::string_view key) { return hub->AccountOfKey(key); });
  ASSERT_TRUE(zap.ok()) << zap.status().ToString();
  EXPECT_EQ(ZapAuthenticator::Start(context, [](std::string_view) { return std::nullopt; }).status().code(),
            StatusCode::kAlreadyExists);

  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, server_keys->secret_key);
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);

  // An unknown till may connect (to log in) and is "pending".
  CurveClient newcomer = ConnectClient(context, endpoint, server_keys->public_key);
  newcomer.socket.send(zmq::str_buffer("login please"));
  auto first = ReceiveOne(router);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->payload, "login please");
  EXPECT_EQ(first->user_id, "pending");
  EXPECT_EQ(first->curve_key, newcomer.keys.public_key);
  EXPECT_FALSE(ZapAuthenticator::AccountOfUserId(first->user_id).has_value());

  // After the login the same key, on a new connection, is the account's.
  ASSERT_TRUE(hub->Login(LoginAttempt{std::string(kAccount), std::string(kGoodPassword), NodeId('a'), "till-a",
                                      newcomer.keys.public_key})
                  .ok());
  zmq::socket_t admitted(context, zmq::socket_type::dealer);
  admitted.set(zmq::sockopt::linger, 0);
  admitted.set(zmq::sockopt::curve_serverkey, server_keys->public_key);
  admitted.set(zmq::sockopt::curve_publickey, newcomer.keys.public_key);
  admitted.set(zmq::sockopt::curve_secretkey, newcomer.keys.secret_key);
  admitted.connect(endpoint);
  admitted.send(zmq::str_buffer("events"));
  auto second = ReceiveOne(router);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->user_id, "account:" + std::string(kAccount));
  EXPECT_EQ(ZapAuthenticator::AccountOfUserId(second->user_id), std::string(kAccount));

  // A revoked till is "pending" again on its next connection.
  ASSERT_TRUE(hub->RevokeTill(NodeId('a')).ok());
  zmq::socket_t revoked(context, zmq::socket_type::dealer);
  revoked.set(zmq::sockopt::linger, 0);
  revoked.set(zmq::sockopt::curve_serverkey, server_keys->public_key);
  revoked.set(zmq::sockopt::curve_publickey, newcomer.keys.public_key);
  revoked.set(zmq::sockopt::curve_secretkey, newcomer.keys.secret_key);
  revoked.connect(endpoint);
  revoked.send(zmq::str_buffer("still there?"));
  auto third = ReceiveOne(router);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->user_id, "pending");

  newcomer.socket.close();
  admitted.close();
  revoked.close();
  router.close();
  zap->reset();  // stops the handler thread before the context ends
}

TEST(ZapAuthenticatorTest, ClientPinningAnotherServerKeyCannotConnect) {
  testing::ScratchDir dir;
  auto server_keys = LoadOrCreateCurveKeys(dir.Sub("hub.keys"));
  auto impostor_keys = LoadOrCreateCurveKeys(dir.Sub("other.keys"));
  ASSERT_TRUE(server_keys.ok() && impostor_keys.ok());
  zmq::context_t context;
  std::atomic<int> asked{0};
  auto zap = ZapAuthenticator::Start(context, [&](std::string_view) -> std::optional<std::string> {
    ++asked;
    return std::nullopt;
  });
  ASSERT_TRUE(zap.ok());
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, server_keys->secret_key);
  ASSERT_EQ(zmq_socket_monitor(router.handle(), "inproc://router-events", ZMQ_EVENT_ALL), 0);
  zmq::socket_t events(context, zmq::socket_type::pair);
  events.set(zmq::sockopt::linger, 0);
  events.connect("inproc://router-events");
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);

  CurveClient wrong = ConnectClient(context, endpoint, impostor_keys->public_key);
  wrong.socket.send(zmq::str_buffer("secret article names"));

  // The server's monitor reports the failed CURVE handshake.
  bool handshake_failed = false;
  for (int i = 0; i < 50 && !handshake_failed; ++i) {
    zmq::pollitem_t item{events.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(10000)) == 0) break;
    zmq::message_t header, address;
    ASSERT_TRUE(events.recv(header));
    ASSERT_TRUE(events.recv(address));
    uint16_t event = 0;
    std::memcpy(&event, header.data(), sizeof event);
    ASSERT_NE(event, ZMQ_EVENT_HANDSHAKE_SUCCEEDED) << "a client pinning another key must not get through";
    handshake_failed = event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
                       event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
  }
  EXPECT_TRUE(handshake_failed);
  zmq::message_t nothing;
  EXPECT_FALSE(router.recv(nothing, zmq::recv_flags::dontwait).has_value()) << "no message may arrive";
  EXPECT_EQ(asked.load(), 0) << "the ZAP handler is never asked about a client that failed the handshake";

  zmq_socket_monitor(router.handle(), nullptr, 0);
  wrong.socket.close();
  events.close();
  router.close();
  zap->reset();
}

// ---- The command line -------------------------------------------------------

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `pos ARGS` through /bin/sh (so ARGS may open descriptors, e.g. `3<file`).
CliRun Pos(const testing::ScratchDir& dir, const std::string& args) {
  const std::string err_path = dir.Sub("stderr.txt");
  if (!std::filesystem::exists(dir.Sub("machine-id"))) WriteFile(dir.Sub("machine-id"), "hub-accounts-test-machine\n");
  const std::string command =
      "POS_MACHINE_ID_FILE='" + dir.Sub("machine-id") + "' '" + testing::BinaryDir() + "/tools/pos/pos' " + args +
      " </dev/null 2>'" + err_path + "'";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = ReadFile(err_path);
  return run;
}

TEST(HubAccountCliTest, CreateListResetApproveWithPasswordFd) {
  testing::ScratchDir dir;
  const std::string hub = "--data '" + dir.Sub("hub") + "' ";
  const std::string password_file = dir.Sub("password.txt");
  WriteFile(password_file, std::string(kGoodPassword) + "\n");
  WriteFile(dir.Sub("weak.txt"), "kasse\n");
  ASSERT_EQ(Pos(dir, hub + "init --hub --node-name hub").exit_code, 0);

  CliRun weak = Pos(dir, hub + "hub account create --name kasse@example.com --password-fd 3 3<'" +
                             dir.Sub("weak.txt") + "'");
  EXPECT_EQ(weak.exit_code, 1);
  for (std::string_view rule : {"at least 8 characters", "an upper case letter", "a digit", "special characters"}) {
    EXPECT_TRUE(Contains(weak.err, rule)) << weak.err;
  }
  CliRun bad_name = Pos(dir, hub + "hub account create --name kasse --password-fd 3 3<'" + password_file + "'");
  EXPECT_EQ(bad_name.exit_code, 1);
  EXPECT_TRUE(Contains(bad_name.err, "e-mail address")) << bad_name.err;
  CliRun no_terminal = Pos(dir, hub + "hub account create --name kasse@example.com");
  EXPECT_EQ(no_terminal.exit_code, 1);
  EXPECT_TRUE(Contains(no_terminal.err, "--password-fd")) << no_terminal.err;

  CliRun created = Pos(dir, hub + "--json hub account create --name kasse@example.com --password-fd 3 3<'" +
                                password_file + "'");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  json reply = json::parse(created.out, nullptr, false);
  ASSERT_FALSE(reply.is_discarded()) << created.out;
  auto hub_keys = LoadCurveKeys(dir.Sub("hub") + "/curve.keys");
  ASSERT_TRUE(hub_keys.ok()) << hub_keys.status().ToString();
  EXPECT_EQ(reply["hub_curve_public_key"], hub_keys->public_key);
  EXPECT_EQ(reply["account"], kAccount);
  EXPECT_EQ(Pos(dir, hub + "hub account create --name kasse@example.com --password-fd 3 3<'" + password_file + "'")
                .exit_code,
            1);

  CliRun list = Pos(dir, hub + "--json hub account list");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json accounts = json::parse(list.out, nullptr, false);
  ASSERT_TRUE(accounts.is_array()) << list.out;
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(accounts[0]["account"], kAccount);
  EXPECT_EQ(accounts[0]["password_hash"]["algorithm"], "pbkdf2-sha256");
  EXPECT_EQ(accounts[0]["password_hash"]["iterations"], kPasswordIterations);
  EXPECT_FALSE(Contains(list.out, "$")) << "no hash is printed: " << list.out;

  CliRun log = Pos(dir, hub + "--json log");
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_TRUE(Contains(log.out, "HubAccountCreated")) << log.out;
  EXPECT_TRUE(Contains(log.out, "(redacted)")) << log.out;
  EXPECT_FALSE(Contains(log.out, "pbkdf2")) << log.out;
  EXPECT_FALSE(Contains(log.out, kGoodPassword));

  // A till asks for a reset (here through the library, as the hub would).
  {
    auto store = EventStore::Open(dir.Sub("hub"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto accounts_lib = HubAccounts::Open(**store, DefaultClock());
    ASSERT_TRUE(accounts_lib.ok());
    const std::string key = NewCurvePublicKey();
    ASSERT_TRUE((*accounts_lib)
                    ->Login({std::string(kAccount), std::string(kGoodPassword), NodeId('a'), "till-1", key})
                    .ok());
    ASSERT_TRUE((*accounts_lib)->RequestPasswordReset(kAccount, NodeId('a'), "Neues-Passwort-9").ok());
    // While the hub holds the store, the commands say what to do.
    CliRun locked = Pos(dir, hub + "hub password-reset list");
    EXPECT_EQ(locked.exit_code, 1);
    EXPECT_TRUE(Contains(locked.err, "pos hub serve")) << locked.err;
  }
  CliRun pending = Pos(dir, hub + "--json hub password-reset list");
  ASSERT_EQ(pending.exit_code, 0) << pending.err;
  json resets = json::parse(pending.out, nullptr, false);
  ASSERT_EQ(resets.size(), 1u) << pending.out;
  EXPECT_EQ(resets[0]["account"], kAccount);
  EXPECT_EQ(resets[0]["requested_by_till"], ToHex(NodeId('a')));
  EXPECT_EQ(resets[0]["requested_by_till_name"], "till-1");

  EXPECT_EQ(Pos(dir, hub + "hub password-reset approve --account nobody@example.com").exit_code, 1);
  CliRun approved = Pos(dir, hub + "hub password-reset approve --account kasse@example.com");
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_TRUE(Contains(approved.out, "approved")) << approved.out;
  EXPECT_EQ(json::parse(Pos(dir, hub + "--json hub password-reset list").out).size(), 0u);
  CliRun again = Pos(dir, hub + "hub password-reset approve --account kasse@example.com");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(Contains(again.err, "no pending password reset")) << again.err;
}

TEST(HubAccountCliTest, TillStoreIsRefused) {
  testing::ScratchDir dir;
  const std::string till = "--data '" + dir.Sub("till") + "' ";
  WriteFile(dir.Sub("password.txt"), std::string(kGoodPassword) + "\n");
  ASSERT_EQ(Pos(dir, till + "init --node-name till-1").exit_code, 0);
  CliRun refused = Pos(dir, till + "hub account create --name kasse@example.com --password-fd 3 3<'" +
                                dir.Sub("password.txt") + "'");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(Contains(refused.err, "till's store")) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("till") + "/curve.keys")) << "nothing is made in a till's store";
}

}  // namespace
}  // namespace pos
