// Licensing (docs/licensing.md):
//   pos vendor keygen|issue|release          the vendor's signing side (no store)
//   pos license load|activate|apply|deactivate|status   a till's license (admin only, but status)
//   pos license-server [answer|load|release|status]     the license server and its offline/admin side
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "adapters/license_wire.h"
#include "adapters/serve_file.h"
#include "adapters/zmq_command_client.h"
#include "adapters/zmq_command_server.h"
#include "domain/licensing/license_file.h"
#include "domain/licensing/license_server_state.h"
#include "domain/licensing/till_license.h"
#include "engine/bytes.h"
#include "engine/pin_hash.h"
#include "projections/catalog.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/secret_input.h"

namespace pos::cli {
namespace {

using licensing::License;

// Runs `body`; a non-ok Status becomes the command's error.
template <typename Body>
auto Run(Context& context, Body body) {
  return [&context, body] {
    Status s = body();
    if (!s.ok()) context.Fail(s);
  };
}

std::string JoinPath(const std::string& dir, std::string_view name) { return dir + "/" + std::string(name); }

std::vector<std::string> SplitModules(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

nlohmann::json LicenseJson(const License& license) {
  return {{"license_id", license.license_id}, {"customer", license.terms.customer},
          {"seats", license.terms.seats},     {"modules", license.terms.modules},
          {"expires", license.terms.expires}, {"issued_at", license.issued_at}};
}

nlohmann::json HoldersJson(const std::vector<lic::SeatHolder>& holders) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : holders) {
    out.push_back({{"seat_id", h.seat_id},
                   {"node_name", h.node_name},
                   {"fingerprint", h.fingerprint},
                   {"description", h.description},
                   {"excess", h.excess}});
  }
  return out;
}

void PrintHolders(const std::vector<lic::SeatHolder>& holders) {
  for (const auto& h : holders) {
    std::cout << "  seat " << h.seat_id << "  " << h.node_name << "  " << h.fingerprint.substr(0, 16) << "…"
              << (h.excess ? "  OVER-ASSIGNED" : "") << "\n";
  }
}

// ---- the vendor -------------------------------------------------------------

void AddVendorCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("vendor", "The vendor's side of licensing: keys, license files, release tokens");
  group->require_subcommand(1);

  auto out_dir = std::make_shared<std::string>();
  auto* keygen = group->add_subcommand("keygen", "Make the vendor's Ed25519 key pair (vendor.key 0600, vendor.pub)");
  keygen->add_option("--out", *out_dir, "Directory for vendor.key and vendor.pub")->required();
  keygen->callback(Run(context, [&context, out_dir]() -> Status {
    POS_RETURN_IF_ERROR(licensing::GenerateVendorKeys(*out_dir));
    if (context.options.json) {
      context.PrintJson({{"private_key", JoinPath(*out_dir, licensing::kPrivateKeyFile)},
                         {"public_key", JoinPath(*out_dir, licensing::kPublicKeyFile)}});
    } else {
      std::cout << "wrote " << JoinPath(*out_dir, licensing::kPrivateKeyFile) << " (keep it secret) and "
                << JoinPath(*out_dir, licensing::kPublicKeyFile) << " (give it to license servers and tills)\n";
    }
    return Status::Ok();
  }));

