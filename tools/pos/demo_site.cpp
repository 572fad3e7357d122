#include "tools/pos/demo_site.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "domain/master_data_service.h"
#include "engine/bytes.h"
#include "engine/child_process.h"
#include "engine/event_store.h"
#include "projections/builtin_projections.h"
#include "projections/hub_projections.h"
#include "sync/curve_keys.h"
#include "sync/sync_mode.h"
#include "sync/sync_status.h"
#include "tools/pos/demo_catalog.h"
#include "tools/pos/demo_register_client.h"
#include "tools/pos/demo_site_processes.h"

namespace pos::cli {
namespace {

using namespace std::chrono_literals;

constexpr auto kCatalogLimit = 120s;   // for the catalog to reach every till through the hub
constexpr auto kCaughtUpLimit = 300s;  // for the hub to hold every till's events

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Interrupted(const DemoCallbacks& callbacks) { return callbacks.interrupted && callbacks.interrupted(); }

void Step(const DemoCallbacks& callbacks, const std::string& line) {
  if (callbacks.step) callbacks.step(line);
}

// A TCP port on 127.0.0.1 that was free a moment ago (bound and released).
Result<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::IoError("socket: no TCP socket for the hub's port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return Status::IoError("no free TCP port on 127.0.0.1 for the hub");
  return static_cast<int>(ntohs(address.sin_port));
}

// A fresh password that meets the hub's policy (upper, lower, digit, a sign, >= 8).
std::string MakeSitePassword() {
  std::random_device device;
  static constexpr char kAlphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string password = "Demo-";
  for (int i = 0; i < 12; ++i) password += kAlphabet[device() % (sizeof kAlphabet - 1)];
  return password + "-7a";
}

Status WritePrivateFile(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return Status::IoError("cannot write " + path);
    out << text << "\n";
  }
  std::error_code ec;
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ec);
  if (ec) return Status::IoError("cannot make " + path + " private: " + ec.message());
  return Status::Ok();
}

Status ImportCatalog(const std::string& data_dir, const CatalogImport& catalog) {
  POS_ASSIGN_OR_RETURN(auto store, EventStore::Open(data_dir));
  ProjectionRunner runner(*store);
  POS_RETURN_IF_ERROR(RegisterBuiltinProjections(runner));
  POS_RETURN_IF_ERROR(runner.CatchUp());
  MasterDataService master_data(*store, runner);
  return master_data.Import(catalog, "root").status().WithContext("importing the catalog at " + data_dir);
}

// Until the till's register knows the catalog's last user (imported after every
// article and tax rate, and replicated in log order, so the whole catalog is there).
Status WaitForCatalog(const TillDay& till, const std::string& endpoint, const CatalogImport& catalog,
                      const DemoCallbacks& callbacks) {
  const User& last = catalog.users.back();
  const DemoUser* probe = nullptr;
  for (const DemoUser& cashier : DemoCashiers()) {
    if (cashier.id == last.id) probe = &cashier;
  }
  if (probe == nullptr) return Status::Internal("the demo catalog's last user is no demo cashier");
  DemoRegisterClient client(endpoint);
  const auto deadline = std::chrono::steady_clock::now() + kCatalogLimit;
  Status signed_on = Status::Unavailable("not tried");
  while (std::chrono::steady_clock::now() < deadline) {
    if (Interrupted(callbacks)) return Status::Unavailable("interrupted while waiting for the catalog");
    signed_on = client.SignOn(probe->id, probe->pin);
    if (signed_on.ok()) return client.SignOff();
    std::this_thread::sleep_for(200ms);
  }
  return Status::Unavailable("the catalog did not reach " + till.name + " through the hub within " +
                             std::to_string(kCatalogLimit.count()) + " s (last answer: " + signed_on.message() +
                             "); see " + till.log);
}

