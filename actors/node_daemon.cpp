#include "actors/node_daemon.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>

#include <caf/all.hpp>

#include "actors/daemon_backups.h"
#include "actors/daemon_sync.h"
#include "sync/handover_wire.h"
#include "actors/device_actor.h"
#include "actors/projection_actor.h"
#include "actors/register_actor.h"
#include "actors/scheduler_tuning.h"
#include "actors/tse_actor.h"
#include "actors/tse_proxy.h"
#include "adapters/api_codec.h"
#include "adapters/serve_file.h"
#include "adapters/till_peripherals.h"
#include "adapters/zmq_command_server.h"
#include "domain/fiscal/at/rksv_fiscal_module.h"
#include "domain/fiscal/se/scu_fiscal_module.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "domain/register_service.h"
#include "engine/stop_signals.h"
#include "projections/builtin_projections.h"

namespace pos {
namespace {

// ZeroMQ leaves the file of an ipc:// endpoint behind; a clean stop removes it.
void RemoveSocketFile(const std::string& endpoint) {
  constexpr std::string_view kIpc = "ipc://";
  if (endpoint.rfind(kIpc, 0) != 0) return;
  std::error_code ignored;
  std::filesystem::remove(endpoint.substr(kIpc.size()), ignored);
}

}  // namespace

Status RunNodeDaemon(const DaemonOptions& options) {
  StopSignals signals;  // before RocksDB, CAF or ZeroMQ start any thread

  std::string endpoint = options.listen;
  if (endpoint.empty()) {
    POS_ASSIGN_OR_RETURN(endpoint, DefaultServeEndpoint(options.data_dir));
  }

  POS_ASSIGN_OR_RETURN(NodeConfig node_config, LoadNodeConfig(options.data_dir));
  POS_ASSIGN_OR_RETURN(std::string admin_endpoint, AdminEndpoint(options.data_dir));
  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, EventStore::Open(options.data_dir));
  auto runner = std::make_unique<ProjectionRunner>(*store);
  POS_RETURN_IF_ERROR(RegisterBuiltinProjections(*runner));
  POS_RETURN_IF_ERROR(runner->CatchUp().WithContext("bringing projections up to date"));
  POS_ASSIGN_OR_RETURN(std::unique_ptr<RegisterService> service, RegisterService::Load(*store, *runner));
  // The German fiscal profile: a till with <data>/tse signs its receipts (docs/fiscal-de.md).
  // The TSE is owned by the TSE actor; the register signs through a TseProxy.
  POS_ASSIGN_OR_RETURN(std::optional<fiscal::TillTse> tse, fiscal::OpenTillTse(*store));
  // The Austrian (RKSV) and Swedish (control unit) profiles sign in the register actor
  // (docs/fiscal-at.md, docs/fiscal-se.md); they outlive it (declared before the actor system).
  POS_ASSIGN_OR_RETURN(std::optional<fiscal::at::TillRksv> rksv, fiscal::at::OpenTillRksv(*store));
  if (rksv.has_value()) service->SetFiscalModule(rksv->module.get());
  POS_ASSIGN_OR_RETURN(std::optional<fiscal::se::TillScu> scu, fiscal::se::OpenTillScu(*store));
  if (scu.has_value()) service->SetFiscalModule(scu->module.get());
  POS_ASSIGN_OR_RETURN(std::unique_ptr<TillPeripherals> peripherals, TillPeripherals::ForNode(options.data_dir, *store));
  // Site sync (docs/sync.md): replicates with the hub on its own thread while the till has joined and sync is on.
  POS_ASSIGN_OR_RETURN(std::unique_ptr<DaemonSync> site_sync,
                       DaemonSync::Start(*store, options.data_dir, [](const std::string& line) {
                         std::fprintf(stderr, "pos serve: sync: %s\n", line.c_str());
                       }));
  // Receipt hand-over: the register asks the hub for receipts parked to the site (sync/handover_wire.h).
  std::unique_ptr<sync::SyncClientClaimer> handover_claimer;
  if (site_sync != nullptr) {
    handover_claimer = std::make_unique<sync::SyncClientClaimer>(site_sync->client());
    service->SetHandoverClaimer(handover_claimer.get());
  }

