// Licensing end to end (docs/licensing.md): the vendor's keys, license files and
// release tokens; a REAL `pos license-server` process on loopback; tills (each
// its own store and, through $POS_MACHINE_ID_FILE, its own hardware) loading,
// activating online and by files, deactivating; seat exhaustion, over-assignment
// after a smaller license, forced release, tampered and foreign licenses, the
// wrong customer number, demo mode, and a SIGKILLed server that keeps every seat.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "adapters/license_wire.h"
#include "adapters/serve_file.h"
#include "adapters/zmq_command_client.h"
#include "domain/master_data_service.h"
#include "engine/bytes.h"
#include "engine/pin_hash.h"
#include "events/event_view.h"
#include "projections/builtin_projections.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using nlohmann::json;

std::string PosBinary() { return testing::BinaryDir() + "/tools/pos/pos"; }

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

// Runs `[ENV] pos ARGS` with `input` on stdin.
CliRun Pos(const std::string& args, const std::string& input = "", const std::string& env = "") {
  const std::string command =
      "printf '%s\\n' '" + input + "' | " + env + " '" + PosBinary() + "' " + args + " 2>&1";
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

json Json(const CliRun& run) {
  json j = json::parse(run.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << run.out;
  return j;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A till: its own store (admin root/9999, cashier alice/1234, one article) and
// its own machine id file, so each till is other hardware.
struct Till {
  std::string name, data, machine_file, node_id_hex;

  std::string Env() const { return "POS_MACHINE_ID_FILE='" + machine_file + "'"; }
  CliRun Run(const std::string& args, const std::string& input = "") const {
    return Pos("--data '" + data + "' " + args, input, Env());
  }
  // An admin command with root's PIN on stdin.
  CliRun Admin(const std::string& args) const { return Run(args + " --admin root --pin-stdin", "9999"); }
  json Status() const { return Json(Run("--json license status")); }
  // Opens a receipt as alice and returns whether it is a training (demo) receipt.
  bool OpensDemoReceipt() const {
    CliRun signed_on = Run("sale sign-on --user alice --pin-stdin", "1234");
    EXPECT_TRUE(signed_on.exit_code == 0 || Contains(signed_on.out, "signed on")) << signed_on.out;
    CliRun opened = Run("--json sale open");
    EXPECT_EQ(opened.exit_code, 0) << opened.out;
    const std::string id = Json(opened).value("receipt_id", "");
    CliRun shown = Run("--json sale show --receipt " + id);
    EXPECT_EQ(shown.exit_code, 0) << shown.out;
    json receipt = Json(shown);
    EXPECT_TRUE(receipt.contains("training")) << shown.out;
    return receipt.value("training", false);
  }
  // The types of this till's events in the "license" stream.
  std::vector<std::string> LicenseEvents() const {
    std::vector<std::string> types;
    auto store = EventStore::Open(data);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return types;
    EXPECT_TRUE((*store)->ScanStream("license", 1, [&](uint64_t, std::string_view bytes) {
                          auto event = EventView::Parse(bytes);
                          if (event.ok()) types.emplace_back(FindEventType(event->type())->name);
                          return true;
                        }).ok());
    return types;
  }
};

class LicensingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = dir_.Sub("vendor-keys");
    server_data_ = dir_.Sub("license-server");
    CliRun keygen = Pos("vendor keygen --out '" + keys_ + "'");
    ASSERT_EQ(keygen.exit_code, 0) << keygen.out;
    pub_ = keys_ + "/vendor.pub";
  }
  void TearDown() override { StopServer(SIGKILL); }

  Till MakeTill(const std::string& name) {
    Till till{name, dir_.Sub(name), dir_.Sub(name + ".machine-id"), ""};
    std::ofstream(till.machine_file) << ToHex(std::string(name + "-machine-id-0123456789")) << "\n";
    // `pos init` binds the till to its (simulated) hardware: a license-managed till.
    CliRun init = Pos("--data '" + till.data + "' init --node-name " + name, "", till.Env());
    EXPECT_EQ(init.exit_code, 0) << init.out;
    auto store = EventStore::Open(till.data);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return till;
    till.node_id_hex = ToHex((*store)->node_id());
    ProjectionRunner runner(**store);
    EXPECT_TRUE(RegisterBuiltinProjections(runner).ok());
    EXPECT_TRUE(runner.CatchUp().ok());
    MasterDataService master(**store, runner);
    EXPECT_TRUE(master.AddTaxRate({"A", "Standard", 1900}, "setup").ok());
    EXPECT_TRUE(master.AddArticle({"1001", "Espresso", 240, "A", "drinks", {}}, "setup").ok());
    auto root_pin = HashSecret("9999", 1000);
    auto alice_pin = HashSecret("1234", 1000);
    EXPECT_TRUE(master.AddUser({"root", "Root", UserRole::kAdmin, *root_pin}, "setup").ok());
    EXPECT_TRUE(master.AddUser({"alice", "Alice", UserRole::kCashier, *alice_pin}, "setup").ok());
    return till;
  }

  // Signs a license for `customer` with `seats` seats; returns its path.
  std::string Issue(const std::string& file, const std::string& customer, int seats, const std::string& extra = "") {
    const std::string path = dir_.Sub(file);
    CliRun issued = Pos("vendor issue --key '" + keys_ + "' --customer " + customer + " --seats " +
                        std::to_string(seats) + " " + extra + " '" + path + "'");
    EXPECT_EQ(issued.exit_code, 0) << issued.out;
    return path;
  }

  CliRun Server(const std::string& args) { return Pos("--data '" + server_data_ + "' license-server " + args); }
  json ServerStatus() { return Json(Server("status --json")); }

  void StartServer() {
    const std::string binary = PosBinary();
    const std::string log = dir_.Sub("license-server.log");
    const std::string data = server_data_;
    const std::string pub = pub_;
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
      }
      execl(binary.c_str(), binary.c_str(), "--data", data.c_str(), "license-server", "--listen",
            "tcp://127.0.0.1:*", "--vendor-pubkey", pub.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    ASSERT_GT(pid_, 0);
    for (int i = 0; i < 200 && endpoint_.empty(); ++i) {
      auto info = ReadServeFile(server_data_);
      if (info.ok() && info->has_value() && (*info)->pid == pid_) endpoint_ = (*info)->endpoint;
      if (endpoint_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_FALSE(endpoint_.empty()) << "the license server did not start";
    ASSERT_EQ(endpoint_.rfind("tcp://127.0.0.1:", 0), 0u) << endpoint_;
  }

  // Returns the wait status.
  int StopServer(int signal) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    endpoint_.clear();
    return status;
  }

  testing::ScratchDir dir_;
  std::string keys_, pub_, server_data_;
  pid_t pid_ = -1;
  std::string endpoint_;
};

TEST_F(LicensingTest, VendorKeyFilesAndSignedLicenseFormat) {
  struct stat st {};
  ASSERT_EQ(stat((keys_ + "/vendor.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string lic = Issue("c.lic", "4711", 3, "--modules tse,dsfinvk --expires 2099-12-31");
  std::ifstream in(lic);
  json doc = json::parse(in);
  EXPECT_EQ(doc["format"], "pos-license-v1");
  EXPECT_EQ(doc["payload"]["customer"], "4711");
  EXPECT_EQ(doc["payload"]["seats"], 3);
  EXPECT_EQ(doc["payload"]["modules"], json::array({"dsfinvk", "tse"}));
  EXPECT_EQ(doc["signature"].get<std::string>().size(), 128u);
}

TEST_F(LicensingTest, LifecycleDemoModeWrongCustomerNumberAndEventsEverywhere) {
  StartServer();
  const std::string lic = Issue("c.lic", "4711", 2);
  CliRun loaded = Server("load '" + lic + "'");
  ASSERT_EQ(loaded.exit_code, 0) << loaded.out;

  Till till = MakeTill("till-1");
  // Without a license the till runs in demo mode: its receipts are training receipts.
  EXPECT_EQ(till.Status()["mode"], "demo");
  EXPECT_TRUE(till.OpensDemoReceipt());

  // Only an admin manages licenses.
  CliRun cashier = till.Run("license load '" + lic + "' --vendor-pubkey '" + pub_ + "' --admin alice --pin-stdin",
                            "1234");
  EXPECT_EQ(cashier.exit_code, 1);
  EXPECT_TRUE(Contains(cashier.out, "only admins")) << cashier.out;
  CliRun wrong_pin = till.Run("license load '" + lic + "' --vendor-pubkey '" + pub_ + "' --admin root --pin-stdin",
                              "0000");
  EXPECT_EQ(wrong_pin.exit_code, 1);

  CliRun load = till.Admin("license load '" + lic + "' --vendor-pubkey '" + pub_ + "'");
  ASSERT_EQ(load.exit_code, 0) << load.out;
  EXPECT_EQ(till.Status()["mode"], "demo");  // loaded, not activated
  CliRun activate = till.Admin("license activate --server " + endpoint_);
  ASSERT_EQ(activate.exit_code, 0) << activate.out;
  json status = till.Status();
  EXPECT_EQ(status["mode"], "licensed") << status.dump();
  EXPECT_EQ(status["seat"]["seat_id"], till.node_id_hex);
  EXPECT_FALSE(till.OpensDemoReceipt());
  // Activating again is harmless.
  EXPECT_EQ(till.Admin("license activate --server " + endpoint_).exit_code, 0);

  json server = ServerStatus();
  EXPECT_EQ(server["used"], 1);
  EXPECT_EQ(server["available"], 1);
  ASSERT_EQ(server["holders"].size(), 1u);
  EXPECT_EQ(server["holders"][0]["node_name"], "till-1");

  // A wrong customer number gets exactly that answer and changes nothing.
  const auto events_before = till.LicenseEvents();
  CliRun wrong = till.Admin("license deactivate --customer-number 4712");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.out, "pos: error: customer number is wrong\n");
  EXPECT_EQ(till.LicenseEvents(), events_before);
  EXPECT_EQ(ServerStatus()["used"], 1);
  EXPECT_EQ(till.Status()["mode"], "licensed");

  CliRun deactivate = till.Admin("license deactivate --customer-number 4711");
  ASSERT_EQ(deactivate.exit_code, 0) << deactivate.out;
  EXPECT_EQ(till.Status()["mode"], "demo");
  EXPECT_EQ(ServerStatus()["used"], 0);
  EXPECT_TRUE(till.OpensDemoReceipt());

  EXPECT_EQ(till.LicenseEvents(),
            (std::vector<std::string>{"LicenseLoaded", "SeatActivated", "SeatDeactivated"}));
  StopServer(SIGTERM);
  CliRun log = Pos("--data '" + server_data_ + "' log --stream license-server --json");
  EXPECT_TRUE(Contains(log.out, "LicenseLoaded") && Contains(log.out, "SeatActivated") &&
              Contains(log.out, "SeatDeactivated"))
      << log.out;
  EXPECT_EQ(Pos("--data '" + server_data_ + "' verify").exit_code, 0);
  EXPECT_EQ(till.Run("verify").exit_code, 0);
}

TEST_F(LicensingTest, ActivationBeyondTheSeatCountIsRefusedNamingUsedAndAvailable) {
  StartServer();
  const std::string lic = Issue("c.lic", "4711", 1);
  ASSERT_EQ(Server("load '" + lic + "'").exit_code, 0);
  Till a = MakeTill("till-a");
  Till b = MakeTill("till-b");
  for (const Till* t : {&a, &b}) {
    ASSERT_EQ(t->Admin("license load '" + lic + "' --vendor-pubkey '" + pub_ + "'").exit_code, 0);
  }
  ASSERT_EQ(a.Admin("license activate --server " + endpoint_).exit_code, 0);
  CliRun refused = b.Admin("license activate --server " + endpoint_);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(Contains(refused.out, "1 of 1 seats used, 0 available")) << refused.out;
  EXPECT_TRUE(Contains(refused.out, "till-a")) << refused.out;
  EXPECT_EQ(b.Status()["mode"], "demo");
  EXPECT_EQ(b.LicenseEvents(), std::vector<std::string>{"LicenseLoaded"});
  // A license of another customer (signed by the vendor) gets the same answer as a wrong number.
  Till c = MakeTill("till-c");
  const std::string other = Issue("other.lic", "999", 5);
  ASSERT_EQ(c.Admin("license load '" + other + "' --vendor-pubkey '" + pub_ + "'").exit_code, 0);
  CliRun foreign_customer = c.Admin("license activate --server " + endpoint_);
  EXPECT_EQ(foreign_customer.out, "pos: error: customer number is wrong\n");
  EXPECT_EQ(ServerStatus()["used"], 1);
}

TEST_F(LicensingTest, SmallerLicenseMarksOverAssignedSeatsAndBlocksActivationUntilReleased) {
  StartServer();
  const std::string big = Issue("big.lic", "4711", 2);
  ASSERT_EQ(Server("load '" + big + "'").exit_code, 0);
  Till a = MakeTill("till-a");
  Till b = MakeTill("till-b");
  Till c = MakeTill("till-c");
  for (const Till* t : {&a, &b, &c}) {
    ASSERT_EQ(t->Admin("license load '" + big + "' --vendor-pubkey '" + pub_ + "'").exit_code, 0);
  }
  ASSERT_EQ(a.Admin("license activate --server " + endpoint_).exit_code, 0);
  ASSERT_EQ(b.Admin("license activate --server " + endpoint_).exit_code, 0);

  const std::string small = Issue("small.lic", "4711", 1);
  CliRun loaded = Server("load '" + small + "'");
  ASSERT_EQ(loaded.exit_code, 0) << loaded.out;
  EXPECT_TRUE(Contains(loaded.out, "over-assigned")) << loaded.out;
  json status = ServerStatus();
  EXPECT_EQ(status["seats"], 1);
  EXPECT_EQ(status["used"], 2);
  ASSERT_EQ(status["holders"].size(), 2u);
  EXPECT_EQ(status["holders"][0]["node_name"], "till-a");
  EXPECT_FALSE(status["holders"][0]["excess"].get<bool>());
  EXPECT_EQ(status["holders"][1]["node_name"], "till-b");
  EXPECT_TRUE(status["holders"][1]["excess"].get<bool>());

  // A till can ask whether its seat is one of the excess.
  json b_view = Json(b.Run("--json license status --server " + endpoint_));
  EXPECT_TRUE(b_view["server"]["held"].get<bool>()) << b_view.dump();
  EXPECT_TRUE(b_view["server"]["excess"].get<bool>()) << b_view.dump();
  EXPECT_FALSE(Json(a.Run("--json license status --server " + endpoint_))["server"]["excess"].get<bool>());

  CliRun blocked = c.Admin("license activate --server " + endpoint_);
  EXPECT_EQ(blocked.exit_code, 1);
  EXPECT_TRUE(Contains(blocked.out, "over-assigned: 2 seats used, 1 licensed, 0 available")) << blocked.out;
  EXPECT_TRUE(Contains(blocked.out, "till-a") && Contains(blocked.out, "till-b")) << blocked.out;

  // An admin releases seats: b gives its seat back; 1 of 1 used: c still waits.
  ASSERT_EQ(b.Admin("license deactivate --customer-number 4711").exit_code, 0);
  CliRun still = c.Admin("license activate --server " + endpoint_);
  EXPECT_TRUE(Contains(still.out, "1 of 1 seats used, 0 available")) << still.out;
  ASSERT_EQ(a.Admin("license deactivate --customer-number 4711").exit_code, 0);
  CliRun now = c.Admin("license activate --server " + endpoint_);
  EXPECT_EQ(now.exit_code, 0) << now.out;
  EXPECT_EQ(c.Status()["mode"], "licensed");
}

TEST_F(LicensingTest, OfflineActivationByFiles) {
  const std::string lic = Issue("c.lic", "4711", 1);
  // No server process: the server's commands work on its store directly.
  CliRun loaded = Pos("--data '" + server_data_ + "' license-server --vendor-pubkey '" + pub_ + "' load '" + lic + "'");
  ASSERT_EQ(loaded.exit_code, 0) << loaded.out;
  Till till = MakeTill("till-1");
  Till other = MakeTill("till-2");
  ASSERT_EQ(till.Admin("license load '" + lic + "' --vendor-pubkey '" + pub_ + "'").exit_code, 0);
  ASSERT_EQ(other.Admin("license load '" + lic + "'  --vendor-pubkey '" + pub_ + "'").exit_code, 0);
  const std::string request = dir_.Sub("till-1.req");
  const std::string response = dir_.Sub("till-1.resp");
  CliRun req = till.Admin("license activate --request '" + request + "'");
  ASSERT_EQ(req.exit_code, 0) << req.out;
  CliRun answered = Server("answer '" + request + "' '" + response + "'");
  ASSERT_EQ(answered.exit_code, 0) << answered.out;
  // The response belongs to till-1 only.
  CliRun foreign = other.Admin("license apply '" + response + "'");
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_TRUE(Contains(foreign.out, "another till")) << foreign.out;
  // A request file is not a response.
  EXPECT_EQ(till.Admin("license apply '" + request + "'").exit_code, 1);
  CliRun applied = till.Admin("license apply '" + response + "'");
  ASSERT_EQ(applied.exit_code, 0) << applied.out;
  EXPECT_EQ(till.Status()["mode"], "licensed");
  EXPECT_EQ(till.Status()["seat"]["server"], "offline");
  EXPECT_FALSE(till.OpensDemoReceipt());
  EXPECT_EQ(ServerStatus()["used"], 1);
  // With the server running, `answer` goes through it; the seat is taken.
  StartServer();
  const std::string request2 = dir_.Sub("till-2.req");
  ASSERT_EQ(other.Admin("license activate --request '" + request2 + "'").exit_code, 0);
  CliRun refused = Server("answer '" + request2 + "' '" + dir_.Sub("till-2.resp") + "'");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(Contains(refused.out, "1 of 1 seats used, 0 available")) << refused.out;
}

TEST_F(LicensingTest, ForcedReleaseFreesTheSeatOfADeadTill) {
  StartServer();
  const std::string lic = Issue("c.lic", "4711", 1);
  ASSERT_EQ(Server("load '" + lic + "'").exit_code, 0);
  Till dead = MakeTill("till-dead");
  Till fresh = MakeTill("till-new");
  for (const Till* t : {&dead, &fresh}) {
    ASSERT_EQ(t->Admin("license load '" + lic + "' --vendor-pubkey '" + pub_ + "'").exit_code, 0);
  }
  ASSERT_EQ(dead.Admin("license activate --server " + endpoint_).exit_code, 0);
  EXPECT_EQ(fresh.Admin("license activate --server " + endpoint_).exit_code, 1);

  const std::string token = dir_.Sub("release.token");
  CliRun issued = Pos("vendor release --key '" + keys_ + "' --customer 4711 --seat " + dead.node_id_hex + " '" +
                      token + "'");
  ASSERT_EQ(issued.exit_code, 0) << issued.out;
  // A token of another customer is refused.
  const std::string wrong_token = dir_.Sub("wrong.token");
  ASSERT_EQ(Pos("vendor release --key '" + keys_ + "' --customer 1 --seat " + dead.node_id_hex + " '" +
                wrong_token + "'")
                .exit_code,
            0);
  EXPECT_EQ(Server("release '" + wrong_token + "'").out, "pos: error: customer number is wrong\n");

  CliRun released = Server("release '" + token + "'");
  ASSERT_EQ(released.exit_code, 0) << released.out;
  EXPECT_EQ(ServerStatus()["used"], 0);
  CliRun again = Server("release '" + token + "'");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(Contains(again.out, "used already")) << again.out;
  CliRun activated = fresh.Admin("license activate --server " + endpoint_);
  EXPECT_EQ(activated.exit_code, 0) << activated.out;
  CliRun log = Pos("--data '" + server_data_ + "' log --stream license-server --json");
  EXPECT_EQ(log.exit_code, 1);  // the store is locked by the running server
}

TEST_F(LicensingTest, TamperedOrForeignLicenseIsRefusedAndChangesNothing) {
  StartServer();
  const std::string lic = Issue("c.lic", "4711", 2);
  std::ifstream in(lic);
  json doc = json::parse(in);
  doc["payload"]["seats"] = 200;
  const std::string tampered = dir_.Sub("tampered.lic");
  std::ofstream(tampered) << doc.dump(2);
  // A license signed by another vendor key.
  const std::string other_keys = dir_.Sub("other-keys");
  ASSERT_EQ(Pos("vendor keygen --out '" + other_keys + "'").exit_code, 0);
  const std::string foreign = dir_.Sub("foreign.lic");
  ASSERT_EQ(Pos("vendor issue --key '" + other_keys + "' --customer 4711 --seats 9 '" + foreign + "'").exit_code, 0);
  const std::string garbage = dir_.Sub("garbage.lic");
  std::ofstream(garbage) << "not a license";

  Till till = MakeTill("till-1");
  for (const std::string& bad : {tampered, foreign, garbage}) {
    CliRun till_load = till.Admin("license load '" + bad + "' --vendor-pubkey '" + pub_ + "'");
    EXPECT_EQ(till_load.exit_code, 1) << bad;
    CliRun server_load = Server("load '" + bad + "'");
    EXPECT_EQ(server_load.exit_code, 1) << bad;
    if (bad != garbage) {
      EXPECT_TRUE(Contains(till_load.out, "signature does not verify")) << till_load.out;
      EXPECT_TRUE(Contains(server_load.out, "signature does not verify")) << server_load.out;
    }
  }
  EXPECT_TRUE(till.LicenseEvents().empty());
  EXPECT_TRUE(ServerStatus()["license_id"].get<std::string>().empty());
  EXPECT_EQ(till.Status()["mode"], "demo");

  // The signature covers the canonical payload, not the file's layout.
  std::ifstream again(lic);
  const std::string reformatted = dir_.Sub("reformatted.lic");
  std::ofstream(reformatted) << json::parse(again).dump(4);
  CliRun ok = Server("load '" + reformatted + "'");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
}

TEST_F(LicensingTest, ExpiredLicenseAndOtherHardwareMeanDemoMode) {
  StartServer();
  const std::string expired = Issue("expired.lic", "4711", 2, "--expires 2020-01-31");
  ASSERT_EQ(Server("load '" + expired + "'").exit_code, 0);
  Till till = MakeTill("till-1");
  ASSERT_EQ(till.Admin("license load '" + expired + "' --vendor-pubkey '" + pub_ + "'").exit_code, 0);
  EXPECT_TRUE(Contains(till.Status()["reason"].get<std::string>(), "expired on 2020-01-31"));
  CliRun refused = till.Admin("license activate --server " + endpoint_);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(Contains(refused.out, "expired on 2020-01-31")) << refused.out;

  const std::string valid = Issue("valid.lic", "4711", 2, "--expires 2099-12-31");
  ASSERT_EQ(Server("load '" + valid + "'").exit_code, 0);
  ASSERT_EQ(till.Admin("license load '" + valid + "'").exit_code, 0);  // <data>/vendor.pub kept from before
  ASSERT_EQ(till.Admin("license activate --server " + endpoint_).exit_code, 0);
  EXPECT_EQ(till.Status()["mode"], "licensed");
  // The same store on other hardware runs in demo mode.
  const std::string other_machine = dir_.Sub("other.machine-id");
  std::ofstream(other_machine) << "0123456789abcdef0123456789abcdef\n";
  CliRun moved = Pos("--json --data '" + till.data + "' license status", "", "POS_MACHINE_ID_FILE='" + other_machine + "'");
  json status = Json(moved);
  EXPECT_EQ(status["mode"], "demo");
  EXPECT_TRUE(Contains(status["reason"].get<std::string>(), "other hardware")) << moved.out;
}

TEST_F(LicensingTest, MalformedRequestsGetAnErrorReplyAndChangeNothing) {
  StartServer();
  ZmqCommandClient client(endpoint_, std::chrono::seconds(5));
  const std::string valid = lic::StatusRequest();
  for (const std::string& bad : {std::string("garbage"), valid.substr(0, valid.size() / 2), std::string(64, '\0'),
                                 lic::ActivateRequest({}).substr(1)}) {
    auto bytes = client.Call(bad);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto reply = lic::ParseReply(*bytes);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_FALSE(reply->ok);
    EXPECT_TRUE(Contains(reply->error_message, "malformed request")) << reply->error_message;
  }
  // An activation without a license loaded is refused; the server still answers.
  auto refused = lic::ParseReply(*client.Call(lic::ActivateRequest({"4711", "00", "x", "ff", ""})));
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->ok);
  EXPECT_EQ(ServerStatus()["used"], 0);
}

TEST_F(LicensingTest, ServerKilledWithSigkillKeepsEveryActivation) {
  StartServer();
  const std::string lic = Issue("c.lic", "4711", 2);
  ASSERT_EQ(Server("load '" + lic + "'").exit_code, 0);
  Till a = MakeTill("till-a");
  Till b = MakeTill("till-b");
  Till c = MakeTill("till-c");
  for (const Till* t : {&a, &b, &c}) {
    ASSERT_EQ(t->Admin("license load '" + lic + "' --vendor-pubkey '" + pub_ + "'").exit_code, 0);
  }
  ASSERT_EQ(a.Admin("license activate --server " + endpoint_).exit_code, 0);
  ASSERT_EQ(b.Admin("license activate --server " + endpoint_).exit_code, 0);
  const int status = StopServer(SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(status));

  StartServer();  // same data, a new port
  json after = ServerStatus();
  EXPECT_EQ(after["used"], 2);
  ASSERT_EQ(after["holders"].size(), 2u);
  EXPECT_EQ(after["holders"][0]["seat_id"], a.node_id_hex);
  EXPECT_EQ(after["holders"][1]["seat_id"], b.node_id_hex);
  CliRun refused = c.Admin("license activate --server " + endpoint_);
  EXPECT_TRUE(Contains(refused.out, "2 of 2 seats used, 0 available")) << refused.out;
  ASSERT_EQ(a.Admin("license deactivate --customer-number 4711 --server " + endpoint_).exit_code, 0);
  EXPECT_EQ(c.Admin("license activate --server " + endpoint_).exit_code, 0);
  EXPECT_EQ(ServerStatus()["used"], 2);
}

}  // namespace
}  // namespace pos
