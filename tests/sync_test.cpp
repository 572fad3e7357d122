// Site sync end to end (docs/sync.md): REAL `pos hub serve` and `pos serve`
// processes replicating over CURVE-encrypted ZeroMQ on loopback.
// - three tills in three modes: every till event reaches the hub exactly once,
//   every log verifies, each till holds exactly the categories its mode carries,
//   and master data made at one till reaches another's catalog and register;
// - the hub SIGKILLed mid-sync loses nothing it acknowledged and sync completes
//   after its restart; a till cut off from the hub keeps selling and catches up;
// - a mode change that carries more brings what the old mode skipped, once;
// - a receipt parked to the site is taken over by exactly one of two tills racing
//   for it through the command API, and not at all while the hub is down;
// - `pos sync leave` revokes the till's key at the hub until it joins again;
// - a wrong password and a wrong pinned hub key are refused;
// - a password reset signs every till off; they sell offline, log in with the new
//   password after approval and everything reaches the hub once;
// - a TCP relay between till and hub records the traffic: no plaintext article name;
// - bad bytes and a chain gap from a peer are refused and change nothing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "adapters/serve_file.h"
#include "domain/master_data_service.h"
#include "engine/bytes.h"
#include "engine/chain_verifier.h"
#include "engine/pin_hash.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/handover_generated.h"
#include "events/hub_accounts_generated.h"
#include "projections/builtin_projections.h"
#include "projections/catalog.h"
#include "sync/curve_keys.h"
#include "sync/hub_server.h"
#include "sync/sync_mode.h"
#include "sync/sync_wire.h"
#include "sync/hub_connection.h"
#include "sync/till_sync_settings.h"
#include "sync/zap_authenticator.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kAccount[] = "kasse@example.com";
constexpr char kPassword[] = "Sicher-2024!";

std::string PosBinary() { return testing::BinaryDir() + "/tools/pos/pos"; }

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