  Status result;
  {
    caf::actor_system_config config;
    actors::AddProjectionMessageTypes(config);
    actors::TuneScheduler(config);
    caf::actor_system system{config};

    caf::actor projections = system.spawn(actors::ProjectionActor, runner.get());
    caf::actor device = system.spawn(actors::DeviceActor, std::move(peripherals));
    caf::actor tse_actor;
    std::unique_ptr<actors::TseProxy> tse_proxy;  // outlives the register actor (await_all_actors_done below)
    if (tse.has_value()) {
      // Group flush: the TSE journal is made durable once per group commit, before
      // the events that carry its signatures (EventStore::SetPreCommitHook).
      tse->tse->SetDeferredSync(true);
      store->SetPreCommitHook([journal = tse->tse->journal()] { return journal == nullptr ? Status::Ok() : journal->Sync(); });
      std::string serial = tse->tse->serial_hex();
      std::string client_id = tse->module->client_id();
      tse_actor = system.spawn<caf::detached>(actors::TseActor, std::move(*tse));
      tse_proxy = std::make_unique<actors::TseProxy>(system, tse_actor, std::move(serial), std::move(client_id));
      service->SetFiscalModule(tse_proxy.get());
    }
    caf::actor till = system.spawn<caf::detached>(actors::RegisterActor, std::move(service),
                                                  static_cast<const EventStore*>(store.get()),
                                                  std::unique_ptr<SaleObserver>(new actors::DeviceObserver(device)));
    {
      caf::scoped_actor self{system};
      self->request(projections, std::chrono::seconds(10), actors::start_atom::value)
          .receive([] {}, [&](caf::error& error) {
            result = Status::Internal("starting the projection tailing: " + system.render(error));
          });
    }

    std::unique_ptr<ZmqCommandServer> server;
    if (result.ok()) {
      // Requests are handed to the register without waiting, so the commands of
      // concurrent front ends are pipelined (actors/register_actor.h).
      auto bound = ZmqCommandServer::BindAsync(
          endpoint,
          [till](std::string_view request, ZmqCommandServer::Responder respond) {
            caf::anon_send(till, actors::ask_atom::value, std::string(request),
                           std::make_shared<const std::function<void(std::string)>>(std::move(respond)));
          },
          [](std::string_view reason) {
            return api::ErrorReplyBytes(0, Status::InvalidArgument("malformed request: " + std::string(reason)));
          });
      if (bound.ok()) {
        server = std::move(bound).value();
      } else {
        result = bound.status();
      }
    }
    // The admin socket: backups on request, on their own thread.
    DaemonBackups backups(*store, options.clock);
    std::unique_ptr<ZmqCommandServer> admin;
    if (result.ok()) {
      auto bound = ZmqCommandServer::Bind(admin_endpoint, [&backups](std::string_view request) {
        return HandleAdminRequest(backups, request);
      });
      if (bound.ok()) {
        admin = std::move(bound).value();
      } else {
        result = bound.status();
      }
    }
    std::thread admin_serving;
    if (result.ok()) admin_serving = std::thread([&admin] { (void)admin->Serve(); });
    std::unique_ptr<BackupScheduler> scheduler;
    if (result.ok() && node_config.backup.has_value() && node_config.backup->enabled) {
      const std::string target = node_config.backup->target;
      scheduler = std::make_unique<BackupScheduler>(
          backups, *node_config.backup, options.clock, [&options, target](const Result<BackupTakenInfo>& taken) {
            if (!options.on_notice) return;
            options.on_notice(taken.ok() ? "scheduled backup " + std::to_string(taken->backup_id) + " written to " +
                                               target + (taken->purged ? " (" + std::to_string(taken->purged) +
                                                                             " old backups deleted)" : "")
                                         : "scheduled backup into " + target + " failed: " + taken.status().message() +
                                               " (next try tomorrow)");
          });
    }
    if (result.ok()) {
      result = WriteServeFile(options.data_dir, {server->endpoint(), static_cast<int64_t>(getpid()),
                                                 store->node_name()});
    }
    if (result.ok()) {
      if (options.on_ready) options.on_ready(server->endpoint());
      std::atomic<bool> server_done{false};
      Status served;
      std::thread serving([&] {
        served = server->Serve();
        server_done.store(true);
      });
      while (!server_done.load() && !signals.Wait(std::chrono::milliseconds(200))) {
      }
      server->Stop();
      serving.join();
      const std::string bound = server->endpoint();
      server.reset();
      RemoveServeFile(options.data_dir);
      RemoveSocketFile(bound);
      result = served;
    }
    scheduler.reset();
    if (admin) {
      admin->Stop();
      if (admin_serving.joinable()) admin_serving.join();
      admin.reset();
      RemoveSocketFile(admin_endpoint);
    }
    caf::anon_send_exit(till, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(device, caf::exit_reason::user_shutdown);
    if (tse_actor) caf::anon_send_exit(tse_actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(projections, caf::exit_reason::user_shutdown);
    system.await_all_actors_done();
  }  // the actor system is gone: no actor holds the service, the runner or the store any more
  site_sync.reset();  // its thread appends to the store
  runner.reset();
  // A clean stop leaves no write-ahead log for the next start to replay (a killed
  // daemon's WAL is replayed by EventStore::Open, as always).
  Status flushed = store->FlushMemtables();
  if (result.ok()) result = flushed;
  store.reset();
  return result;
}

}  // namespace pos
