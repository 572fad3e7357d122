// `pos sync join|mode|on|off|status|leave`: the till's membership in a site and
// its replication settings (sync/till_sync_settings.h, docs/sync.md). The
// replication itself runs inside `pos serve` while sync is on.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>

#include "adapters/serve_file.h"
#include "engine/bytes.h"
#include "sync/curve_keys.h"
#include "sync/local_history.h"
#include "sync/hub_connection.h"
#include "sync/sync_status.h"
#include "sync/sync_wire.h"
#include "sync/till_sync_settings.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/secret_input.h"

namespace pos::cli {
namespace {

std::string KeyPath(const Context& context) {
  return (std::filesystem::path(context.options.data_dir) / kCurveKeysFileName).string();
}

Result<sync::SyncFilter> FilterFromOptions(const std::string& mode_text, const std::string& categories_text) {
  POS_ASSIGN_OR_RETURN(sync::SyncMode mode, sync::ParseSyncMode(mode_text));
  std::vector<EventCategory> categories;
  if (!categories_text.empty()) {
    POS_ASSIGN_OR_RETURN(categories, sync::ParseCategories(categories_text));
  }
  return sync::MakeSyncFilter(mode, categories);
}

// The store, or an error that says the daemon holds it when it does.
Result<std::unique_ptr<EventStore>> OpenTillStore(const Context& context, std::string_view command) {
  auto store = context.OpenStore();
  if (!store.ok() && store.status().code() == StatusCode::kBusy) {
    return Status::Busy(store.status().message() + "; stop `pos serve` to run `pos sync " + std::string(command) +
                        "` (`pos sync status` works while it runs)");
  }
  return store;
}

Result<sync::TillSyncSettings> JoinedSettings(const EventStore& store) {
  POS_ASSIGN_OR_RETURN(sync::TillSyncSettings settings, sync::LoadTillSyncSettings(store));
  if (!settings.joined) {
    return Status::FailedPrecondition("this till has not joined a hub; run `pos sync join --hub ADDR --hub-key KEY "
                                      "--account NAME` first");
  }
  return settings;
}

// What a joined till needs to reach its hub.
struct Membership {
  std::string node_id;  // 16 raw bytes
  std::string node_name;
  std::string hub_address;
  std::string hub_public_key;
  std::string account;
};

// From the till's log when the store is free; while `pos serve` holds it, from the
// status file the daemon writes (sync/sync_status.h, from the same log), so a till
// can ask for a password reset and log in again without stopping its sales.
Result<Membership> CurrentMembership(const Context& context, std::string_view command) {
  auto store = context.OpenStore();
  if (store.ok()) {
    POS_ASSIGN_OR_RETURN(sync::TillSyncSettings settings, JoinedSettings(**store));
    return Membership{(*store)->node_id(), (*store)->node_name(), settings.hub_address, settings.hub_public_key,
                      settings.account};
  }
  if (store.status().code() != StatusCode::kBusy) return store.status();
  POS_ASSIGN_OR_RETURN(std::optional<nlohmann::json> file,
                       sync::ReadSyncStatusFile(sync::SyncStatusPath(context.options.data_dir)));
  Membership membership;
  if (file.has_value()) {
    membership.node_name = file->value("node_name", "");
    membership.hub_address = file->value("hub", "");
    membership.hub_public_key = file->value("hub_key", "");
    membership.account = file->value("account", "");
    membership.node_id = FromHex(file->value("node_id", "")).value_or("");
  }
  if (membership.node_id.size() != 16 || membership.hub_address.empty() || membership.hub_public_key.empty() ||
      membership.account.empty()) {
    return Status::Busy(store.status().message() + "; the running `pos serve` has not written " +
                        std::string(sync::kSyncStatusFileName) + " with its hub yet (is sync on?); stop it to run " +
                        "`pos sync " + std::string(command) + "`");
  }
  return membership;
}

// Asks the hub to revoke this till's key (LeaveRequest); returns the hub's words.
Result<std::string> RevokeAtHub(const Context& context, const EventStore& store,
                                const sync::TillSyncSettings& settings, int timeout_seconds) {
  POS_ASSIGN_OR_RETURN(CurveKeyPair keys, LoadCurveKeys(KeyPath(context)));
  const sync::HubEndpoint endpoint{settings.hub_address, settings.hub_public_key, keys.public_key, keys.secret_key};
  auto reply_bytes =
      sync::HubRequest(endpoint, sync::EncodeLeaveRequest(store.node_id()), std::chrono::seconds(timeout_seconds));
  if (!reply_bytes.ok()) {
    return Status::Unavailable("the hub at " + settings.hub_address + " did not answer (" +
                               reply_bytes.status().message() +
                               "), so it still admits this till; nothing was changed. Try again when the hub is "
                               "reachable, or leave with --local-only");
  }
  POS_ASSIGN_OR_RETURN(const syncwire::Message* reply, sync::ParseMessage(*reply_bytes));
  if (reply->body_type() != syncwire::Body::LeaveReply) {
    return Status::Corruption("the hub answered the leave request with " +
                              std::string(sync::BodyName(reply->body_type())) + "; nothing was changed");
  }
  const syncwire::LeaveReply& answer = *reply->body_as_LeaveReply();
  if (!answer.accepted()) {
    return Status::PermissionDenied("the hub refused the leave: " + std::string(sync::Text(answer.message())) +
                                    "; nothing was changed");
  }
  return std::string(sync::Text(answer.message()));
}

struct JoinOptions {
  std::string hub;
  std::string hub_key;
  std::string account;
  int password_fd = -1;
  std::string mode = "masterdata";
  std::string categories;
  int timeout_seconds = 10;
  bool import_local = false;
  bool discard_local = false;
};

// The account's password: from --password-fd, else prompted without echo (never an argument).
Result<std::string> ReadAccountPassword(const JoinOptions& options) {
  if (options.password_fd >= 0) return ReadSecretFromFd(options.password_fd, "password");
  return ReadSecret("Password of " + options.account + ": ", false, "--password-fd");
}

struct Admitted {
  std::string hub_node_id;
  std::string hub_name;
  AccountHeads heads;  // the hub's version vector (for the stale-till check)
};

// Logs the till (node id raw, node name) in at the hub with its CURVE key; ok when the hub admitted the key.
Result<Admitted> LogIn(const std::string& node_id, const std::string& node_name, const CurveKeyPair& keys,
                       const JoinOptions& options, const std::string& password) {
  const sync::HubEndpoint endpoint{options.hub, options.hub_key, keys.public_key, keys.secret_key};
  const std::string request =
      sync::EncodeLogin({options.account, password, node_id, node_name, keys.public_key});
  POS_ASSIGN_OR_RETURN(std::string reply_bytes,
                       sync::HubRequest(endpoint, request, std::chrono::seconds(options.timeout_seconds)));
  POS_ASSIGN_OR_RETURN(const syncwire::Message* reply, sync::ParseMessage(reply_bytes));
  if (reply->body_type() == syncwire::Body::Refusal) {
    return Status::PermissionDenied("the hub refused the login: " +
                                    std::string(sync::Text(reply->body_as_Refusal()->message())));
  }
  if (reply->body_type() != syncwire::Body::LoginReply) {
    return Status::Corruption("the hub answered the login with " + std::string(sync::BodyName(reply->body_type())));
  }
  const syncwire::LoginReply& login = *reply->body_as_LoginReply();
  if (!login.admitted()) {
    return Status::PermissionDenied("the hub refused the login: " + std::string(sync::Text(login.message())));
  }
  POS_ASSIGN_OR_RETURN(sync::VersionVector heads, sync::ReadVector(login.heads()));
  return Admitted{std::string(sync::Bytes(login.hub_node_id())), std::string(sync::Text(login.hub_name())),
                  AccountHeads(heads.begin(), heads.end())};
}

Status Join(Context& context, const JoinOptions& options) {
  POS_ASSIGN_OR_RETURN(sync::SyncFilter filter, FilterFromOptions(options.mode, options.categories));
  POS_ASSIGN_OR_RETURN(JoinChoice choice, JoinChoiceFromFlags(options.import_local, options.discard_local));
  if (options.account.empty()) return Status::InvalidArgument("--account is empty");
  if (Status checked = CheckCurveKeyZ85(options.hub_key); !checked.ok()) {
    return Status::InvalidArgument("--hub-key: " + checked.message());
  }
  POS_RETURN_IF_ERROR(sync::CheckHubEndpoint({options.hub, options.hub_key, options.hub_key, options.hub_key}));

  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenTillStore(context, "join"));
  POS_ASSIGN_OR_RETURN(sync::TillSyncSettings current, sync::LoadTillSyncSettings(*store));
  if (current.joined) {
    return Status::FailedPrecondition("this till has joined the hub at " + current.hub_address + " (account " +
                                      current.account + ") already; `pos sync leave` first");
  }
  POS_ASSIGN_OR_RETURN(std::string password, ReadAccountPassword(options));
  POS_ASSIGN_OR_RETURN(CurveKeyPair keys, LoadOrCreateCurveKeys(KeyPath(context)));
  POS_ASSIGN_OR_RETURN(Admitted login, LogIn(store->node_id(), store->node_name(), keys, options, password));