// Runs `pos ARGS` through the shell (redirections such as 3<file allowed), `input` on stdin.
CliRun Pos(const std::string& args, const std::string& input = "") {
  const std::string command = "printf '%s\\n' '" + input + "' | '" + PosBinary() + "' " + args + " 2>&1";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A free TCP port on 127.0.0.1 (bound and released; the hub binds it right after).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

// Starts `pos ARGS…` with output appended to `log`; returns its pid.
pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  const std::string binary = PosBinary();
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Waits for <data>/serve.json to name `pid`.
bool WaitServing(const std::string& data, pid_t pid) {
  for (int i = 0; i < 400; ++i) {
    auto info = ReadServeFile(data);
    if (info.ok() && info->has_value() && (*info)->pid == pid) return true;
    std::this_thread::sleep_for(25ms);
  }
  return false;
}

void Stop(pid_t& pid, int signal) {
  if (pid <= 0) return;
  kill(pid, signal);
  int status = 0;
  waitpid(pid, &status, 0);
  pid = -1;
}

// What a store holds, read with the store closed.
struct Holdings {
  std::string node_id;
  ChainHeads heads;
  ChainHeads filtered;
  std::map<std::string, std::vector<std::pair<uint64_t, uint32_t>>> by_origin;  // origin -> (seq, type) in log order
};

Holdings Read(const std::string& data) {
  Holdings holdings;
  auto store = EventStore::Open(data);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return holdings;
  holdings.node_id = (*store)->node_id();
  holdings.heads = (*store)->Heads();
  holdings.filtered = (*store)->FilteredHeads();
  EXPECT_TRUE((*store)
                  ->ScanLog(1, UINT64_MAX,
                            [&](uint64_t, std::string_view bytes) {
                              auto event = EventView::Parse(bytes);
                              EXPECT_TRUE(event.ok());
                              if (event.ok()) {
                                holdings.by_origin[std::string(event->origin())].emplace_back(event->origin_seq(),
                                                                                             event->type());
                              }
                              return true;
                            })
                  .ok());
  return holdings;
}

EventCategory CategoryOf(uint32_t type) {
  const EventTypeInfo* info = FindEventType(type);
  return info == nullptr ? EventCategory::kSystem : info->category;
}

json SyncStatus(const std::string& data) {
  CliRun run = Pos("--data '" + data + "' sync status --json");
  json parsed = json::parse(run.out, nullptr, false);
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_FALSE(parsed.is_discarded()) << run.out;
  return parsed;
}

struct Till {
  std::string name;
  std::string data;
  std::string log;
  pid_t pid = -1;

  CliRun Run(const std::string& args, const std::string& input = "") const {
    return Pos("--data '" + data + "' " + args, input);
  }
  void StartDaemon() {
    pid = Spawn({"--data", data, "serve"}, log);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(WaitServing(data, pid)) << "pos serve of " << name << " did not start";
  }
  void StopDaemon() { Stop(pid, SIGTERM); }

  // One closed cash receipt of `article` through the daemon; returns its events' count guess.
  void Sell(const std::string& user, const std::string& pin, const std::string& article) const {
    CliRun signed_on = Run("sale sign-on --user " + user + " --pin-stdin", pin);
    ASSERT_TRUE(signed_on.exit_code == 0 || Contains(signed_on.out, "signed on")) << signed_on.out;
    CliRun opened = Run("--json sale open");
    ASSERT_EQ(opened.exit_code, 0) << opened.out;
    const std::string id = json::parse(opened.out, nullptr, false).value("receipt_id", "");
    ASSERT_FALSE(id.empty()) << opened.out;
    CliRun added = Run("sale add --receipt " + id + " --article " + article + " --qty 1");
    ASSERT_EQ(added.exit_code, 0) << added.out;
    CliRun paid = Run("sale pay --receipt " + id + " --type cash --amount 100");
    ASSERT_EQ(paid.exit_code, 0) << paid.out;
    CliRun closed = Run("sale close --receipt " + id);
    ASSERT_EQ(closed.exit_code, 0) << closed.out;
  }
};

// Master data written straight into a (stopped) till's store.
void AddMasterData(const std::string& data, const std::string& article_code, const std::string& article_name,
                   const std::string& user) {
  auto store = EventStore::Open(data);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ProjectionRunner runner(**store);
  ASSERT_TRUE(RegisterBuiltinProjections(runner).ok());
  ASSERT_TRUE(runner.CatchUp().ok());
  MasterDataService master(**store, runner);
  auto catalog = master.Catalog();
  ASSERT_TRUE(catalog.ok());
  auto rate = catalog->FindTaxRate("A");
  if (!rate.ok() || !rate->has_value()) {
    ASSERT_TRUE(master.AddTaxRate({"A", "Standard", 1900}, "setup").ok());
  }
  ASSERT_TRUE(master.AddArticle({article_code, article_name, 240, "A", "drinks", {}}, "setup").ok());
  auto pin = HashSecret("1234", 1000);
  ASSERT_TRUE(pin.ok());
  ASSERT_TRUE(master.AddUser({user, user, UserRole::kCashier, *pin}, "setup").ok());
}

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_data_ = dir_.Sub("hub");
    password_file_ = dir_.Sub("password.txt");
    std::ofstream(password_file_) << kPassword << "\n";
    CliRun init = Pos("--data '" + hub_data_ + "' init --hub --node-name hub");
    ASSERT_EQ(init.exit_code, 0) << init.out;
    CliRun account = Pos("--data '" + hub_data_ + "' hub account create --name " + kAccount + " --password-fd 3 3<'" +
                         password_file_ + "'");
    ASSERT_EQ(account.exit_code, 0) << account.out;
    auto keys = LoadCurveKeys(hub_data_ + "/" + std::string(kCurveKeysFileName));
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    hub_key_ = keys->public_key;
    port_ = FreePort();
    hub_address_ = "tcp://127.0.0.1:" + std::to_string(port_);
  }

  void TearDown() override {
    for (Till& till : tills_) Stop(till.pid, SIGKILL);
    Stop(hub_pid_, SIGKILL);
  }

  void StartHub() {
    hub_pid_ = Spawn({"--data", hub_data_, "hub", "serve", "--listen", hub_address_}, dir_.Sub("hub.log"));
    ASSERT_GT(hub_pid_, 0);
    ASSERT_TRUE(WaitServing(hub_data_, hub_pid_)) << "the hub did not start: " << HubLog();
  }

  std::string HubLog() const {
    std::ifstream in(dir_.Sub("hub.log"));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  Till& MakeTill(const std::string& name) {
    tills_.push_back(Till{name, dir_.Sub(name), dir_.Sub(name + ".log")});
    Till& till = tills_.back();
    CliRun init = Pos("--data '" + till.data + "' init --node-name " + name);
    EXPECT_EQ(init.exit_code, 0) << init.out;
    return till;
  }

  CliRun Join(const Till& till, const std::string& mode, const std::string& address = "", const std::string& key = "",
              const std::string& password_file = "") {
    return till.Run("sync join --hub " + (address.empty() ? hub_address_ : address) + " --hub-key '" +
                    (key.empty() ? hub_key_ : key) + "' --account " + kAccount + " --mode " + mode +
                    " --timeout 3 --password-fd 3 3<'" + (password_file.empty() ? password_file_ : password_file) +
                    "'");
  }

  // Waits until the hub acknowledged every event of each running till (their status files).
  bool WaitUpstreamCaughtUp(const std::vector<Till*>& tills, std::chrono::seconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      bool all = true;
      for (Till* till : tills) {
        json status = SyncStatus(till->data);
        if (!status.value("online", false) || status["upstream"].value("lag_events", 1) != 0 ||
            status["downstream"].value("lag_events", 1) != 0) {
          all = false;
        }
      }
      if (all) return true;
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  testing::ScratchDir dir_;
  std::string hub_data_, password_file_, hub_key_, hub_address_;
  int port_ = 0;
  pid_t hub_pid_ = -1;
  std::deque<Till> tills_;
};

// Every event of every till at the hub exactly once; each till exactly the categories of its mode.
void ExpectExactReplication(const Holdings& hub, const std::vector<std::pair<const Holdings*, sync::SyncFilter>>& tills) {
  for (const auto& [till, filter] : tills) {
    const uint64_t head = till->heads.at(till->node_id).seq;
    ASSERT_GT(head, 0u);
    auto at_hub = hub.by_origin.find(till->node_id);
    ASSERT_NE(at_hub, hub.by_origin.end()) << "the hub holds nothing of till " << ToHex(till->node_id);
    ASSERT_EQ(at_hub->second.size(), head) << "every event of the till exactly once at the hub";
    for (size_t i = 0; i < at_hub->second.size(); ++i) ASSERT_EQ(at_hub->second[i].first, i + 1);
    ASSERT_EQ(hub.heads.at(till->node_id).seq, head);

    // hub -> till: of every other origin the hub holds, exactly the events the mode carries.
    for (const auto& [origin, events] : hub.by_origin) {
      if (origin == till->node_id) continue;
      std::vector<std::pair<uint64_t, uint32_t>> expected;
      for (const auto& event : events) {
        if (filter.Carries(CategoryOf(event.second))) expected.push_back(event);
      }
      auto held = till->by_origin.find(origin);
      std::vector<std::pair<uint64_t, uint32_t>> got =
          held == till->by_origin.end() ? std::vector<std::pair<uint64_t, uint32_t>>{} : held->second;
      std::sort(got.begin(), got.end());  // a backfill after a mode change arrives after later seqs
      EXPECT_EQ(got, expected) << "till " << ToHex(till->node_id) << " in mode " << filter.Describe()
                               << ", events of origin " << ToHex(origin);
    }
    for (const auto& [origin, events] : till->by_origin) {
      if (origin == till->node_id) continue;
      for (const auto& event : events) {
        EXPECT_NE(CategoryOf(event.second), EventCategory::kAccount) << "account events never leave the hub";
      }
    }
  }
}

TEST_F(SyncTest, ThreeTillsEveryEventAtTheHubOnceAndEachModeItsCategories) {
  StartHub();
  Till& a = MakeTill("till-a");
  Till& b = MakeTill("till-b");
  Till& c = MakeTill("till-c");
  CliRun joined_a = Join(a, "masterdata");
  ASSERT_EQ(joined_a.exit_code, 0) << joined_a.out << HubLog();
  ASSERT_EQ(Join(b, "masterdata+receipts").exit_code, 0);
  ASSERT_EQ(Join(c, "archive").exit_code, 0);
  // Master data after joining: A makes the site's catalog (with user alice); C has its own article and user.
  AddMasterData(a.data, "1001", "Espresso", "alice");
  AddMasterData(c.data, "3001", "Tee", "carl");

  a.StartDaemon();
  b.StartDaemon();
  c.StartDaemon();
  // B sells with A's user and article: master data from the hub reached B's catalog and register.
  bool signed_on = false;
  for (int i = 0; i < 100 && !signed_on; ++i) {
    signed_on = b.Run("sale sign-on --user alice --pin-stdin", "1234").exit_code == 0;
    if (!signed_on) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(signed_on) << "alice (made at till A) never reached till B";
  b.Sell("alice", "1234", "1001");
  a.Sell("alice", "1234", "1001");
  c.Sell("carl", "1234", "3001");
  // C is in archive mode: A's user never reaches it.
  EXPECT_NE(c.Run("sale sign-on --user alice --pin-stdin", "1234").exit_code, 0);
  ASSERT_TRUE(WaitUpstreamCaughtUp({&a, &b, &c})) << HubLog();

  json status = SyncStatus(a.data);
  EXPECT_TRUE(status.value("online", false));
  EXPECT_GT(status["upstream"].value("acknowledged_events", 0), 0);
  EXPECT_EQ(status["mode"], "masterdata");

  a.StopDaemon();
  b.StopDaemon();
  c.StopDaemon();
  Stop(hub_pid_, SIGTERM);

  Holdings hub = Read(hub_data_);
  Holdings ha = Read(a.data), hb = Read(b.data), hc = Read(c.data);
  ExpectExactReplication(hub, {{&ha, {sync::SyncMode::kMasterData, {}}},
                               {&hb, {sync::SyncMode::kMasterDataAndReceipts, {}}},
                               {&hc, {sync::SyncMode::kArchive, {}}}});
  // A received C's master data (carl), C received nothing.
  ASSERT_TRUE(ha.by_origin.contains(hc.node_id));
  EXPECT_EQ(hc.by_origin.size(), 1u);

  for (const std::string& data : {hub_data_, a.data, b.data, c.data}) {
    CliRun verify = Pos("--data '" + data + "' verify");
    EXPECT_EQ(verify.exit_code, 0) << data << ": " << verify.out;
  }

  // C switches to individual mode (receipts only) and catches up on the receipts of A and B.
  CliRun mode = c.Run("sync mode individual --categories receipt");
  ASSERT_EQ(mode.exit_code, 0) << mode.out;
  StartHub();
  c.StartDaemon();
  ASSERT_TRUE(WaitUpstreamCaughtUp({&c})) << HubLog();
  c.StopDaemon();
  Stop(hub_pid_, SIGTERM);
  hub = Read(hub_data_);
  hc = Read(c.data);
  ExpectExactReplication(hub, {{&hc, {sync::SyncMode::kIndividual, {EventCategory::kReceipt}}}});
  EXPECT_EQ(Pos("--data '" + c.data + "' verify").exit_code, 0);
}

TEST_F(SyncTest, HubKilledMidSyncLosesNothingAcknowledgedAndACutOffTillCatchesUp) {
  StartHub();
  Till& till = MakeTill("till-a");
  ASSERT_EQ(Join(till, "archive").exit_code, 0);
  // A backlog big enough to take many batches: 30,000 articles.
  {
    auto store = EventStore::Open(till.data);
    ASSERT_TRUE(store.ok());
    ProjectionRunner runner(**store);
    ASSERT_TRUE(RegisterBuiltinProjections(runner).ok());
    ASSERT_TRUE(runner.CatchUp().ok());
    MasterDataService master(**store, runner);
    CatalogImport import;
    import.tax_rates.push_back({"A", "Standard", 1900});
    for (int i = 0; i < 30000; ++i) {
      import.articles.push_back({std::to_string(100000 + i), "Artikel " + std::to_string(i), 199, "A", "g", {}});
    }
    auto pin = HashSecret("1234", 1000);
    import.users.push_back({"alice", "Alice", UserRole::kCashier, *pin});
    ASSERT_TRUE(master.Import(import, "setup").ok());
  }
  till.StartDaemon();
  // Kill the hub as soon as it has acknowledged part of the backlog.
  uint64_t acknowledged = 0;
  uint64_t lag = 0;
  std::string origin_hex;
  // The status file itself (rewritten on acknowledgements), read without starting a process.
  for (int i = 0; i < 20000 && acknowledged == 0; ++i) {
    std::ifstream file(till.data + "/sync-status.json");
    json status = json::parse(file, nullptr, false);
    if (status.is_discarded() || !status.contains("upstream")) {
      std::this_thread::sleep_for(1ms);
      continue;
    }
    for (auto& [hex, seq] : status["upstream"]["acknowledged"].items()) {
      origin_hex = hex;
      acknowledged = seq.get<uint64_t>();
    }
    lag = status["upstream"].value("lag_events", 0ull);
    if (acknowledged == 0) std::this_thread::sleep_for(1ms);
  }
  Stop(hub_pid_, SIGKILL);
  ASSERT_GT(acknowledged, 0u) << HubLog();
  EXPECT_GT(lag, 0u) << "the hub was to be killed while the till still had events to send";
  {
    // Everything the hub acknowledged is in its store after the SIGKILL, and its chain verifies.
    Holdings hub = Read(hub_data_);
    const std::string origin = FromHex(origin_hex).value_or("");
    ASSERT_TRUE(hub.heads.contains(origin));
    EXPECT_GE(hub.heads.at(origin).seq, acknowledged);
    EXPECT_EQ(Pos("--data '" + hub_data_ + "' verify").exit_code, 0);
  }

  // While the hub is down the till keeps selling.
  till.Sell("alice", "1234", "100001");
  till.Sell("alice", "1234", "100002");
  // The till notices the silent hub (no heartbeat within 4 s) and says so in its status.
  json offline = SyncStatus(till.data);
  for (int i = 0; i < 100 && offline.value("online", true); ++i) {
    std::this_thread::sleep_for(100ms);
    offline = SyncStatus(till.data);
  }
  EXPECT_FALSE(offline.value("online", true)) << offline.dump();
  EXPECT_GT(offline["upstream"].value("lag_events", 0), 0) << offline.dump();
  StartHub();
  ASSERT_TRUE(WaitUpstreamCaughtUp({&till})) << HubLog();
  till.StopDaemon();
  Stop(hub_pid_, SIGTERM);
  Holdings hub = Read(hub_data_);
  Holdings mine = Read(till.data);
  ExpectExactReplication(hub, {{&mine, {sync::SyncMode::kArchive, {}}}});
  EXPECT_EQ(Pos("--data '" + hub_data_ + "' verify").exit_code, 0);
}


// The text a CLI run printed, without its trailing newline.
std::string Trimmed(const std::string& text) {
  std::string out = text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// What the hub's log holds of the hand-over of one source receipt.
struct HandoverAtHub {
  int grants = 0;                 // ReceiptClaimGranted for the source's stream
  int take_overs = 0;             // ReceiptTakenOver naming the source
  int closed_take_overs = 0;      // receipts that took the source over and were closed
};

HandoverAtHub ReadHandover(const std::string& data, const std::string& source_receipt_id) {
  HandoverAtHub out;
  auto store = EventStore::Open(data);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  std::set<std::string> taking_streams;
  std::map<std::string, int> closes;  // receipt stream -> ReceiptClosed events
  EXPECT_TRUE((*store)
                  ->ScanLog(1, UINT64_MAX,
                            [&](uint64_t, std::string_view bytes) {
                              auto event = EventView::Parse(bytes);
                              EXPECT_TRUE(event.ok());
                              if (!event.ok()) return false;
                              const auto type = static_cast<EventType>(event->type());
                              if (type == EventType::kReceiptClaimGranted) {
                                const auto* p = event->PayloadAs<fb::ReceiptClaimGranted>();
                                if (p != nullptr && p->receipt_stream() != nullptr &&
                                    p->receipt_stream()->str() == "receipt/" + source_receipt_id) {
                                  ++out.grants;
                                }
                              } else if (type == EventType::kReceiptTakenOver) {
                                const auto* p = event->PayloadAs<fb::ReceiptTakenOver>();
                                if (p != nullptr && p->source_receipt_id() != nullptr &&
                                    p->source_receipt_id()->str() == source_receipt_id) {
                                  ++out.take_overs;
                                  taking_streams.insert(std::string(event->stream()));
                                }
                              } else if (type == EventType::kReceiptClosed) {
                                ++closes[std::string(event->stream())];
                              }
                              return true;
                            })
                  .ok());
  for (const std::string& stream : taking_streams) out.closed_take_overs += closes[stream];
  return out;
}

// Receipt hand-over over the real command API (docs/sync.md "Receipt hand-over"):
// till A parks a receipt to the site; tills B and C race to take it over at the
// same moment; the hub grants it to exactly one, the other is refused naming the
// holder. Offline (hub down) a resume is refused and succeeds once the hub is back.
TEST_F(SyncTest, AReceiptParkedToTheSiteIsTakenOverByExactlyOneOfTwoRacingTills) {
  StartHub();
  Till& a = MakeTill("till-a");
  Till& b = MakeTill("till-b");
  Till& c = MakeTill("till-c");
  for (Till* till : {&a, &b, &c}) {
    CliRun joined = Join(*till, "masterdata+receipts");
    ASSERT_EQ(joined.exit_code, 0) << joined.out << HubLog();
  }
  AddMasterData(a.data, "1001", "Espresso", "alice");
  a.StartDaemon();
  b.StartDaemon();
  c.StartDaemon();
  for (Till* till : {&a, &b, &c}) {
    bool signed_on = false;
    for (int i = 0; i < 150 && !signed_on; ++i) {
      signed_on = till->Run("sale sign-on --user alice --pin-stdin", "1234").exit_code == 0;
      if (!signed_on) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(signed_on) << "alice (made at till A) never reached " << till->name;
  }

  // A parks two receipts to the site: one for the race, one for the offline case.
  auto park_to_site = [&a](int espressos) {
    CliRun opened = a.Run("sale open");
    EXPECT_EQ(opened.exit_code, 0) << opened.out;
    const std::string id = Trimmed(opened.out);
    for (int i = 0; i < espressos; ++i) {
      CliRun added = a.Run("sale add --receipt " + id + " --article 1001");
      EXPECT_EQ(added.exit_code, 0) << added.out;
    }
    CliRun parked = a.Run("sale park-to-site --receipt " + id);
    EXPECT_EQ(parked.exit_code, 0) << parked.out;
    return id;
  };
  const std::string raced = park_to_site(2);
  const std::string offline_one = park_to_site(1);
  // The parking till no longer holds them as its own receipts.
  EXPECT_NE(a.Run("sale resume --receipt " + raced).exit_code, 0);

  // Both receipts reach B and C (the hub forwards receipts in this mode).
  for (Till* till : {&b, &c}) {
    bool listed = false;
    for (int i = 0; i < 300 && !listed; ++i) {
      CliRun list = till->Run("--json sale site-parked");
      json parsed = json::parse(list.out, nullptr, false);
      int found = 0;
      if (!parsed.is_discarded()) {
        for (const json& r : parsed["receipts"]) {
          found += r.value("receipt_id", "") == raced && r.value("lines", 0) == 2 && r.value("total", "") == "4.80";
          found += r.value("receipt_id", "") == offline_one;
        }
      }
      listed = found == 2;
      if (!listed) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(listed) << till->name << " never listed both receipts parked to the site\n"
                        << till->Run("sale site-parked").out << HubLog();
  }

  // B and C take the receipt over at the same moment.
  CliRun by_b, by_c;
  {
    std::atomic<int> ready{0};
    auto race = [&ready, &raced](const Till* till, CliRun* out) {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      *out = till->Run("sale resume-from-site --receipt " + raced);
    };
    std::thread racer_b(race, &b, &by_b);
    std::thread racer_c(race, &c, &by_c);
    racer_b.join();
    racer_c.join();
  }
  ASSERT_NE(by_b.exit_code == 0, by_c.exit_code == 0)
      << "exactly one till wins\nB: " << by_b.out << "\nC: " << by_c.out;
  Till& winner = by_b.exit_code == 0 ? b : c;
  Till& loser = by_b.exit_code == 0 ? c : b;
  const CliRun& refused = by_b.exit_code == 0 ? by_c : by_b;
  const std::string winner_id = json::parse(winner.Run("--json sale status").out, nullptr, false).value("node_id", "");
  ASSERT_FALSE(winner_id.empty());
  EXPECT_TRUE(Contains(refused.out, "held by another till") && Contains(refused.out, winner_id)) << refused.out;
  // Asking again changes nothing for the loser.
  CliRun again = loser.Run("sale resume-from-site --receipt " + raced);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_TRUE(Contains(again.out, winner_id)) << again.out;

  // The winner finishes it as its own receipt: the source's two espressos, paid in cash.
  const std::string taken = Trimmed(by_b.exit_code == 0 ? by_b.out : by_c.out);
  json shown = json::parse(winner.Run("--json sale show --receipt " + taken).out, nullptr, false);
  EXPECT_EQ(shown.value("total", ""), "4.80") << shown.dump();
  CliRun paid = winner.Run("sale pay --receipt " + taken + " --type cash --amount 5");
  ASSERT_EQ(paid.exit_code, 0) << paid.out;
  CliRun closed = winner.Run("sale close --receipt " + taken);
  ASSERT_EQ(closed.exit_code, 0) << closed.out;

  // Hub down: the loser's resume of the other receipt is refused with the offline error.
  Stop(hub_pid_, SIGTERM);
  json status = SyncStatus(loser.data);
  for (int i = 0; i < 100 && status.value("online", true); ++i) {
    std::this_thread::sleep_for(100ms);
    status = SyncStatus(loser.data);
  }
  ASSERT_FALSE(status.value("online", true)) << status.dump();
  CliRun offline = loser.Run("--json sale resume-from-site --receipt " + offline_one);
  EXPECT_NE(offline.exit_code, 0);
  json offline_error = json::parse(offline.out, nullptr, false);
  EXPECT_EQ(offline_error.value("code", ""), "unavailable") << offline.out;
  EXPECT_TRUE(Contains(offline_error.value("error", ""), "cannot be resumed offline")) << offline.out;
  EXPECT_EQ(json::parse(loser.Run("--json sale status").out, nullptr, false)["open_receipts"].size(), 0u)
      << "a refused resume opens nothing";

  // The hub is back: the same resume succeeds.
  StartHub();
  CliRun resumed;
  json answer;
  for (int i = 0; i < 150; ++i) {
    resumed = loser.Run("--json sale resume-from-site --receipt " + offline_one);
    answer = json::parse(resumed.out, nullptr, false);
    if (resumed.exit_code == 0 || answer.is_discarded() || answer.value("code", "") != "unavailable") break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << HubLog();
  const std::string second = answer.value("receipt_id", "");
  ASSERT_FALSE(second.empty()) << resumed.out;
  ASSERT_EQ(loser.Run("sale pay --receipt " + second + " --type card --amount 2.40").exit_code, 0);
  ASSERT_EQ(loser.Run("sale close --receipt " + second).exit_code, 0);

  ASSERT_TRUE(WaitUpstreamCaughtUp({&a, &b, &c})) << HubLog();
  a.StopDaemon();
  b.StopDaemon();
  c.StopDaemon();
  Stop(hub_pid_, SIGTERM);
  // Without `pos serve` the CLI works on the store and has no hub connection to ask.
  CliRun no_daemon = loser.Run("--json sale resume-from-site --receipt " + raced);
  EXPECT_NE(no_daemon.exit_code, 0);
  EXPECT_TRUE(Contains(no_daemon.out, "no hub connection")) << no_daemon.out;
  for (const auto& [source, label] : {std::pair{raced, "raced"}, std::pair{offline_one, "resumed after the outage"}}) {
    HandoverAtHub at_hub = ReadHandover(hub_data_, source);
    EXPECT_EQ(at_hub.grants, 1) << label;
    EXPECT_EQ(at_hub.take_overs, 1) << label;
    EXPECT_EQ(at_hub.closed_take_overs, 1) << label;
  }
  for (const std::string& data : {hub_data_, a.data, b.data, c.data}) {
    CliRun verify = Pos("--data '" + data + "' verify");
    EXPECT_EQ(verify.exit_code, 0) << data << ": " << verify.out;
  }
}

// A mode change resends what the old mode skipped (docs/sync.md "Mode changes"):
// till B in masterdata mode receives none of A's receipts; switched to
// masterdata+receipts it receives the receipts sold before the change, and the
// later ones, each exactly once, and its log verifies.
TEST_F(SyncTest, AModeThatCarriesMoreReceivesWhatTheOldModeSkippedExactlyOnce) {
  StartHub();
  Till& a = MakeTill("till-a");
  Till& b = MakeTill("till-b");
  ASSERT_EQ(Join(a, "masterdata").exit_code, 0) << HubLog();
  ASSERT_EQ(Join(b, "masterdata").exit_code, 0) << HubLog();
  AddMasterData(a.data, "1001", "Espresso", "alice");
  a.StartDaemon();
  b.StartDaemon();
  a.Sell("alice", "1234", "1001");
  a.Sell("alice", "1234", "1001");
  // Master data after the receipts: B's position of A's chain passes the receipts it did not get.
  a.StopDaemon();
  AddMasterData(a.data, "1002", "Tee", "bob");
  a.StartDaemon();
  ASSERT_TRUE(WaitUpstreamCaughtUp({&a, &b})) << HubLog();
  b.StopDaemon();
  auto receipts_of_a_at_b = [&]() {
    Holdings held = Read(b.data);
    int closed = 0;
    for (const auto& [origin, events] : held.by_origin) {
      if (origin == held.node_id) continue;
      for (const auto& event : events) closed += event.second == static_cast<uint32_t>(EventType::kReceiptClosed);
    }
    return closed;
  };
  ASSERT_EQ(receipts_of_a_at_b(), 0) << "masterdata mode carries no receipts";
  b.StartDaemon();
  CliRun bob = b.Run("sale sign-on --user bob --pin-stdin", "1234");
  ASSERT_EQ(bob.exit_code, 0) << "bob (made at A after its receipts) reached B: " << bob.out;
  ASSERT_EQ(b.Run("sale sign-off").exit_code, 0);
  b.StopDaemon();

  CliRun mode = b.Run("sync mode masterdata+receipts");
  ASSERT_EQ(mode.exit_code, 0) << mode.out;
  a.Sell("alice", "1234", "1001");  // after the change
  b.StartDaemon();
  ASSERT_TRUE(WaitUpstreamCaughtUp({&a, &b})) << HubLog();
  // The backfill lies below B's positions, so the lag does not show it: wait for it in the log.
  int received = 0;
  for (int attempt = 0; attempt < 20 && received < 3; ++attempt) {
    std::this_thread::sleep_for(500ms);
    b.StopDaemon();
    received = receipts_of_a_at_b();
    if (received < 3) b.StartDaemon();
  }
  EXPECT_EQ(received, 3) << "the two receipts sold before the mode change and the one after";
  a.StopDaemon();
  b.StopDaemon();
  Stop(hub_pid_, SIGTERM);
  Holdings hub = Read(hub_data_);
  Holdings hb = Read(b.data);
  ExpectExactReplication(hub, {{&hb, {sync::SyncMode::kMasterDataAndReceipts, {}}}});
  CliRun verify = Pos("--data '" + b.data + "' verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
}

// The hub's account events about one till: reasons of its TillRevoked, count of its TillAdmitted.
struct TillAccountHistory {
  int admitted = 0;
  std::vector<std::string> revoked;  // reasons, in log order
};

TillAccountHistory ReadTillAccountHistory(const std::string& hub_data, const std::string& till_node_id) {
  TillAccountHistory out;
  auto store = EventStore::Open(hub_data);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  const std::string hex = ToHex(till_node_id);
  EXPECT_TRUE((*store)
                  ->ScanLog(1, UINT64_MAX,
                            [&](uint64_t, std::string_view bytes) {
                              auto event = EventView::Parse(bytes);
                              if (!event.ok()) return false;
                              if (event->type() == static_cast<uint32_t>(EventType::kTillAdmitted)) {
                                const auto* p = event->PayloadAs<fb::TillAdmitted>();
                                if (p != nullptr && p->till_node_id() != nullptr && p->till_node_id()->str() == hex) {
                                  ++out.admitted;
                                }
                              } else if (event->type() == static_cast<uint32_t>(EventType::kTillRevoked)) {
                                const auto* p = event->PayloadAs<fb::TillRevoked>();
                                if (p != nullptr && p->till_node_id() != nullptr && p->till_node_id()->str() == hex) {
                                  out.revoked.push_back(p->reason() == nullptr ? "" : p->reason()->str());
                                }
                              }
                              return true;
                            })
                  .ok());
  return out;
}

// `pos sync leave` revokes the till at the hub: its key is refused from then on,
// until a join with the account's password admits it again. With the hub down,
// leave is refused and the till stays joined.
TEST_F(SyncTest, LeavingRevokesTheTillAtTheHubAndAJoinWithThePasswordAdmitsItAgain) {
  StartHub();
  Till& till = MakeTill("till-a");
  ASSERT_EQ(Join(till, "archive").exit_code, 0) << HubLog();
  AddMasterData(till.data, "1001", "Espresso", "alice");
  till.StartDaemon();
  ASSERT_TRUE(WaitUpstreamCaughtUp({&till})) << HubLog();
  till.StopDaemon();

  auto keys = LoadCurveKeys(till.data + "/" + std::string(kCurveKeysFileName));
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  const std::string node_id = Read(till.data).node_id;
  // What the hub answers a Hello with this till's key: Welcome while it is admitted.
  auto hello_answer = [&]() -> std::string {
    sync::HelloFields hello;
    hello.till_node_id = node_id;
    hello.till_name = till.name;
    auto reply = sync::HubRequest({hub_address_, hub_key_, keys->public_key, keys->secret_key},
                                  sync::EncodeHello(hello), 5s);
    if (!reply.ok()) return reply.status().ToString();
    auto message = sync::ParseMessage(*reply);
    if (!message.ok()) return message.status().ToString();
    if ((*message)->body_type() == syncwire::Body::Refusal) {
      return std::string("Refusal ") +
             syncwire::EnumNameRefusalKind((*message)->body_as_Refusal()->kind());
    }
    return std::string(sync::BodyName((*message)->body_type()));
  };
  EXPECT_EQ(hello_answer(), "Welcome");

  CliRun left = till.Run("--json sync leave");
  ASSERT_EQ(left.exit_code, 0) << left.out << HubLog();
  EXPECT_TRUE(json::parse(left.out, nullptr, false).value("revoked_at_hub", false)) << left.out;
  EXPECT_EQ(hello_answer(), "Refusal NotAdmitted") << "the hub still admits the key of a till that left";
  EXPECT_FALSE(SyncStatus(till.data).value("joined", true));

  // Joining again takes the password, and the key is admitted again.
  ASSERT_EQ(Join(till, "archive").exit_code, 0) << HubLog();
  EXPECT_EQ(hello_answer(), "Welcome");
  till.StartDaemon();
  ASSERT_TRUE(WaitUpstreamCaughtUp({&till})) << HubLog();
  till.StopDaemon();

  // The hub down: leave changes nothing and says so.
  Stop(hub_pid_, SIGTERM);
  CliRun refused = till.Run("sync leave --timeout 1");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_TRUE(Contains(refused.out, "still admits this till") && Contains(refused.out, "--local-only")) << refused.out;
  EXPECT_TRUE(SyncStatus(till.data).value("joined", false));

  TillAccountHistory history = ReadTillAccountHistory(hub_data_, node_id);
  EXPECT_EQ(history.admitted, 2);
  EXPECT_EQ(history.revoked, std::vector<std::string>{"left"});
}

// A TCP relay between tills and the hub that records every byte both ways.
class RecordingRelay {
 public:
  RecordingRelay(int listen_port, int target_port) : target_port_(target_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(listen_port));
    bound_ = bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && listen(listener_, 8) == 0;
    thread_ = std::thread([this] { Run(); });
  }
  ~RecordingRelay() {
    stop_.store(true);
    thread_.join();
    for (auto& [a, b] : pairs_) {
      close(a);
      close(b);
    }
    close(listener_);
  }
  bool bound() const { return bound_; }
  std::string Captured() {
    std::lock_guard lock(mutex_);
    return captured_;
  }

 private:
  void Run() {
    while (!stop_.load()) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (auto& [a, b] : pairs_) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int client = accept(listener_, nullptr, nullptr);
        int upstream = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<uint16_t>(target_port_));
        if (client >= 0 && connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
          pairs_.emplace_back(client, upstream);
        } else {
          if (client >= 0) close(client);
          close(upstream);
        }
      }
      std::vector<size_t> dead;
      for (size_t i = 1; i < fds.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const size_t pair = (i - 1) / 2;
        const bool from_client = (i - 1) % 2 == 0;
        const int from = from_client ? pairs_[pair].first : pairs_[pair].second;
        const int to = from_client ? pairs_[pair].second : pairs_[pair].first;
        char buffer[65536];
        const ssize_t n = read(from, buffer, sizeof buffer);
        if (n <= 0) {
          dead.push_back(pair);
          continue;
        }
        {
          std::lock_guard lock(mutex_);
          captured_.append(buffer, static_cast<size_t>(n));
        }
        for (ssize_t written = 0; written < n;) {
          const ssize_t w = write(to, buffer + written, static_cast<size_t>(n - written));
          if (w <= 0) break;
          written += w;
        }
      }
      std::sort(dead.begin(), dead.end());
      dead.erase(std::unique(dead.begin(), dead.end()), dead.end());
      for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
        close(pairs_[*it].first);
        close(pairs_[*it].second);
        pairs_.erase(pairs_.begin() + static_cast<long>(*it));
      }
    }
  }

  int target_port_;
  int listener_ = -1;
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::vector<std::pair<int, int>> pairs_;
  std::mutex mutex_;
  std::string captured_;
  std::thread thread_;
};

TEST_F(SyncTest, TrafficThroughARelayHoldsNoPlaintextArticleNameOrPassword) {
  StartHub();
  const int relay_port = FreePort();
  RecordingRelay relay(relay_port, port_);
  ASSERT_TRUE(relay.bound());
  const std::string via_relay = "tcp://127.0.0.1:" + std::to_string(relay_port);
  Till& till = MakeTill("till-a");
  CliRun joined = Join(till, "masterdata", via_relay);
  ASSERT_EQ(joined.exit_code, 0) << joined.out;
  AddMasterData(till.data, "4711", "Zitronenkuchen Spezial", "alice");
  till.StartDaemon();
  ASSERT_TRUE(WaitUpstreamCaughtUp({&till})) << HubLog();
  till.StopDaemon();
  Stop(hub_pid_, SIGTERM);

  // The article did travel (the hub holds it) ...
  Holdings hub = Read(hub_data_);
  Holdings mine = Read(till.data);
  bool article_at_hub = false;
  for (const auto& event : hub.by_origin[mine.node_id]) {
    article_at_hub = article_at_hub || event.second == static_cast<uint32_t>(EventType::kArticleCreated);
  }
  EXPECT_TRUE(article_at_hub);
  // ... but never readable on the wire.
  const std::string captured = relay.Captured();
  EXPECT_GT(captured.size(), 2000u);
  EXPECT_FALSE(Contains(captured, "Zitronenkuchen"));
  EXPECT_FALSE(Contains(captured, kPassword));
  EXPECT_FALSE(Contains(captured, kAccount));
}

// docs/sync.md "Password reset", end to end with real processes: a till asks for a
// reset while both tills sell; both are signed off at once (the hub refuses their
// sessions, the old password awaits approval, the new one is not yet valid); they keep
// selling offline; the admin approves; each logs in with the new password while its
// daemon runs, and every event sold meanwhile reaches the hub exactly once.
TEST_F(SyncTest, PasswordResetSignsOffEveryTillWhichKeepsSellingAndCatchesUpOnceAfterApproval) {
  StartHub();
  Till& a = MakeTill("till-a");
  Till& b = MakeTill("till-b");
  ASSERT_EQ(Join(a, "masterdata").exit_code, 0);
  ASSERT_EQ(Join(b, "masterdata").exit_code, 0);
  AddMasterData(a.data, "1001", "Espresso", "alice");
  AddMasterData(b.data, "2001", "Tee", "bob");
  a.StartDaemon();
  b.StartDaemon();
  a.Sell("alice", "1234", "1001");
  b.Sell("bob", "1234", "2001");
  ASSERT_TRUE(WaitUpstreamCaughtUp({&a, &b})) << HubLog();

  // Till A asks for the reset while its daemon runs (its status file names the hub).
  const std::string new_password_file = dir_.Sub("new-password.txt");
  std::ofstream(new_password_file) << "Neu-Passwort-2025!" << "\n";
  CliRun reset = a.Run("sync password-reset --password-fd 3 3<'" + new_password_file + "'");
  ASSERT_EQ(reset.exit_code, 0) << reset.out;

  // Both tills are signed off at once: the hub refuses their sessions.
  bool both_refused = false;
  for (int i = 0; i < 100 && !both_refused; ++i) {
    json sa = SyncStatus(a.data), sb = SyncStatus(b.data);
    both_refused = !sa.value("online", true) && Contains(sa.value("problem", ""), "refuses this till") &&
                   !sb.value("online", true) && Contains(sb.value("problem", ""), "refuses this till");
    if (!both_refused) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(both_refused) << SyncStatus(a.data).dump() << SyncStatus(b.data).dump() << HubLog();
  // Until approval: the old password awaits approval, the new one is not valid yet.
  CliRun old_password = a.Run("sync login --password-fd 3 3<'" + password_file_ + "'");
  EXPECT_NE(old_password.exit_code, 0);
  EXPECT_TRUE(Contains(old_password.out, "awaits approval")) << old_password.out;
  CliRun too_early = b.Run("sync login --password-fd 3 3<'" + new_password_file + "'");
  EXPECT_NE(too_early.exit_code, 0);
  EXPECT_TRUE(Contains(too_early.out, "wrong account name or password")) << too_early.out;

  // The tills keep selling offline; their events wait in their logs.
  for (int i = 0; i < 3; ++i) {
    a.Sell("alice", "1234", "1001");
    b.Sell("bob", "1234", "2001");
  }
  std::this_thread::sleep_for(1500ms);  // a few heartbeats: nothing of it may reach the hub
  for (Till* till : {&a, &b}) {
    json status = SyncStatus(till->data);
    EXPECT_FALSE(status.value("online", true)) << till->name;
    EXPECT_GT(status["upstream"].value("lag_events", 0), 0) << till->name << " sold offline";
  }

  // The admin approves at the hub (its store, so with `pos hub serve` stopped).
  Stop(hub_pid_, SIGTERM);
  CliRun approve = Pos("--data '" + hub_data_ + "' hub password-reset approve --account " + kAccount);
  ASSERT_EQ(approve.exit_code, 0) << approve.out;
  StartHub();
  // The old password is refused from now on; the new one logs each till in again, daemons running.
  CliRun stale = a.Run("sync login --password-fd 3 3<'" + password_file_ + "'");
  EXPECT_NE(stale.exit_code, 0);
  EXPECT_TRUE(Contains(stale.out, "wrong account name or password")) << stale.out;
  for (Till* till : {&a, &b}) {
    CliRun login = till->Run("sync login --password-fd 3 3<'" + new_password_file + "'");
    ASSERT_EQ(login.exit_code, 0) << till->name << ": " << login.out << HubLog();
  }
  ASSERT_TRUE(WaitUpstreamCaughtUp({&a, &b})) << HubLog();
  a.StopDaemon();
  b.StopDaemon();
  Stop(hub_pid_, SIGTERM);

  // Every event of both tills, those sold during the reset included, at the hub exactly once.
  Holdings hub = Read(hub_data_);
  Holdings ha = Read(a.data), hb = Read(b.data);
  ExpectExactReplication(hub, {{&ha, {sync::SyncMode::kMasterData, {}}}, {&hb, {sync::SyncMode::kMasterData, {}}}});
  uint32_t closed_at_hub = 0;
  for (const std::string& origin : {ha.node_id, hb.node_id}) {
    for (const auto& event : hub.by_origin[origin]) {
      closed_at_hub += event.second == static_cast<uint32_t>(EventType::kReceiptClosed);
    }
  }
  EXPECT_EQ(closed_at_hub, 8u) << "2 receipts before the reset and 6 during it";
  for (const std::string& data : {hub_data_, a.data, b.data}) {
    CliRun verify = Pos("--data '" + data + "' verify");
    EXPECT_EQ(verify.exit_code, 0) << data << ": " << verify.out;
  }
}

TEST_F(SyncTest, WrongPasswordAndWrongPinnedHubKeyAreRefused) {
  StartHub();
  Till& till = MakeTill("till-a");
  const std::string wrong_file = dir_.Sub("wrong.txt");
  std::ofstream(wrong_file) << "Falsch-2024!" << "\n";
  CliRun wrong = Join(till, "masterdata", "", "", wrong_file);
  EXPECT_NE(wrong.exit_code, 0) << wrong.out;
  EXPECT_TRUE(Contains(wrong.out, "wrong account name or password")) << wrong.out;
  EXPECT_FALSE(SyncStatus(till.data).value("joined", true));

  // A key pair of another hub: the real hub cannot answer a client pinning it.
  char other_public[41] = {0};
  char other_secret[41] = {0};
  ASSERT_EQ(zmq_curve_keypair(other_public, other_secret), 0);
  CliRun pinned = Join(till, "masterdata", "", other_public);
  EXPECT_NE(pinned.exit_code, 0) << pinned.out;
  EXPECT_TRUE(Contains(pinned.out, "does not hold the key")) << pinned.out;
  EXPECT_FALSE(SyncStatus(till.data).value("joined", true));

  // The right key and password join.
  CliRun right = Join(till, "masterdata");
  EXPECT_EQ(right.exit_code, 0) << right.out;
  EXPECT_TRUE(SyncStatus(till.data).value("joined", false));
}

// What a till stores of the hub's events (ReplicationMode::kFiltered): rising seqs
// with gaps per origin, gaps filled later (a backfill after a mode change),
// duplicates as no-ops, every hash checked, and `pos verify`'s chain walk accepts it.
TEST(FilteredReplicationTest, RisingSeqsWithGapsDuplicatesAndRefusals) {
  testing::ScratchDir dir;
  auto source = EventStore::Create(dir.Sub("a"), {"a", false, "EUR"});
  auto receiver = EventStore::Create(dir.Sub("b"), {"b", false, "EUR"});
  ASSERT_TRUE(source.ok() && receiver.ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(sync::RecordSwitched(**source, i % 2 == 0, "t").ok());
  std::vector<std::string> events;  // seq 1..7 (NodeInitialised + 6)
  ASSERT_TRUE((*source)->ScanOrigin((*source)->node_id(), 1, [&](uint64_t, std::string_view bytes) {
                         events.emplace_back(bytes);
                         return true;
                       }).ok());
  ASSERT_EQ(events.size(), 7u);
  EventStore& b = **receiver;
  const uint64_t before = b.LastSequence();
  const std::string origin = (*source)->node_id();

  // Seqs 2, 3 and 6: gaps are fine.
  auto stored = b.AppendReplicated({events[1], events[2], events[5]}, ReplicationMode::kFiltered);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->appended, 3u);
  EXPECT_EQ(b.FilteredHeads().at(origin).seq, 6u);
  EXPECT_FALSE(b.Heads().contains(origin));
  // Again: duplicates, no-ops.
  auto again = b.AppendReplicated({events[2], events[5]}, ReplicationMode::kFiltered);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 2u);
  EXPECT_EQ(b.LastSequence(), before + 3);
  // A tampered event: refused, also as a gap fill below the head.
  for (size_t i : {3u, 6u}) {
    std::string tampered = events[i];
    tampered[tampered.size() / 2] ^= 0x01;
    EXPECT_FALSE(b.AppendReplicated({tampered}, ReplicationMode::kFiltered).ok());
  }
  EXPECT_EQ(b.LastSequence(), before + 3);
  // Below the head, a seq not held (4, after a mode change) fills a gap: it links
  // to the held seq 3, is stored once, and the head stays at 6.
  auto filled = b.AppendReplicated({events[3], events[3]}, ReplicationMode::kFiltered);
  ASSERT_TRUE(filled.ok()) << filled.status().ToString();
  EXPECT_EQ(filled->appended, 1u);
  EXPECT_EQ(filled->duplicates, 1u);
  EXPECT_EQ(b.FilteredHeads().at(origin).seq, 6u);
  EXPECT_EQ(b.LastSequence(), before + 4);
  // The receiver's own events and a full-chain origin never arrive filtered; a
  // filtered origin never arrives as a full chain.
  std::string own;
  ASSERT_TRUE(b.ScanOrigin(b.node_id(), 1, [&](uint64_t, std::string_view bytes) {
                 own = std::string(bytes);
                 return false;
               }).ok());
  EXPECT_FALSE(b.AppendReplicated({own}, ReplicationMode::kFiltered).ok());
  EXPECT_FALSE(b.AppendReplicated({events[0]}, ReplicationMode::kFullChain).ok());
  EXPECT_EQ(b.LastSequence(), before + 4);

  // Seq 7 follows the held seq 6: its previous hash is checked and it is taken.
  ASSERT_TRUE(b.AppendReplicated({events[6]}, ReplicationMode::kFiltered).ok());
  auto verified = VerifyChains(b);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events_checked, b.LastSequence());
}

// The hub's server in-process, a raw DEALER as the peer: bad bytes, a batch before
// Hello, an unadmitted key, a gap and a tampered event are refused and change nothing.
class HubProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hub = EventStore::Create(dir_.Sub("hub"), {"hub", true, "EUR"});
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    hub_ = std::move(hub).value();
    auto till = EventStore::Create(dir_.Sub("till"), {"till", false, "EUR"});
    ASSERT_TRUE(till.ok()) << till.status().ToString();
    till_ = std::move(till).value();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(sync::RecordSwitched(*till_, i % 2 == 0, "t").ok());
    ASSERT_TRUE(till_->ScanOrigin(till_->node_id(), 1, [&](uint64_t, std::string_view bytes) {
                       till_events_.emplace_back(bytes);
                       return true;
                     }).ok());
    hub_keys_ = MakeKeys();
    till_keys_ = MakeKeys();
    stranger_keys_ = MakeKeys();

    sync::HubServerOptions options;
    options.listen = "tcp://127.0.0.1:*";
    options.public_key = hub_keys_.public_key;
    options.secret_key = hub_keys_.secret_key;
    const std::string till_key = till_keys_.public_key;
    const std::string till_id = till_->node_id();
    options.start_authenticator = [till_key](zmq::context_t& context) -> Result<std::shared_ptr<void>> {
      auto zap = ZapAuthenticator::Start(context, [till_key](std::string_view key) -> std::optional<std::string> {
        if (key == till_key) return std::string("acct@example.com");
        return std::nullopt;
      });
      if (!zap.ok()) return zap.status();
      return std::shared_ptr<void>(std::move(zap).value());
    };
    options.admission_of_key = [till_key, till_id](std::string_view key) -> std::optional<sync::KeyAdmission> {
      if (key == till_key) return sync::KeyAdmission{"acct@example.com", till_id};
      return std::nullopt;
    };
    options.log = [](const std::string&) {};
    auto server = sync::HubServer::Bind(*hub_, std::move(options));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    serving_ = std::thread([this] { (void)server_->Serve(stop_); });
  }

  void TearDown() override {
    stop_.store(true);
    if (serving_.joinable()) serving_.join();
  }

  static CurveKeyPair MakeKeys() {
    char pub[41] = {0};
    char sec[41] = {0};
    EXPECT_EQ(zmq_curve_keypair(pub, sec), 0);
    return {pub, sec};
  }

  std::unique_ptr<zmq::socket_t> Connect(const CurveKeyPair& keys) {
    auto socket = sync::ConnectToHub(context_, {server_->endpoint(), hub_keys_.public_key, keys.public_key,
                                                keys.secret_key});
    EXPECT_TRUE(socket.ok()) << socket.status().ToString();
    return socket.ok() ? std::move(socket).value() : nullptr;
  }

  // The next message from the hub other than a Heartbeat, as bytes ("" after 5 s).
  static std::string Next(zmq::socket_t& socket) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 100ms);
      zmq::message_t message;
      if (!socket.recv(message, zmq::recv_flags::dontwait)) continue;
      auto parsed = sync::ParseMessage(message.to_string_view());
      EXPECT_TRUE(parsed.ok());
      if (parsed.ok() && (*parsed)->body_type() == syncwire::Body::Heartbeat) continue;
      return message.to_string();
    }
    return "";
  }

  static const syncwire::Message* View(const std::string& bytes) {
    auto parsed = sync::ParseMessage(bytes);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    return parsed.ok() ? *parsed : nullptr;
  }

  std::string Hello() const {
    sync::HelloFields hello;
    hello.till_node_id = till_->node_id();
    hello.till_name = "till";
    hello.heads[till_->node_id()] = till_events_.size();
    return sync::EncodeHello(hello);
  }

  testing::ScratchDir dir_;
  std::unique_ptr<EventStore> hub_, till_;
  std::vector<std::string> till_events_;
  CurveKeyPair hub_keys_, till_keys_, stranger_keys_;
  std::unique_ptr<sync::HubServer> server_;
  std::atomic<bool> stop_{false};
  std::thread serving_;
  zmq::context_t context_{1};
};