  struct IssueArgs {
    std::string key_dir, customer, modules, expires, out, seat;
    uint32_t seats = 0;
  };
  auto issue_args = std::make_shared<IssueArgs>();
  auto* issue = group->add_subcommand("issue", "Sign a license file for a customer");
  issue->footer("Example: pos vendor issue --key vendor-keys --customer 4711 --seats 3 --modules tse,dsfinvk "
                "--expires 2027-12-31 customer-4711.lic");
  issue->add_option("--key", issue_args->key_dir, "Directory holding vendor.key")->required();
  issue->add_option("--customer", issue_args->customer, "The customer number")->required();
  issue->add_option("--seats", issue_args->seats, "Number of seats (tills)")->required()->check(CLI::PositiveNumber);
  issue->add_option("--modules", issue_args->modules, "Comma-separated licensed modules");
  issue->add_option("--expires", issue_args->expires, "Last valid day, YYYY-MM-DD (default: never)");
  issue->add_option("out", issue_args->out, "The license file to write")->required();
  issue->callback(Run(context, [&context, issue_args]() -> Status {
    POS_ASSIGN_OR_RETURN(std::string key,
                         licensing::ReadFileText(JoinPath(issue_args->key_dir, licensing::kPrivateKeyFile)));
    licensing::LicenseTerms terms{issue_args->customer, issue_args->seats, SplitModules(issue_args->modules),
                                  issue_args->expires};
    POS_ASSIGN_OR_RETURN(std::string text, licensing::IssueLicense(key, terms));
    POS_RETURN_IF_ERROR(licensing::WriteFileText(issue_args->out, text));
    if (context.options.json) {
      context.PrintJson({{"file", issue_args->out}});
    } else {
      std::cout << "wrote " << issue_args->out << ": customer " << terms.customer << ", " << terms.seats
                << " seat(s)\n";
    }
    return Status::Ok();
  }));

  auto release_args = std::make_shared<IssueArgs>();
  auto* release = group->add_subcommand("release", "Sign a token that forces a seat free (a till whose hardware died)");
  release->footer("Example: pos vendor release --key vendor-keys --customer 4711 --seat 3f2a… release.token");
  release->add_option("--key", release_args->key_dir, "Directory holding vendor.key")->required();
  release->add_option("--customer", release_args->customer, "The customer number")->required();
  release->add_option("--seat", release_args->seat, "The seat id (see `pos license-server status`)")->required();
  release->add_option("out", release_args->out, "The token file to write")->required();
  release->callback(Run(context, [&context, release_args]() -> Status {
    POS_ASSIGN_OR_RETURN(std::string key,
                         licensing::ReadFileText(JoinPath(release_args->key_dir, licensing::kPrivateKeyFile)));
    POS_ASSIGN_OR_RETURN(std::string text,
                         licensing::IssueReleaseToken(key, release_args->customer, release_args->seat));
    POS_RETURN_IF_ERROR(licensing::WriteFileText(release_args->out, text));
    if (context.options.json) {
      context.PrintJson({{"file", release_args->out}});
    } else {
      std::cout << "wrote " << release_args->out << ": release of seat " << release_args->seat << "\n";
    }
    return Status::Ok();
  }));
}

// ---- the till ---------------------------------------------------------------

struct AdminArgs {
  std::string admin;
  bool pin_stdin = false;
};

void AddAdminOptions(CLI::App* cmd, AdminArgs& args) {
  cmd->add_option("--admin", args.admin, "Id of the admin doing this (PIN from standard input or the terminal)")
      ->required();
  cmd->add_flag("--pin-stdin", args.pin_stdin, "Read the admin's PIN from standard input");
}

// Opens the till's node and authenticates the admin against the catalog users.
Result<Actor> AuthenticateAdmin(Node& node, const AdminArgs& args) {
  POS_ASSIGN_OR_RETURN(std::string pin, ReadSecret("admin PIN", args.pin_stdin || isatty(STDIN_FILENO) != 1));
  POS_ASSIGN_OR_RETURN(ProjectionReader reader, node.runner->Reader(CatalogProjection::kName));
  POS_ASSIGN_OR_RETURN(auto user, CatalogView(reader).FindUser(args.admin));
  if (!user.has_value() || !VerifySecret(pin, user->pin_hash)) {
    return Status::PermissionDenied("refused: unknown user or wrong PIN for " + args.admin);
  }
  if (user->role != UserRole::kAdmin) {
    return Status::PermissionDenied("only admins may manage licenses; " + args.admin + " is not an admin");
  }
  return Actor{user->id, user->role};
}