// Until each till's sync status, written after `since_us`, says the hub acknowledged all of its events.
Status WaitHubCaughtUp(const std::vector<TillDay>& tills, int64_t since_us, const DemoCallbacks& callbacks) {
  const auto deadline = std::chrono::steady_clock::now() + kCaughtUpLimit;
  std::string behind;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Interrupted(callbacks)) return Status::Unavailable("interrupted while the hub caught up");
    behind.clear();
    for (const TillDay& till : tills) {
      auto status = sync::ReadSyncStatusFile(sync::SyncStatusPath(till.data_dir));
      const bool caught_up = status.ok() && status->has_value() && (**status).value("updated_us", int64_t{0}) > since_us &&
                             (**status).value("online", false) &&
                             (**status)["upstream"].value("lag_events", uint64_t{1}) == 0;
      if (!caught_up) behind += (behind.empty() ? "" : ", ") + till.name;
    }
    if (behind.empty()) return Status::Ok();
    std::this_thread::sleep_for(200ms);
  }
  return Status::Unavailable("the hub did not acknowledge every event of " + behind + " within " +
                             std::to_string(kCaughtUpLimit.count()) + " s; see their logs and `pos sync status`");
}

Status ReadTill(TillDay& till) {
  POS_ASSIGN_OR_RETURN(auto store, EventStore::Open(till.data_dir));
  till.node_id_hex = ToHex(store->node_id());
  const ChainHeads heads = store->Heads();
  const auto own = heads.find(store->node_id());
  till.events = own == heads.end() ? 0 : own->second.seq;
  POS_ASSIGN_OR_RETURN(till.verification, VerifyChains(*store));
  return Status::Ok();
}

Status ReadHub(HubDay& hub, std::vector<TillDay>& tills) {
  POS_ASSIGN_OR_RETURN(auto store, EventStore::Open(hub.data_dir));
  hub.events = store->LastSequence();
  POS_ASSIGN_OR_RETURN(hub.verification, VerifyChains(*store));
  const ChainHeads heads = store->Heads();
  for (TillDay& till : tills) {
    const std::optional<std::string> node_id = FromHex(till.node_id_hex);
    if (!node_id.has_value()) return Status::Internal("bad node id " + till.node_id_hex);
    const auto at_hub = heads.find(*node_id);
    till.events_at_hub = at_hub == heads.end() ? 0 : at_hub->second.seq;
  }
  ProjectionRunner runner(*store);
  POS_RETURN_IF_ERROR(RegisterHubProjections(runner));
  POS_RETURN_IF_ERROR(runner.CatchUp().WithContext("bringing the hub's projections up to date"));
  POS_ASSIGN_OR_RETURN(ProjectionReader site_reader, runner.Reader(SiteTotalsProjection::kName));
  POS_ASSIGN_OR_RETURN(auto days, SiteTotalsView(site_reader).Days());
  hub.site = {};
  for (const auto& [day, totals] : days) {
    hub.site.receipts += totals.receipts;
    hub.site.refunds += totals.refunds;
    hub.site.cancelled += totals.cancelled;
    hub.site.total += totals.total;
    for (const auto& [label, amount] : totals.payments) hub.site.payments[label] += amount;
  }
  POS_ASSIGN_OR_RETURN(ProjectionReader z_reader, runner.Reader(ZReportsProjection::kName));
  POS_ASSIGN_OR_RETURN(hub.z_reports, ZReportsView(z_reader).All());
  POS_ASSIGN_OR_RETURN(ProjectionReader status_reader, runner.Reader(TillStatusProjection::kName));
  POS_ASSIGN_OR_RETURN(hub.nodes, TillStatusView(status_reader).All());
  return Status::Ok();
}

// Sells every till's day concurrently, one thread per till, showing progress.
Status SellTheDay(const DemoOptions& options, const CatalogImport& catalog, std::vector<TillDay>& tills,
                  const std::vector<std::string>& endpoints, const DemoCallbacks& callbacks) {
  std::vector<Status> results(tills.size());
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  std::atomic<size_t> finished{0};
  const uint64_t total = tills.size() * options.receipts_per_till;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tills.size(); ++i) {
    threads.emplace_back([&, i] {
      DemoRegisterClient client(endpoints[i]);
      DemoTillSimulation simulation(client, catalog, options.seed * 7919 + i, options.receipts_per_till, done, stop);
      const DemoUser& cashier = DemoCashiers()[i % DemoCashiers().size()];
      auto z = simulation.Run(cashier, tills[i].counts);
      if (z.ok()) {
        tills[i].z = *z;
      } else {
        results[i] = z.status().WithContext(tills[i].name);
        stop = true;  // one till failing ends the day everywhere
      }
      finished.fetch_add(1);
    });
  }
  while (finished.load() < tills.size()) {
    if (Interrupted(callbacks)) stop = true;
    if (callbacks.progress) callbacks.progress(done.load(), total);
    std::this_thread::sleep_for(100ms);
  }
  for (auto& thread : threads) thread.join();
  if (callbacks.progress) callbacks.progress(done.load(), total);
  for (const Status& s : results) POS_RETURN_IF_ERROR(s);
  return Status::Ok();
}