TEST_F(HubProtocolTest, BadBytesGapsAndStrangersAreRefusedAndChangeNothing) {
  const uint64_t hub_events = hub_->LastSequence();
  auto socket = Connect(till_keys_);
  ASSERT_NE(socket, nullptr);

  socket->send(zmq::str_buffer("definitely not a sync message"), zmq::send_flags::none);
  std::string reply = Next(*socket);
  ASSERT_FALSE(reply.empty());
  ASSERT_EQ(View(reply)->body_type(), syncwire::Body::Refusal);
  EXPECT_EQ(View(reply)->body_as_Refusal()->kind(), syncwire::RefusalKind::Malformed);
  EXPECT_TRUE(Contains(View(reply)->body_as_Refusal()->message()->str(), "not a sync protocol message"));

  socket->send(zmq::buffer(sync::EncodeBatch({1, {till_events_[0]}, 0, 0})), zmq::send_flags::none);
  reply = Next(*socket);
  EXPECT_EQ(View(reply)->body_as_Refusal()->kind(), syncwire::RefusalKind::NoSession);

  socket->send(zmq::buffer(Hello()), zmq::send_flags::none);
  reply = Next(*socket);
  ASSERT_EQ(View(reply)->body_type(), syncwire::Body::Welcome);
  auto welcome_heads = sync::ReadVector(View(reply)->body_as_Welcome()->heads());
  ASSERT_TRUE(welcome_heads.ok());
  EXPECT_EQ(welcome_heads->at(till_->node_id()), 0u);

  // A gap: seq 2 and 3 while the hub holds nothing of the till.
  socket->send(zmq::buffer(sync::EncodeBatch({1, {till_events_[1], till_events_[2]}, 0, 0})), zmq::send_flags::none);
  reply = Next(*socket);
  ASSERT_EQ(View(reply)->body_type(), syncwire::Body::Refusal);
  EXPECT_EQ(View(reply)->body_as_Refusal()->kind(), syncwire::RefusalKind::StreamStopped);
  EXPECT_TRUE(Contains(View(reply)->body_as_Refusal()->message()->str(), "gap")) << reply;
  EXPECT_EQ(hub_->LastSequence(), hub_events);
  // The stream stays stopped until the next Hello, even for a good batch.
  socket->send(zmq::buffer(sync::EncodeBatch({2, {till_events_[0]}, 0, 0})), zmq::send_flags::none);
  reply = Next(*socket);
  EXPECT_EQ(View(reply)->body_as_Refusal()->kind(), syncwire::RefusalKind::StreamStopped);
  EXPECT_EQ(hub_->LastSequence(), hub_events);

  // A tampered event (one payload byte flipped): the hash does not match; nothing stored.
  socket->send(zmq::buffer(Hello()), zmq::send_flags::none);
  ASSERT_EQ(View(Next(*socket))->body_type(), syncwire::Body::Welcome);
  std::string tampered = till_events_[0];
  tampered[tampered.size() / 2] ^= 0x01;
  socket->send(zmq::buffer(sync::EncodeBatch({1, {tampered}, 0, 0})), zmq::send_flags::none);
  reply = Next(*socket);
  EXPECT_EQ(View(reply)->body_as_Refusal()->kind(), syncwire::RefusalKind::StreamStopped);
  EXPECT_EQ(hub_->LastSequence(), hub_events);

  // After a new Hello the good chain is taken and acknowledged once durable.
  socket->send(zmq::buffer(Hello()), zmq::send_flags::none);
  ASSERT_EQ(View(Next(*socket))->body_type(), syncwire::Body::Welcome);
  socket->send(zmq::buffer(sync::EncodeBatch({1, till_events_, 0, 0})), zmq::send_flags::none);
  reply = Next(*socket);
  ASSERT_EQ(View(reply)->body_type(), syncwire::Body::Ack) << View(reply)->body_as_Refusal()->message()->str();
  auto acked = sync::ReadVector(View(reply)->body_as_Ack()->heads());
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked->at(till_->node_id()), till_events_.size());
  EXPECT_EQ(hub_->Heads().at(till_->node_id()).seq, till_events_.size());
  // The same batch again is a no-op (duplicates) and acknowledged.
  socket->send(zmq::buffer(sync::EncodeBatch({2, till_events_, 0, 0})), zmq::send_flags::none);
  EXPECT_EQ(View(Next(*socket))->body_type(), syncwire::Body::Ack);
  EXPECT_EQ(hub_->LastSequence(), hub_events + till_events_.size());

  // A key the hub has not admitted gets nothing but a refusal.
  auto stranger = Connect(stranger_keys_);
  ASSERT_NE(stranger, nullptr);
  stranger->send(zmq::buffer(Hello()), zmq::send_flags::none);
  reply = Next(*stranger);
  ASSERT_EQ(View(reply)->body_type(), syncwire::Body::Refusal);
  EXPECT_EQ(View(reply)->body_as_Refusal()->kind(), syncwire::RefusalKind::NotAdmitted);
}