Result<std::string> TillVendorKey(const Context& context, const std::string& option) {
  const std::string stored = JoinPath(context.options.data_dir, licensing::kPublicKeyFile);
  const std::string path = option.empty() ? stored : option;
  auto key = licensing::ReadFileText(path);
  if (!key.ok()) {
    return Status::FailedPrecondition("no vendor public key: pass --vendor-pubkey FILE (it is then kept as " + stored +
                                      ")");
  }
  POS_RETURN_IF_ERROR(licensing::CheckPublicKey(*key).WithContext(path));
  if (!option.empty() && !std::filesystem::exists(stored)) {
    POS_RETURN_IF_ERROR(licensing::WriteFileText(stored, *key));
  }
  return key;
}

Result<lic::LicenseReply> CallServer(const std::string& address, const std::string& request) {
  ZmqCommandClient client(address, std::chrono::seconds(10));
  auto bytes = client.Call(request);
  if (!bytes.ok()) {
    return Status::Unavailable("the license server at " + address + " did not answer: " + bytes.status().message());
  }
  return lic::ParseReply(*bytes);
}

Status RecordActivation(Context& context, Node& node, const Actor& admin, const lic::LicenseReply& reply,
                        const std::string& server) {
  POS_RETURN_IF_ERROR(reply.status());
  if (reply.seat_id.empty()) return Status::InvalidArgument("the reply grants no seat (not an activation reply)");
  POS_ASSIGN_OR_RETURN(MachineIdentity machine, ReadMachineIdentity());
  const std::string node_id = ToHex(node.store->node_id());
  if (reply.node_id != node_id) {
    return Status::FailedPrecondition("the activation is for another till (" + reply.node_id + "), not this one (" +
                                      node_id + ")");
  }
  POS_ASSIGN_OR_RETURN(licensing::TillLicense state, licensing::TillLicense::Load(*node.store));
  if (state.license() && !reply.customer.empty() && reply.customer != state.license()->terms.customer) {
    return Status::PermissionDenied("customer number is wrong");
  }
  licensing::SeatGrant grant{reply.license_id, reply.seat_id, reply.fingerprint, server};
  auto batch = state.DecideActivated(grant, node_id, node.store->node_name(), machine, admin);
  if (!batch.ok() && batch.status().code() != StatusCode::kAlreadyExists) return batch.status();
  if (batch.ok()) POS_RETURN_IF_ERROR(node.store->Append(std::move(batch).value()).status());
  if (context.options.json) {
    context.PrintJson({{"ok", true},
                       {"seat_id", reply.seat_id},
                       {"fingerprint", reply.fingerprint},
                       {"seats", reply.seats},
                       {"used", reply.used},
                       {"available", reply.available}});
  } else {
    std::cout << "activated: seat " << reply.seat_id << " bound to this machine " << reply.fingerprint.substr(0, 16)
              << "… (" << reply.used << " of " << reply.seats << " seats used, " << reply.available
              << " available)\n";
  }
  return Status::Ok();
}

void AddLicenseCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("license", "This till's license: load, activate, apply, deactivate, status");
  group->require_subcommand(1);
  group->footer("Without an active license the till runs in demo mode: receipts are training receipts, printed DEMO.\n"
                "Manage licenses with the till's daemon stopped. docs/licensing.md");

  struct Args {
    AdminArgs admin;
    std::string file, vendor_pubkey, server, request_out, customer;
  };

  auto load_args = std::make_shared<Args>();
  auto* load = group->add_subcommand("load", "Load a vendor-signed license file (admin)");
  AddAdminOptions(load, load_args->admin);
  load->add_option("--vendor-pubkey", load_args->vendor_pubkey, "The vendor public key (default <data>/vendor.pub)");
  load->add_option("file", load_args->file, "The license file")->required();
  load->callback(Run(context, [&context, load_args]() -> Status {
    POS_ASSIGN_OR_RETURN(Node node, context.OpenNode());
    POS_ASSIGN_OR_RETURN(Actor admin, AuthenticateAdmin(node, load_args->admin));
    POS_ASSIGN_OR_RETURN(std::string key, TillVendorKey(context, load_args->vendor_pubkey));
    POS_ASSIGN_OR_RETURN(std::string text, licensing::ReadFileText(load_args->file));
    POS_ASSIGN_OR_RETURN(License license, licensing::ParseLicense(text, key));
    POS_ASSIGN_OR_RETURN(licensing::TillLicense state, licensing::TillLicense::Load(*node.store));
    POS_ASSIGN_OR_RETURN(AppendBatch batch, state.DecideLoad(license, admin));
    POS_RETURN_IF_ERROR(node.store->Append(std::move(batch)).status());
    if (context.options.json) {
      context.PrintJson({{"ok", true}, {"license", LicenseJson(license)}});
    } else {
      std::cout << "loaded license " << license.license_id << ": customer " << license.terms.customer << ", "
                << license.terms.seats << " seat(s); activate it with `pos license activate`\n";
    }
    return Status::Ok();
  }));

  auto act_args = std::make_shared<Args>();
  auto* activate = group->add_subcommand("activate", "Bind a seat to this machine: online (--server) or offline (--request)");
  activate->footer("Online:  pos license activate --server tcp://licenses:7400 --admin root --pin-stdin\n"
                   "Offline: pos license activate --request till.req …; at the server: pos license-server answer "
                   "till.req till.resp; then pos license apply till.resp …");
  AddAdminOptions(activate, act_args->admin);
  auto* server_opt = activate->add_option("--server", act_args->server, "The license server's ZeroMQ address");
  auto* request_opt = activate->add_option("--request", act_args->request_out, "Write an offline request file instead");
  server_opt->excludes(request_opt);
  activate->callback(Run(context, [&context, act_args]() -> Status {
    if (act_args->server.empty() && act_args->request_out.empty()) {
      return Status::InvalidArgument("give --server ADDR (online) or --request OUT (offline)");
    }
    POS_ASSIGN_OR_RETURN(Node node, context.OpenNode());
    POS_ASSIGN_OR_RETURN(Actor admin, AuthenticateAdmin(node, act_args->admin));
    POS_ASSIGN_OR_RETURN(licensing::TillLicense state, licensing::TillLicense::Load(*node.store));
    if (!state.license()) return Status::FailedPrecondition("no license is loaded (`pos license load FILE`)");
    POS_ASSIGN_OR_RETURN(MachineIdentity machine, ReadMachineIdentity());
    licensing::ActivationRequest request{state.license()->terms.customer, ToHex(node.store->node_id()),
                                         node.store->node_name(), machine.fingerprint, machine.description};
    const std::string bytes = lic::ActivateRequest(request);
    if (!act_args->request_out.empty()) {
      POS_RETURN_IF_ERROR(licensing::WriteFileText(act_args->request_out, bytes));
      if (context.options.json) {
        context.PrintJson({{"ok", true}, {"request", act_args->request_out}});
      } else {
        std::cout << "wrote " << act_args->request_out
                  << "; answer it at the license server (`pos license-server answer REQUEST RESPONSE`) and apply "
                     "the response here (`pos license apply RESPONSE`)\n";
      }
      return Status::Ok();
    }
    POS_ASSIGN_OR_RETURN(lic::LicenseReply reply, CallServer(act_args->server, bytes));
    return RecordActivation(context, node, admin, reply, act_args->server);
  }));

  auto apply_args = std::make_shared<Args>();
  auto* apply = group->add_subcommand("apply", "Apply an offline activation response file (admin)");
  AddAdminOptions(apply, apply_args->admin);
  apply->add_option("file", apply_args->file, "The response file from `pos license-server answer`")->required();
  apply->callback(Run(context, [&context, apply_args]() -> Status {
    POS_ASSIGN_OR_RETURN(Node node, context.OpenNode());
    POS_ASSIGN_OR_RETURN(Actor admin, AuthenticateAdmin(node, apply_args->admin));
    POS_ASSIGN_OR_RETURN(std::string bytes, licensing::ReadFileText(apply_args->file));
    POS_ASSIGN_OR_RETURN(lic::LicenseReply reply, lic::ParseReply(bytes));
    return RecordActivation(context, node, admin, reply, "offline");
  }));

  auto de_args = std::make_shared<Args>();
  auto* deactivate = group->add_subcommand("deactivate", "Give this till's seat back to the license server (admin)");
  AddAdminOptions(deactivate, de_args->admin);
  deactivate->add_option("--customer-number", de_args->customer, "The customer number of the license")->required();
  deactivate->add_option("--server", de_args->server, "The license server (default: the one it was activated at)");
  deactivate->callback(Run(context, [&context, de_args]() -> Status {
    POS_ASSIGN_OR_RETURN(Node node, context.OpenNode());
    POS_ASSIGN_OR_RETURN(Actor admin, AuthenticateAdmin(node, de_args->admin));
    POS_ASSIGN_OR_RETURN(licensing::TillLicense state, licensing::TillLicense::Load(*node.store));
    POS_RETURN_IF_ERROR(state.CheckCustomerNumber(de_args->customer));
    if (!state.seat()) return Status::FailedPrecondition("this till has no active seat");
    std::string server = de_args->server.empty() ? state.seat()->server : de_args->server;
    if (server.empty() || server == "offline") {
      return Status::InvalidArgument("this seat was activated offline; name the license server with --server ADDR");
    }
    POS_ASSIGN_OR_RETURN(lic::LicenseReply reply,
                         CallServer(server, lic::DeactivateRequest(de_args->customer, ToHex(node.store->node_id()),
                                                                  state.seat()->fingerprint)));
    // A seat the server no longer has (released by a vendor token) is given up here too.
    if (!reply.ok && reply.status().code() != StatusCode::kNotFound) return reply.status();
    POS_ASSIGN_OR_RETURN(AppendBatch batch, state.DecideDeactivated(admin));
    POS_RETURN_IF_ERROR(node.store->Append(std::move(batch)).status());
    if (context.options.json) {
      context.PrintJson({{"ok", true}, {"seats", reply.seats}, {"used", reply.used}, {"available", reply.available}});
    } else {
      std::cout << "deactivated: the seat is free again; this till now runs in demo mode\n";
    }
    return Status::Ok();
  }));

  auto status_server = std::make_shared<std::string>();
  auto* status = group->add_subcommand("status", "Show the license, the seat and whether this till runs licensed or in demo mode");
  status->add_option("--server", *status_server,
                     "Also ask this license server whether it holds this till's seat (and whether it is over-assigned)");
  status->callback(Run(context, [&context, status_server]() -> Status {
    POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, context.OpenStore());
    POS_ASSIGN_OR_RETURN(licensing::TillLicense state, licensing::TillLicense::Load(*store));
    POS_ASSIGN_OR_RETURN(MachineIdentity machine, ReadMachineIdentity());
    const Status check = state.Check(machine, licensing::TodayUtc());
    nlohmann::json at_server = nullptr;
    if (!status_server->empty()) {
      POS_ASSIGN_OR_RETURN(lic::LicenseReply reply, CallServer(*status_server, lic::StatusRequest()));
      POS_RETURN_IF_ERROR(reply.status());
      const std::string node_id = ToHex(store->node_id());
      at_server = {{"held", false}, {"excess", false}, {"seats", reply.seats}, {"used", reply.used},
                   {"available", reply.available}};
      for (const auto& h : reply.holders) {
        if (h.seat_id == node_id) {
          at_server["held"] = true;
          at_server["excess"] = h.excess;
          at_server["fingerprint"] = h.fingerprint;
        }
      }
    }
    if (context.options.json) {
      const std::string mode = !state.managed() ? "unmanaged" : check.ok() ? "licensed" : "demo";
      nlohmann::json out = {{"mode", mode},
                            {"reason", check.ok() ? "" : check.message()},
                            {"this_machine", machine.fingerprint},
                            {"license", state.license() ? LicenseJson(*state.license()) : nlohmann::json(nullptr)}};
      if (state.seat()) {
        out["seat"] = {{"seat_id", state.seat()->seat_id},
                       {"fingerprint", state.seat()->fingerprint},
                       {"server", state.seat()->server},
                       {"license_id", state.seat()->license_id}};
      } else {
        out["seat"] = nullptr;
      }
      out["server"] = at_server;
      context.PrintJson(out);
      return Status::Ok();
    }
    if (state.license()) {
      const License& l = *state.license();
      std::cout << "license   " << l.license_id << "  customer " << l.terms.customer << ", " << l.terms.seats
                << " seat(s), expires " << (l.terms.expires.empty() ? "never" : l.terms.expires) << "\n";
    } else {
      std::cout << "license   (none loaded)\n";
    }
    if (state.seat()) {
      std::cout << "seat      " << state.seat()->seat_id << " at " << state.seat()->server << ", bound to "
                << state.seat()->fingerprint.substr(0, 16) << "…\n";
    } else {
      std::cout << "seat      (not activated)\n";
    }
    std::cout << "mode      "
              << (!state.managed() ? "not license-managed (a store made without `pos init`)"
                  : check.ok()     ? "licensed"
                                   : "DEMO: " + check.message())
              << "\n";
    if (!at_server.is_null()) {
      std::cout << "server    " << (at_server["held"].get<bool>() ? "holds this till's seat" : "holds NO seat for this till")
                << (at_server["excess"].get<bool>() ? " (OVER-ASSIGNED: an admin must release seats)" : "") << "; "
                << at_server["used"].get<uint32_t>() << " of " << at_server["seats"].get<uint32_t>() << " seats used\n";
    }
    return Status::Ok();
  }));
}