std::string TillName(size_t index) { return "till-" + std::to_string(index + 1); }

}  // namespace

Result<DemoSite> RunDemoSite(const DemoOptions& options, const DemoCallbacks& callbacks) {
  if (options.tills == 0 || options.tills > 64) return Status::InvalidArgument("--tills must be 1 to 64");
  if (options.articles < 10) return Status::InvalidArgument("--articles must be at least 10");
  POS_ASSIGN_OR_RETURN(sync::SyncMode mode, sync::ParseSyncMode(options.mode));
  if (mode == sync::SyncMode::kIndividual) {
    return Status::InvalidArgument("--mode: the demo takes archive, masterdata or masterdata+receipts");
  }
  POS_ASSIGN_OR_RETURN(sync::SyncFilter filter, sync::MakeSyncFilter(mode, {}));
  std::error_code ec;
  if (std::filesystem::exists(options.root, ec) && !std::filesystem::is_empty(options.root, ec)) {
    return Status::AlreadyExists(options.root + " exists and is not empty; remove it or choose another --root");
  }
  const std::string pos_binary = options.pos_binary.empty() ? SelfPath() : options.pos_binary;
  if (pos_binary.empty()) return Status::Internal("cannot find this program's path (/proc/self/exe)");
  std::filesystem::create_directories(options.root, ec);
  if (ec) return Status::IoError("cannot create " + options.root + ": " + ec.message());
  const std::filesystem::path root = std::filesystem::absolute(options.root);

  DemoSite site;
  site.root = root.string();
  site.mode = filter.Describe();
  site.password_file = (root / "account-password.txt").string();
  site.hub.data_dir = (root / "hub").string();
  site.hub.log = (root / "hub.log").string();
  for (size_t i = 0; i < options.tills; ++i) {
    TillDay till;
    till.name = TillName(i);
    till.data_dir = (root / till.name).string();
    till.log = (root / (till.name + ".log")).string();
    site.tills.push_back(till);
  }

  Step(callbacks, "sample catalog: " + std::to_string(options.articles) + " articles");
  POS_ASSIGN_OR_RETURN(CatalogImport catalog, MakeDemoCatalog(options.seed, options.articles, options.pin_iterations));

  DemoSiteProcesses processes(pos_binary);
  Status outcome = [&]() -> Status {
    const std::string password = MakeSitePassword();
    POS_RETURN_IF_ERROR(WritePrivateFile(site.password_file, password));
    Step(callbacks, "hub: pos init --hub, pos hub account create --name " + site.account);
    POS_RETURN_IF_ERROR(processes.Run({"--data", site.hub.data_dir, "init", "--hub", "--node-name", "hub"}).status());
    POS_RETURN_IF_ERROR(processes
                            .Run({"--data", site.hub.data_dir, "hub", "account", "create", "--name", site.account,
                                  "--password-fd", "3"},
                                 password)
                            .status());
    POS_ASSIGN_OR_RETURN(CurveKeyPair hub_keys,
                         LoadCurveKeys((std::filesystem::path(site.hub.data_dir) / kCurveKeysFileName).string()));
    site.hub.public_key = hub_keys.public_key;
    POS_ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
    site.hub.endpoint = "tcp://127.0.0.1:" + std::to_string(port);
    Step(callbacks, "hub: pos hub serve --listen " + site.hub.endpoint);
    POS_RETURN_IF_ERROR(processes
                            .StartDaemon("hub", site.hub.data_dir, {"hub", "serve", "--listen", site.hub.endpoint},
                                         site.hub.log, callbacks.interrupted)
                            .status());

    for (TillDay& till : site.tills) {
      if (Interrupted(callbacks)) return Status::Unavailable("interrupted");
      Step(callbacks, till.name + ": pos init, pos sync join --mode " + site.mode);
      POS_RETURN_IF_ERROR(processes.Run({"--data", till.data_dir, "init", "--node-name", till.name}).status());
      POS_RETURN_IF_ERROR(processes
                              .Run({"--data", till.data_dir, "sync", "join", "--hub", site.hub.endpoint, "--hub-key",
                                    site.hub.public_key, "--account", site.account, "--mode", options.mode,
                                    "--timeout", "30", "--password-fd", "3"},
                                   password)
                              .status());
    }
    // The catalog is written after joining: a till holding master data the account lacks needs a choice to join.
    const bool replicated = filter.Carries(EventCategory::kMasterData);
    for (size_t i = 0; i < (replicated ? 1 : site.tills.size()); ++i) {
      Step(callbacks, site.tills[i].name + ": the sample catalog" +
                          (replicated ? ", which reaches the other tills through the hub" : ""));
      POS_RETURN_IF_ERROR(ImportCatalog(site.tills[i].data_dir, catalog));
    }
    std::vector<std::string> endpoints;
    for (TillDay& till : site.tills) {
      Step(callbacks, till.name + ": pos serve");
      POS_ASSIGN_OR_RETURN(std::string endpoint,
                           processes.StartDaemon(till.name, till.data_dir, {"serve"}, till.log, callbacks.interrupted));
      endpoints.push_back(endpoint);
    }
    for (size_t i = 0; i < site.tills.size(); ++i) {
      POS_RETURN_IF_ERROR(WaitForCatalog(site.tills[i], endpoints[i], catalog, callbacks));
    }
    Step(callbacks, "selling: " + std::to_string(options.receipts_per_till) + " receipts at each till, then Z");
    POS_RETURN_IF_ERROR(SellTheDay(options, catalog, site.tills, endpoints, callbacks));
    const int64_t closed_us = NowUs();
    Step(callbacks, "waiting until the hub holds every till's events");
    POS_RETURN_IF_ERROR(WaitHubCaughtUp(site.tills, closed_us, callbacks));
    return Status::Ok();
  }();
  Step(callbacks, "stopping the site (SIGTERM, then waiting for each process)");
  const Status stopped = processes.StopAll();
  site.processes = processes.started();
  POS_RETURN_IF_ERROR(outcome);
  POS_RETURN_IF_ERROR(stopped);

  Step(callbacks, "verifying every log; reading the hub's projections");
  for (TillDay& till : site.tills) POS_RETURN_IF_ERROR(ReadTill(till).WithContext(till.name));
  POS_RETURN_IF_ERROR(ReadHub(site.hub, site.tills).WithContext("the hub"));
  return site;
}