  // The stale till: local master data or receipts the account lacks need an explicit choice.
  POS_ASSIGN_OR_RETURN(LocalHistory history, AssessLocalHistory(*store, login.heads));
  POS_RETURN_IF_ERROR(CheckJoinAllowed(history, choice));
  std::optional<DiscardedStore> discarded;
  if (choice == JoinChoice::kDiscardLocal && !history.clean()) {
    store.reset();
    const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    POS_ASSIGN_OR_RETURN(DiscardedStore moved, DiscardLocalStore(context.options.data_dir, now_us));
    discarded = moved;
    // A fresh store: a new node id and new CURVE keys (the old ones moved aside with the old store).
    POS_ASSIGN_OR_RETURN(store, OpenTillStore(context, "join"));
    POS_ASSIGN_OR_RETURN(keys, LoadOrCreateCurveKeys(KeyPath(context)));
    POS_ASSIGN_OR_RETURN(login, LogIn(store->node_id(), store->node_name(), keys, options, password));
  }
  POS_RETURN_IF_ERROR(sync::RecordJoined(
      *store, {options.hub, options.hub_key, options.account, keys.public_key, filter}, context.options.acting_user));
  if (context.options.json) {
    context.PrintJson({{"joined", true},
                       {"hub", options.hub},
                       {"hub_node_id", ToHex(login.hub_node_id)},
                       {"hub_name", login.hub_name},
                       {"discarded_store", discarded ? discarded->kept_at : ""},
                       {"account", options.account},
                       {"mode", filter.Describe()},
                       {"till_key", keys.public_key}});
  } else {
    if (discarded) {
      std::cout << "the local store was moved aside intact to " << discarded->kept_at << "; a fresh store (node "
                << discarded->new_node_id << ") joined\n";
    }
    std::cout << "joined hub " << login.hub_name << " at " << options.hub << " as account "
              << options.account << ", mode " << filter.Describe() << "\nsync is on: `pos serve` replicates\n";
  }
  return Status::Ok();
}

std::string Ago(int64_t then_us) {
  if (then_us <= 0) return "never";
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  char text[64];
  std::snprintf(text, sizeof text, "%.1f s ago", std::max<double>(0, (now - then_us) / 1e6));
  return text;
}

std::string DirectionLine(const nlohmann::json& direction, std::string_view held_word) {
  std::string line = std::string(held_word) + " " + std::to_string(direction.value("acknowledged_events", 0ull)) +
                     ", lag " + std::to_string(direction.value("lag_events", 0ull)) + " events";
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, " (%.1f s)", direction.value("lag_seconds", 0.0));
  line += seconds;
  const std::string stopped = direction.value("stopped", "");
  if (!stopped.empty()) line += "\n    STOPPED: " + stopped;
  return line;
}

