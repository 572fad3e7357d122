// `pos hub serve`: the site hub's sync server (sync/hub_server.h, docs/sync.md)
// until SIGINT or SIGTERM.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "adapters/serve_file.h"
#include "engine/stop_signals.h"
#include "projections/hub_projections.h"
#include "projections/projection_runner.h"
#include "sync/curve_keys.h"
#include "sync/handover_arbiter.h"
#include "sync/handover_wire.h"
#include "sync/hub_accounts.h"
#include "sync/hub_server.h"
#include "sync/zap_authenticator.h"
#include "tools/pos/cli_context.h"

namespace pos::cli {
namespace {

CLI::App* HubCommand(CLI::App& app) {
  auto found = app.get_subcommands([](const CLI::App* sub) { return sub->get_name() == "hub"; });
  if (!found.empty()) return found.front();
  return app.add_subcommand("hub", "The site hub: accounts and the sync server tills replicate to (docs/sync.md)");
}

Status ServeHub(Context& context, const std::string& listen) {
  StopSignals signals;  // before RocksDB or ZeroMQ start any thread
  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, context.OpenStore());
  POS_ASSIGN_OR_RETURN(std::unique_ptr<HubAccounts> accounts, HubAccounts::Open(*store, DefaultClock()));
  const std::string key_path = (std::filesystem::path(context.options.data_dir) / kCurveKeysFileName).string();
  POS_ASSIGN_OR_RETURN(CurveKeyPair keys, LoadOrCreateCurveKeys(key_path));

  HubAccounts* hub_accounts = accounts.get();
  sync::HubServerOptions options;
  options.listen = listen;
  options.public_key = keys.public_key;
  options.secret_key = keys.secret_key;
  options.start_authenticator = [hub_accounts](zmq::context_t& zmq_context) -> Result<std::shared_ptr<void>> {
    POS_ASSIGN_OR_RETURN(std::unique_ptr<ZapAuthenticator> zap,
                         ZapAuthenticator::Start(zmq_context, [hub_accounts](std::string_view key) {
                           return hub_accounts->AccountOfKey(key);
                         }));
    return std::shared_ptr<void>(std::move(zap));
  };
  options.admission_of_key = [hub_accounts](std::string_view key) -> std::optional<sync::KeyAdmission> {
    std::optional<std::string> account = hub_accounts->AccountOfKey(key);
    if (!account) return std::nullopt;
    for (const TillAdmission& till : hub_accounts->TillsOf(*account)) {
      if (till.till_curve_public_key == key) return sync::KeyAdmission{*account, till.till_node_id};
    }
    return std::nullopt;
  };
  options.login = [hub_accounts](const sync::LoginFields& login) -> Status {
    auto admitted = hub_accounts->Login(
        LoginAttempt{login.account, login.password, login.till_node_id, login.till_name, login.till_curve_public_key});
    return admitted.ok() ? Status::Ok() : admitted.status();
  };
  options.request_password_reset = [hub_accounts](std::string_view account, std::string_view till,
                                                  std::string_view password) {
    return hub_accounts->RequestPasswordReset(account, till, password);
  };
  options.revoke_till = [hub_accounts](std::string_view till) { return hub_accounts->RevokeTill(till); };
  // Receipt hand-over: the hub grants each receipt parked to the site once (sync/handover_arbiter.h).
  POS_ASSIGN_OR_RETURN(std::unique_ptr<HandoverArbiter> arbiter, HandoverArbiter::Rebuild(*store));
  options.claim = [arbiter = arbiter.get()](const syncwire::ClaimRequest& request, std::string_view) {
    return sync::AnswerClaim(*arbiter, request);
  };
  // The site's read models, kept up to date while the hub runs (`pos hub report`).
  auto projections = std::make_unique<ProjectionRunner>(*store);
  POS_RETURN_IF_ERROR(RegisterHubProjections(*projections));
  POS_RETURN_IF_ERROR(projections->CatchUp().WithContext("bringing the hub's projections up to date"));
  POS_RETURN_IF_ERROR(projections->StartTailing());
  POS_ASSIGN_OR_RETURN(std::unique_ptr<sync::HubServer> server, sync::HubServer::Bind(*store, std::move(options)));
  POS_RETURN_IF_ERROR(WriteServeFile(context.options.data_dir,
                                     {server->endpoint(), static_cast<int64_t>(getpid()), store->node_name()}));
  if (context.options.json) {
    std::cout << nlohmann::json{{"endpoint", server->endpoint()}, {"hub_key", keys.public_key}, {"pid", getpid()}}.dump()
              << std::endl;
  } else {
    std::cout << "hub " << store->node_name() << " serving sync on " << server->endpoint() << " (pid " << getpid()
              << ")\nhub key (tills pin it: pos sync join --hub-key …): " << keys.public_key
              << "\nstop with Ctrl-C or SIGTERM" << std::endl;
  }
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  Status served;
  std::thread serving([&] {
    served = server->Serve(stop);
    done.store(true);
  });
  while (!done.load() && !signals.Wait(std::chrono::milliseconds(200))) {
  }
  stop.store(true);
  serving.join();
  server.reset();
  // The read models stop at their next committed chunk; what is left is applied at the next start.
  projections->StopTailing();
  if (Status flushed = store->FlushMemtables(); !flushed.ok() && served.ok()) served = flushed;
  RemoveServeFile(context.options.data_dir);
  return served;
}

}  // namespace

void AddHubServeCommand(CLI::App& app, Context& context) {
  CLI::App* hub = HubCommand(app);
  auto* serve = hub->add_subcommand("serve", "Serve site sync to the tills (CURVE-encrypted ZeroMQ) until SIGINT/SIGTERM");
  serve->footer(
      "The hub's CURVE key pair is made at first start (<data>/curve.keys) and its public key printed: tills pin it\n"
      "with `pos sync join --hub-key`. The endpoint and pid are in <data>/serve.json while it runs.\n"
      "Example: pos --data hub hub serve --listen tcp://0.0.0.0:7400");
  auto listen = std::make_shared<std::string>("tcp://0.0.0.0:7400");
  serve->add_option("--listen", *listen, "ZeroMQ endpoint to bind (tcp://HOST:PORT; port * picks a free one)")
      ->capture_default_str();
  serve->callback([&context, listen] {
    Status served = ServeHub(context, *listen);
    if (!served.ok()) {
      context.Fail(served);
      return;
    }
    if (!context.options.quiet && !context.options.json) std::cout << "stopped" << std::endl;
  });
}

}  // namespace pos::cli