Status KeepDemoSiteRunning(const DemoOptions& options, const DemoSite& site, const DemoCallbacks& callbacks,
                           const std::function<void(const std::string&)>& ready) {
  const std::string pos_binary = options.pos_binary.empty() ? SelfPath() : options.pos_binary;
  DemoSiteProcesses processes(pos_binary);
  Status outcome = [&]() -> Status {
    POS_RETURN_IF_ERROR(processes
                            .StartDaemon("hub", site.hub.data_dir, {"hub", "serve", "--listen", site.hub.endpoint},
                                         site.hub.log, callbacks.interrupted)
                            .status());
    for (const TillDay& till : site.tills) {
      POS_RETURN_IF_ERROR(
          processes.StartDaemon(till.name, till.data_dir, {"serve"}, till.log, callbacks.interrupted).status());
    }
    const std::string till = site.tills.front().data_dir;
    std::string text = "the site is up: hub " + site.hub.endpoint + " and " + std::to_string(site.tills.size()) +
                       " tills; Ctrl-C stops them all. Try, in another terminal:\n";
    text += "  pos --data " + till + " sync status\n";
    text += "  pos --data " + till + " sale sign-on --user anna      (PIN 1111; sam/5555 approves)\n";
    text += "  pos --data " + till + " sale open                     then sale add/pay/close --help\n";
    text += "  pos --data " + site.hub.data_dir + " hub report tills   (site, z: the same, while it runs)\n";
    text += "  pos --data " + till + " sale status\n";
    text += "  tail -f " + site.hub.log + "\n";
    text += "The account is " + site.account + ", its password in " + site.password_file + ".";
    if (ready) ready(text);
    while (!Interrupted(callbacks)) std::this_thread::sleep_for(200ms);
    return Status::Ok();
  }();
  const Status stopped = processes.StopAll();
  POS_RETURN_IF_ERROR(outcome);
  return stopped;
}

}  // namespace pos::cli