Status ShowStatus(Context& context) {
  const std::string path = sync::SyncStatusPath(context.options.data_dir);
  POS_ASSIGN_OR_RETURN(std::optional<nlohmann::json> file, sync::ReadSyncStatusFile(path));
  nlohmann::json status = file.value_or(nlohmann::json::object());
  const bool daemon_alive = status.contains("pid") && ProcessAlive(status.value("pid", int64_t{0})) &&
                            status.value("pid", int64_t{0}) != getpid();

  // The settings from the log when the store is free; while `pos serve` runs it holds
  // the store, and the status file (written by it) is the source.
  auto store = context.OpenStore();
  if (store.ok()) {
    POS_ASSIGN_OR_RETURN(sync::TillSyncSettings settings, sync::LoadTillSyncSettings(**store));
    status["joined"] = settings.joined;
    status["enabled"] = settings.enabled;
    if (settings.joined) {
      status["hub"] = settings.hub_address;
      status["account"] = settings.account;
      status["mode"] = settings.filter.Describe();
      status["hub_key"] = settings.hub_public_key;
    }
    status["serving"] = false;
  } else if (store.status().code() == StatusCode::kBusy) {
    status["serving"] = true;
    status["joined"] = file.has_value();
    status["enabled"] = daemon_alive;
  } else {
    return store.status();
  }
  if (!daemon_alive) status["online"] = false;
  if (!status.contains("upstream")) status["upstream"] = nlohmann::json::object();
  if (!status.contains("downstream")) status["downstream"] = nlohmann::json::object();

  if (context.options.json) {
    context.PrintJson(status);
    return Status::Ok();
  }
  if (!status.value("joined", false)) {
    std::cout << "not joined to a hub (pos sync join --help)\n";
    return Status::Ok();
  }
  std::cout << "hub " << status.value("hub", "?") << ", account " << status.value("account", "?") << ", mode "
            << status.value("mode", "?") << ", sync " << (status.value("enabled", false) ? "on" : "off") << "\n";
  std::cout << "online: " << (status.value("online", false) ? "yes" : "no") << " (last contact "
            << Ago(status.value("last_contact_us", int64_t{0})) << ")"
            << (daemon_alive ? "" : "; `pos serve` is not running") << "\n";
  std::cout << "till -> hub: " << DirectionLine(status["upstream"], "acknowledged up to seq") << "\n";
  std::cout << "hub -> till: " << DirectionLine(status["downstream"], "received up to seq (sum over origins)") << "\n";
  const std::string problem = status.value("problem", "");
  if (!problem.empty()) std::cout << "problem: " << problem << "\n";
  return Status::Ok();
}

}  // namespace