// ---- the license server -------------------------------------------------------

std::atomic<ZmqCommandServer*> g_license_server{nullptr};

void StopLicenseServer(int) {
  ZmqCommandServer* server = g_license_server.load();
  if (server != nullptr) server->Stop();
}

struct ServerArgs {
  std::string listen = "tcp://127.0.0.1:7400";
  std::string vendor_pubkey;
  std::string file, out;
};

// The vendor key of a server's data dir: --vendor-pubkey (kept as <data>/vendor.pub
// the first time), else <data>/vendor.pub.
Result<std::string> ServerVendorKey(const std::string& data, const std::string& option) {
  const std::string stored = JoinPath(data, licensing::kPublicKeyFile);
  if (!option.empty()) {
    POS_ASSIGN_OR_RETURN(std::string key, licensing::ReadFileText(option));
    POS_RETURN_IF_ERROR(licensing::CheckPublicKey(key).WithContext(option));
    auto existing = licensing::ReadFileText(stored);
    if (existing.ok() && *existing != key) {
      return Status::FailedPrecondition("this license server was set up with another vendor key (" + stored + ")");
    }
    if (!existing.ok()) POS_RETURN_IF_ERROR(licensing::WriteFileText(stored, key));
    return key;
  }
  auto key = licensing::ReadFileText(stored);
  if (!key.ok()) {
    return Status::FailedPrecondition("no vendor public key in " + data + ": pass --vendor-pubkey FILE");
  }
  return key;
}