// Batches that arrive together share one durable write (HubServer::FlushBatches);
// a bad one among them stops only its stream from there on: the good batch
// before it is stored and acknowledged, and the replies come in arrival order.
TEST_F(HubProtocolTest, ABadBatchAmongQueuedOnesKeepsTheGoodOneBeforeIt) {
  const uint64_t hub_events = hub_->LastSequence();
  auto socket = Connect(till_keys_);
  ASSERT_NE(socket, nullptr);
  socket->send(zmq::buffer(Hello()), zmq::send_flags::none);
  ASSERT_EQ(View(Next(*socket))->body_type(), syncwire::Body::Welcome);
  // Back to back, so the hub mostly takes them in one poll round.
  socket->send(zmq::buffer(sync::EncodeBatch({1, {till_events_[0], till_events_[1]}, 0, 0})), zmq::send_flags::none);
  socket->send(zmq::buffer(sync::EncodeBatch({2, {till_events_[3]}, 0, 0})), zmq::send_flags::none);  // a gap
  socket->send(zmq::buffer(sync::EncodeBatch({3, {till_events_[2]}, 0, 0})), zmq::send_flags::none);
  std::string reply = Next(*socket);
  ASSERT_EQ(View(reply)->body_type(), syncwire::Body::Ack);
  EXPECT_EQ(View(reply)->body_as_Ack()->batch_no(), 1u);
  reply = Next(*socket);
  ASSERT_EQ(View(reply)->body_type(), syncwire::Body::Refusal);
  EXPECT_EQ(View(reply)->body_as_Refusal()->kind(), syncwire::RefusalKind::StreamStopped);
  EXPECT_TRUE(Contains(View(reply)->body_as_Refusal()->message()->str(), "gap")) << reply;
  reply = Next(*socket);
  ASSERT_EQ(View(reply)->body_type(), syncwire::Body::Refusal);
  EXPECT_EQ(View(reply)->body_as_Refusal()->kind(), syncwire::RefusalKind::StreamStopped);
  EXPECT_EQ(hub_->Heads().at(till_->node_id()).seq, 2u);
  EXPECT_EQ(hub_->LastSequence(), hub_events + 2);
}

TEST_F(HubProtocolTest, AClientPinningAnotherHubKeyNeverGetsAnAnswer) {
  CurveKeyPair wrong = MakeKeys();
  auto answer = sync::HubRequest({server_->endpoint(), wrong.public_key, till_keys_.public_key, till_keys_.secret_key},
                                 Hello(), 1500ms);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(answer.status().message(), "does not hold the key")) << answer.status().message();
  // The right key gets its Welcome on the same server.
  auto right = sync::HubRequest({server_->endpoint(), hub_keys_.public_key, till_keys_.public_key,
                                 till_keys_.secret_key},
                                Hello(), 5000ms);
  ASSERT_TRUE(right.ok()) << right.status().ToString();
  EXPECT_EQ(View(*right)->body_type(), syncwire::Body::Welcome);
}

}  // namespace
}  // namespace pos
