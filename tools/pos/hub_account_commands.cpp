// `pos hub account create|list` and `pos hub password-reset list|approve`: the
// site hub's accounts (sync/hub_accounts.h, docs/sync.md "Accounts and security").
// They open the hub's store directly, so `pos hub serve` must not be running.
#include <iostream>

#include "engine/bytes.h"
#include "sync/curve_keys.h"
#include "sync/hub_accounts.h"
#include "sync/password_policy.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/event_format.h"
#include "tools/pos/secret_input.h"

namespace pos::cli {
namespace {

struct HubNode {
  std::unique_ptr<EventStore> store;
  std::unique_ptr<HubAccounts> accounts;
};

Result<HubNode> OpenHub(const Context& context) {
  HubNode hub;
  auto store = context.OpenStore();
  if (!store.ok()) {
    if (store.status().code() == StatusCode::kBusy) {
      return store.status().WithContext("the hub's store is in use (is `pos hub serve` running? stop it first, "
                                        "hub accounts are changed with the hub stopped)");
    }
    return store.status();
  }
  hub.store = std::move(*store);
  POS_ASSIGN_OR_RETURN(hub.accounts, HubAccounts::Open(*hub.store, DefaultClock()));
  return hub;
}

std::string CurveKeysPath(const Context& context) {
  return context.options.data_dir + "/" + std::string(kCurveKeysFileName);
}

// The new account's password, from --password-fd or asked twice on the terminal.
Result<std::string> ReadNewPassword(const std::string& account, int password_fd) {
  if (password_fd >= 0) return ReadSecretFromFd(password_fd, "password");
  POS_ASSIGN_OR_RETURN(std::string first, ReadSecret("password for " + account, false, "--password-fd 0"));
  POS_RETURN_IF_ERROR(CheckPassword(first));
  POS_ASSIGN_OR_RETURN(std::string second, ReadSecret("the same password again", false, "--password-fd 0"));
  if (first != second) return Status::InvalidArgument("the two passwords differ; nothing was created");
  return first;
}

void AddAccountCommands(CLI::App& hub_command, Context& context) {
  auto* group = hub_command.add_subcommand("account", "The site's accounts that tills log in to");
  group->require_subcommand(1);

  auto* create = group->add_subcommand("create", "Create an account and print the hub's CURVE public key");
  create->footer(
      "NAME has the form of an e-mail address. The password needs at least 8 characters, an upper and a\n"
      "lower case letter, a digit and one of !§$%&=+*#-.:,;<> and no spaces; it is asked twice on the\n"
      "terminal, or read as one line from an open file descriptor with --password-fd (never an argument).\n"
      "It is stored only as a salted PBKDF2-HMAC-SHA256 hash. The hub's CURVE key pair (DATA/curve.keys)\n"
      "is made when missing; every till pins the printed public key when it joins.\n"
      "Run it with the hub stopped. Examples:\n"
      "  pos --data hub hub account create --name kasse@example.com\n"
      "  pos --data hub hub account create --name kasse@example.com --password-fd 3 3<password.txt");
  struct CreateArgs {
    std::string name;
    int password_fd = -1;
  };
  auto create_args = std::make_shared<CreateArgs>();
  create->add_option("--name", create_args->name, "The account name, e.g. kasse@example.com")->required();
  create->add_option("--password-fd", create_args->password_fd,
                     "Read the password as one line from this open file descriptor (0: standard input)");
  create->callback([&context, create_args] {
    if (Status name = CheckAccountName(create_args->name); !name.ok()) {
      context.Fail(name);
      return;
    }
    auto hub = OpenHub(context);
    if (!hub.ok()) {
      context.Fail(hub.status());
      return;
    }
    auto password = ReadNewPassword(create_args->name, create_args->password_fd);
    if (!password.ok()) {
      context.Fail(password.status());
      return;
    }
    if (Status checked = CheckPassword(*password); !checked.ok()) {
      context.Fail(checked);
      return;
    }
    auto keys = LoadOrCreateCurveKeys(CurveKeysPath(context));
    if (!keys.ok()) {
      context.Fail(keys.status());
      return;
    }
    if (Status created = hub->accounts->CreateAccount(create_args->name, *password); !created.ok()) {
      context.Fail(created);
      return;
    }
    if (context.options.json) {
      context.PrintJson({{"account", create_args->name},
                         {"hub_curve_public_key", keys->public_key},
                         {"hub_node_id", ToHex(hub->store->node_id())}});
    } else {
      std::cout << "created hub account " << create_args->name << "\n"
                << "hub CURVE public key (pin it on every till that joins): " << keys->public_key << "\n";
    }
  });

  auto* list = group->add_subcommand("list", "List the accounts and their admitted tills");
  list->footer("Password hashes are never shown. `failed logins` counts consecutive failures since the last\n"
               "success; while throttled, logins to the account are refused until the time shown.");
  list->callback([&context] {
    auto hub = OpenHub(context);
    if (!hub.ok()) {
      context.Fail(hub.status());
      return;
    }
    nlohmann::json out = nlohmann::json::array();
    for (const HubAccountSummary& account : hub->accounts->Accounts()) {
      nlohmann::json tills = nlohmann::json::array();
      for (const TillAdmission& till : hub->accounts->TillsOf(account.name)) {
        tills.push_back({{"node_id", ToHex(till.till_node_id)},
                         {"name", till.till_name},
                         {"curve_public_key", till.till_curve_public_key},
                         {"admitted_at", FormatTimestamp(till.admitted_at_us)}});
      }
      out.push_back({{"account", account.name},
                     {"created_at", FormatTimestamp(account.created_at_us)},
                     {"tills", tills},
                     {"reset_pending", account.reset_pending},
                     {"failed_logins", account.failed_logins},
                     {"throttled_until",
                      account.login_retry_at_us > 0 ? FormatTimestamp(account.login_retry_at_us) : ""},
                     {"password_hash", {{"algorithm", account.password_algorithm},
                                        {"iterations", account.password_iterations}}}});
    }
    if (context.options.json) {
      context.PrintJson(out);
      return;
    }
    if (out.empty()) {
      std::cout << "no hub accounts (create one with `pos hub account create --name NAME`)\n";
      return;
    }
    for (const auto& account : out) {
      std::cout << account["account"].get<std::string>() << "  created " << account["created_at"].get<std::string>()
                << "  tills " << account["tills"].size()
                << (account["reset_pending"].get<bool>() ? "  PASSWORD RESET PENDING" : "")
                << "  failed logins " << account["failed_logins"].get<int>();
      if (!account["throttled_until"].get<std::string>().empty()) {
        std::cout << " (throttled until " << account["throttled_until"].get<std::string>() << ")";
      }
      std::cout << "\n";
      for (const auto& till : account["tills"]) {
        std::cout << "  till " << till["name"].get<std::string>() << "  " << till["node_id"].get<std::string>()
                  << "  key " << till["curve_public_key"].get<std::string>() << "  admitted "
                  << till["admitted_at"].get<std::string>() << "\n";
      }
    }
  });
}

void AddPasswordResetCommands(CLI::App& hub_command, Context& context) {
  auto* group = hub_command.add_subcommand("password-reset", "Password resets requested by tills, approved here");
  group->footer("A till asks for a reset with a new password; from then on every till of the account is signed\n"
                "off (they keep selling offline) until an admin approves here. After approval the tills log in\n"
                "with the new password and sync catches up.");
  group->require_subcommand(1);

  auto* list = group->add_subcommand("list", "List the pending password resets");
  list->callback([&context] {
    auto hub = OpenHub(context);
    if (!hub.ok()) {
      context.Fail(hub.status());
      return;
    }
    nlohmann::json out = nlohmann::json::array();
    for (const PendingPasswordReset& reset : hub->accounts->PendingResets()) {
      out.push_back({{"account", reset.account},
                     {"requested_by_till", ToHex(reset.requested_by_till_node_id)},
                     {"requested_by_till_name", reset.requested_by_till_name},
                     {"requested_at", FormatTimestamp(reset.requested_at_us)}});
    }
    if (context.options.json) {
      context.PrintJson(out);
      return;
    }
    if (out.empty()) std::cout << "no pending password resets\n";
    for (const auto& reset : out) {
      std::cout << reset["account"].get<std::string>() << "  requested " << reset["requested_at"].get<std::string>()
                << " by till " << reset["requested_by_till_name"].get<std::string>() << " ("
                << reset["requested_by_till"].get<std::string>() << ")\n";
    }
  });

  auto* approve = group->add_subcommand("approve", "Put an account's requested new password in force");
  approve->footer("Approve only a reset you expected: whoever knows the new password can then join tills.\n"
                  "Example: pos --data hub hub password-reset approve --account kasse@example.com");
  auto account = std::make_shared<std::string>();
  approve->add_option("--account", *account, "The account whose pending reset to approve")->required();
  approve->callback([&context, account] {
    auto hub = OpenHub(context);
    if (!hub.ok()) {
      context.Fail(hub.status());
      return;
    }
    if (Status approved = hub->accounts->ApprovePasswordReset(*account); !approved.ok()) {
      context.Fail(approved);
      return;
    }
    if (context.options.json) {
      context.PrintJson({{"account", *account}, {"approved", true}});
    } else {
      std::cout << "approved: the new password of " << *account
                << " is in force; its tills log in again with it (`pos sync join`)\n";
    }
  });
}

}  // namespace

void AddHubAccountCommands(CLI::App& app, Context& context) {
  // `pos hub` is shared with `pos hub serve`: find it when it is there already.
  auto found = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "hub"; });
  CLI::App* hub = found.empty() ? app.add_subcommand("hub", "The site hub: accounts, password resets, serving tills")
                                : found.front();
  hub->require_subcommand(1);
  AddAccountCommands(*hub, context);
  AddPasswordResetCommands(*hub, context);
}

}  // namespace pos::cli