// Opens the server's store, creating it (a hub-like node "license-server") when absent.
Result<std::unique_ptr<EventStore>> OpenServerStore(const std::string& data) {
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(data, ec) || std::filesystem::is_empty(data, ec);
  if (fresh) return EventStore::Create(data, {.node_name = "license-server", .hub = true});
  return EventStore::Open(data);
}

// Sends one request to the running server of `data`, or handles it on the store
// when no server runs.
Result<lic::LicenseReply> ServerCall(const std::string& data, const std::string& vendor_option,
                                     const std::string& request) {
  auto info = ReadServeFile(data);
  if (info.ok() && info->has_value() && ProcessAlive((*info)->pid)) {
    return CallServer((*info)->endpoint, request);
  }
  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenServerStore(data));
  POS_ASSIGN_OR_RETURN(std::string key, ServerVendorKey(data, vendor_option));
  lic::LicenseServer server(*store, key);
  return lic::ParseReply(server.Handle(request));
}

void PrintServerReply(const Context& context, const lic::LicenseReply& reply, std::string_view what) {
  if (context.options.json) {
    context.PrintJson({{"ok", reply.ok},
                       {"license_id", reply.license_id},
                       {"customer", reply.customer},
                       {"expires", reply.expires},
                       {"seats", reply.seats},
                       {"used", reply.used},
                       {"available", reply.available},
                       {"holders", HoldersJson(reply.holders)}});
    return;
  }
  if (!what.empty()) std::cout << what << "\n";
  std::cout << "license " << (reply.license_id.empty() ? "(none)" : reply.license_id) << "  customer "
            << reply.customer << "  seats " << reply.seats << ", used " << reply.used << ", available "
            << reply.available << (reply.used > reply.seats ? "  OVER-ASSIGNED" : "") << "\n";
  PrintHolders(reply.holders);
}

void AddLicenseServerCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<ServerArgs>();
  auto* server = app.add_subcommand("license-server", "Run a license server (seats of one customer's license)");
  server->require_subcommand(0, 1);
  server->footer("Run:    pos license-server --data DIR --listen tcp://127.0.0.1:7400 --vendor-pubkey vendor.pub\n"
                 "Admin:  pos license-server --data DIR load LICENSE | release TOKEN | status | answer REQUEST OUT\n"
                 "(these go through the running server when there is one). docs/licensing.md");
  server->add_option("--listen", args->listen, "ZeroMQ endpoint to bind")->capture_default_str();
  server->add_option("--vendor-pubkey", args->vendor_pubkey, "The vendor public key (kept as <data>/vendor.pub)");
  server->callback([&context, args, server] {
    if (!server->get_subcommands().empty()) return;  // a subcommand ran
    Status s = [&]() -> Status {
      const std::string& data = context.options.data_dir;
      POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenServerStore(data));
      POS_ASSIGN_OR_RETURN(std::string key, ServerVendorKey(data, args->vendor_pubkey));
      lic::LicenseServer handler(*store, key);
      POS_ASSIGN_OR_RETURN(
          std::unique_ptr<ZmqCommandServer> zmq,
          ZmqCommandServer::Bind(args->listen, [&handler](std::string_view request) { return handler.Handle(request); }));
      POS_RETURN_IF_ERROR(WriteServeFile(data, {zmq->endpoint(), getpid(), "license-server"}));
      g_license_server.store(zmq.get());
      struct sigaction action {};
      action.sa_handler = StopLicenseServer;
      sigaction(SIGINT, &action, nullptr);
      sigaction(SIGTERM, &action, nullptr);
      if (context.options.json) {
        std::cout << nlohmann::json{{"endpoint", zmq->endpoint()}, {"pid", getpid()}}.dump() << std::endl;
      } else {
        std::cout << "license server listening on " << zmq->endpoint() << " (pid " << getpid() << ")" << std::endl;
      }
      Status served = zmq->Serve();
      g_license_server.store(nullptr);
      RemoveServeFile(data);
      return served;
    }();
    if (!s.ok()) context.Fail(s);
  });

  auto* load = server->add_subcommand("load", "Load a (new) license file of this server's customer");
  load->add_option("file", args->file, "The license file")->required();
  load->callback(Run(context, [&context, args]() -> Status {
    POS_ASSIGN_OR_RETURN(std::string text, licensing::ReadFileText(args->file));
    POS_ASSIGN_OR_RETURN(lic::LicenseReply reply,
                         ServerCall(context.options.data_dir, args->vendor_pubkey, lic::LoadLicenseRequest(text)));
    POS_RETURN_IF_ERROR(reply.status());
    PrintServerReply(context, reply, "license loaded");
    if (reply.used > reply.seats && !context.options.json) {
      std::cout << (reply.used - reply.seats)
                << " seat(s) over-assigned: no till can activate until seats are released\n";
    }
    return Status::Ok();
  }));

  auto* release = server->add_subcommand("release", "Force a seat free with a vendor-signed release token");
  release->add_option("token", args->file, "The release token file")->required();
  release->callback(Run(context, [&context, args]() -> Status {
    POS_ASSIGN_OR_RETURN(std::string text, licensing::ReadFileText(args->file));
    POS_ASSIGN_OR_RETURN(lic::LicenseReply reply,
                         ServerCall(context.options.data_dir, args->vendor_pubkey, lic::ReleaseRequest(text)));
    POS_RETURN_IF_ERROR(reply.status());
    PrintServerReply(context, reply, "seat released");
    return Status::Ok();
  }));

  auto* status = server->add_subcommand("status", "The license and which till holds each seat");
  status->callback(Run(context, [&context, args]() -> Status {
    POS_ASSIGN_OR_RETURN(lic::LicenseReply reply,
                         ServerCall(context.options.data_dir, args->vendor_pubkey, lic::StatusRequest()));
    POS_RETURN_IF_ERROR(reply.status());
    PrintServerReply(context, reply, "");
    return Status::Ok();
  }));

  auto* answer = server->add_subcommand("answer", "Answer an offline activation request file with a response file");
  answer->add_option("request", args->file, "The request file from `pos license activate --request`")->required();
  answer->add_option("out", args->out, "The response file to write")->required();
  answer->callback(Run(context, [&context, args]() -> Status {
    POS_ASSIGN_OR_RETURN(std::string request, licensing::ReadFileText(args->file));
    if (!lic::IsRequest(request)) return Status::InvalidArgument(args->file + " is not a license request file");
    auto info = ReadServeFile(context.options.data_dir);
    std::string reply_bytes;
    if (info.ok() && info->has_value() && ProcessAlive((*info)->pid)) {
      ZmqCommandClient client((*info)->endpoint, std::chrono::seconds(10));
      POS_ASSIGN_OR_RETURN(reply_bytes, client.Call(request));
    } else {
      POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenServerStore(context.options.data_dir));
      POS_ASSIGN_OR_RETURN(std::string key, ServerVendorKey(context.options.data_dir, args->vendor_pubkey));
      lic::LicenseServer handler(*store, key);
      reply_bytes = handler.Handle(request);
    }
    POS_ASSIGN_OR_RETURN(lic::LicenseReply reply, lic::ParseReply(reply_bytes));
    // A refusal is not written as a response: the till could do nothing with it.
    POS_RETURN_IF_ERROR(reply.status());
    POS_RETURN_IF_ERROR(licensing::WriteFileText(args->out, reply_bytes));
    if (context.options.json) {
      context.PrintJson({{"ok", true}, {"response", args->out}, {"seat_id", reply.seat_id}});
    } else {
      std::cout << "wrote " << args->out << ": seat " << reply.seat_id << " for " << reply.node_id << "\n";
    }
    return Status::Ok();
  }));
}

}  // namespace

void AddLicensingCommands(CLI::App& app, Context& context) {
  AddVendorCommands(app, context);
  AddLicenseCommands(app, context);
  AddLicenseServerCommand(app, context);
}

}  // namespace pos::cli