void AddSyncCommands(CLI::App& app, Context& context) {
  auto* sync_cmd = app.add_subcommand("sync", "This till's replication with the site hub (docs/sync.md)");
  sync_cmd->require_subcommand(1);
  sync_cmd->footer(
      "Till -> hub is always everything the till writes (its archive); hub -> till follows the mode.\n"
      "Replication runs inside `pos serve` while sync is on; the till keeps selling when the hub is down.");

  auto join = std::make_shared<JoinOptions>();
  auto* join_cmd = sync_cmd->add_subcommand("join", "Log in to the site hub with the account and join its sync");
  join_cmd->footer(
      "The password is prompted (or read from a file descriptor), never taken on the command line.\n"
      "A till holding master data or receipts the account lacks is refused unless --import-local or\n"
      "--discard-local says what to do with them (docs/sync.md, \"Joining with a local history\").\n"
      "The hub key is the one `pos hub serve` prints; it is pinned: a hub without its secret key is never talked to.\n"
      "Example: pos sync join --hub tcp://10.0.0.2:7400 --hub-key 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7' \\\n"
      "           --account shop@example.com --password-fd 3 3<password.txt");
  join_cmd->add_option("--hub", join->hub, "The hub's ZeroMQ endpoint, tcp://HOST:PORT")->required();
  join_cmd->add_option("--hub-key", join->hub_key, "The hub's CURVE public key (40 Z85 characters)")->required();
  join_cmd->add_option("--account", join->account, "The site account (an e-mail address)")->required();
  join_cmd->add_option("--password-fd", join->password_fd, "Read the password from this open file descriptor");
  join_cmd->add_option("--mode", join->mode, "archive | masterdata | masterdata+receipts | individual")
      ->capture_default_str();
  join_cmd->add_option("--categories", join->categories,
                       "For mode individual: categories hub -> till, comma-separated (masterdata,receipt,…)");
  auto* import_flag = join_cmd->add_flag(
      "--import-local", join->import_local,
      "This till holds master data or receipts the account lacks: send them to the account (LWW by HLC)");
  join_cmd->add_flag("--discard-local", join->discard_local,
                     "This till holds data the account lacks: move the store aside intact, join with a fresh one")
      ->excludes(import_flag);
  join_cmd->add_option("--timeout", join->timeout_seconds, "Seconds to wait for the hub's answer")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  join_cmd->callback([&context, join] {
    if (Status s = Join(context, *join); !s.ok()) context.Fail(s);
  });

  auto mode = std::make_shared<std::string>();
  auto categories = std::make_shared<std::string>();
  auto* mode_cmd = sync_cmd->add_subcommand("mode", "Choose what travels hub -> till");
  mode_cmd->footer(
      "archive: nothing; masterdata: articles, tax rates, users; masterdata+receipts: also receipts (hand-over);\n"
      "individual: the --categories given. Takes effect at the next start of `pos serve`.\n"
      "Example: pos sync mode individual --categories masterdata,receipt");
  mode_cmd->add_option("MODE", *mode, "archive | masterdata | masterdata+receipts | individual")->required();
  mode_cmd->add_option("--categories", *categories, "For individual: comma-separated event categories");
  mode_cmd->callback([&context, mode, categories] {
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(sync::SyncFilter filter, FilterFromOptions(*mode, *categories));
      POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenTillStore(context, "mode"));
      POS_RETURN_IF_ERROR(JoinedSettings(*store).status());
      POS_RETURN_IF_ERROR(sync::RecordModeChanged(*store, filter, context.options.acting_user));
      if (context.options.json) {
        context.PrintJson({{"mode", filter.Describe()}});
      } else {
        std::cout << "sync mode " << filter.Describe() << "\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });

  for (bool enabled : {true, false}) {
    auto* switch_cmd = sync_cmd->add_subcommand(enabled ? "on" : "off",
                                                enabled ? "Replicate while `pos serve` runs"
                                                        : "Stop replicating (the till keeps its log; `on` catches up)");
    switch_cmd->callback([&context, enabled] {
      Status s = [&]() -> Status {
        POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenTillStore(context, enabled ? "on" : "off"));
        POS_RETURN_IF_ERROR(JoinedSettings(*store).status());
        POS_RETURN_IF_ERROR(sync::RecordSwitched(*store, enabled, context.options.acting_user));
        if (context.options.json) {
          context.PrintJson({{"enabled", enabled}});
        } else {
          std::cout << "sync " << (enabled ? "on" : "off") << "\n";
        }
        return Status::Ok();
      }();
      if (!s.ok()) context.Fail(s);
    });
  }

  auto* status_cmd = sync_cmd->add_subcommand("status", "Per direction: acknowledged position, lag, online or not");
  status_cmd->footer("Works while `pos serve` runs (it writes <data>/sync-status.json twice a second).");
  status_cmd->add_flag("--json", context.options.json, "Print the status as JSON");
  status_cmd->callback([&context] {
    if (Status s = ShowStatus(context); !s.ok()) context.Fail(s);
  });

  auto reset_fd = std::make_shared<int>(-1);
  auto* reset_cmd = sync_cmd->add_subcommand(
      "password-reset", "Ask the hub for a new password of this till's account (an admin approves it there)");
  reset_cmd->footer(
      "Every till of the account is signed off at the hub at once; tills keep selling and catch up after the\n"
      "admin's `pos hub password-reset approve` and `pos sync login` with the new password at each till.\n"
      "The new password is prompted or read from --password-fd. Works while `pos serve` runs.\n"
      "Example: pos sync password-reset --password-fd 3 3<new-password.txt");
  reset_cmd->add_option("--password-fd", *reset_fd, "Read the new password from this open file descriptor");
  reset_cmd->callback([&context, reset_fd] {
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(Membership settings, CurrentMembership(context, "password-reset"));
      POS_ASSIGN_OR_RETURN(CurveKeyPair keys, LoadCurveKeys(KeyPath(context)));
      std::string password;
      if (*reset_fd >= 0) {
        POS_ASSIGN_OR_RETURN(password, ReadSecretFromFd(*reset_fd, "new password"));
      } else {
        POS_ASSIGN_OR_RETURN(password, ReadSecret("New password of " + settings.account + ": ", false, "--password-fd"));
      }
      const sync::HubEndpoint endpoint{settings.hub_address, settings.hub_public_key, keys.public_key,
                                       keys.secret_key};
      POS_ASSIGN_OR_RETURN(std::string reply_bytes,
                           sync::HubRequest(endpoint,
                                            sync::EncodePasswordResetRequest(settings.account, settings.node_id,
                                                                             password),
                                            std::chrono::seconds(10)));
      POS_ASSIGN_OR_RETURN(const syncwire::Message* reply, sync::ParseMessage(reply_bytes));
      if (reply->body_type() != syncwire::Body::PasswordResetReply) {
        return Status::Corruption("the hub answered the reset request with " +
                                  std::string(sync::BodyName(reply->body_type())));
      }
      const syncwire::PasswordResetReply& answer = *reply->body_as_PasswordResetReply();
      if (!answer.accepted()) {
        return Status::PermissionDenied("the hub refused the reset: " + std::string(sync::Text(answer.message())));
      }
      if (context.options.json) {
        context.PrintJson({{"requested", true}, {"account", settings.account}});
      } else {
        std::cout << "password reset of " << settings.account << " requested; an admin approves it at the hub\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });

  auto login = std::make_shared<JoinOptions>();
  auto* login_cmd = sync_cmd->add_subcommand(
      "login", "Log this joined till in again at its hub (after a password reset); nothing is written");
  login_cmd->footer(
      "Uses the hub, pinned hub key and account of `pos sync join` and the till's own CURVE key, so the\n"
      "hub admits the same key again. Works while `pos serve` runs: its sync resumes from the acknowledged\n"
      "positions within seconds, and everything sold meanwhile reaches the hub once.\n"
      "Example: pos sync login --password-fd 3 3<new-password.txt");
  login_cmd->add_option("--password-fd", login->password_fd, "Read the password from this open file descriptor");
  login_cmd->add_option("--timeout", login->timeout_seconds, "Seconds to wait for the hub's answer")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  login_cmd->callback([&context, login] {
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(Membership membership, CurrentMembership(context, "login"));
      POS_ASSIGN_OR_RETURN(CurveKeyPair keys, LoadCurveKeys(KeyPath(context)));
      JoinOptions options = *login;
      options.hub = membership.hub_address;
      options.hub_key = membership.hub_public_key;
      options.account = membership.account;
      POS_ASSIGN_OR_RETURN(std::string password, ReadAccountPassword(options));
      POS_ASSIGN_OR_RETURN(Admitted admitted, LogIn(membership.node_id, membership.node_name, keys, options, password));
      if (context.options.json) {
        context.PrintJson({{"logged_in", true}, {"hub", options.hub}, {"hub_name", admitted.hub_name},
                           {"account", options.account}});
      } else {
        std::cout << "logged in again at hub " << admitted.hub_name << " (" << options.hub << ") as account "
                  << options.account << "; `pos serve` resumes sync by itself\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });

  struct LeaveOptions {
    bool local_only = false;
    int timeout_seconds = 10;
  };
  auto leave = std::make_shared<LeaveOptions>();
  auto* leave_cmd = sync_cmd->add_subcommand(
      "leave", "Leave the site: the hub revokes this till's key, replication ends; the log stays as it is");
  leave_cmd->footer(
      "The hub records TillRevoked (reason \"left\") and refuses this till's key from then on; joining again\n"
      "needs the account's password (`pos sync join`). Needs the hub reachable (and `pos serve` stopped).\n"
      "--local-only forgets the site on this till only, e.g. when the hub is gone for good: the hub then\n"
      "still admits this till's key until its account is reset.");
  leave_cmd->add_flag("--local-only", leave->local_only, "Do not ask the hub to revoke this till's key");
  leave_cmd->add_option("--timeout", leave->timeout_seconds, "Seconds to wait for the hub's answer")
      ->capture_default_str();
  leave_cmd->callback([&context, leave] {
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenTillStore(context, "leave"));
      POS_ASSIGN_OR_RETURN(sync::TillSyncSettings settings, JoinedSettings(*store));
      std::string at_hub = "not asked (--local-only)";
      if (!leave->local_only) {
        POS_ASSIGN_OR_RETURN(at_hub, RevokeAtHub(context, *store, settings, leave->timeout_seconds));
      }
      POS_RETURN_IF_ERROR(sync::RecordLeft(*store, settings, context.options.acting_user));
      if (context.options.json) {
        context.PrintJson({{"left", settings.hub_address}, {"revoked_at_hub", !leave->local_only}, {"hub", at_hub}});
      } else {
        std::cout << "left the hub at " << settings.hub_address << " (hub: " << at_hub << ")\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });
}

}  // namespace pos::cli
