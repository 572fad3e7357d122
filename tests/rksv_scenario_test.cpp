// End to end: the 8 reference test scenarios of the Austrian RKSV
// (tests/data/rksv/) run through `pos rksv run-scenario` - a real till, the
// register and the RKSV module - in a closed system with an 8-byte turnover
// counter and in an open system with a 5-byte counter; every export must pass
// `pos verify dep7`. Then tampered exports must fail it, naming the bad receipt.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "domain/fiscal/at/rksv_crypto.h"
#include "domain/fiscal/at/rksv_receipt.h"
#include "tests/test_support.h"

extern char** environ;

namespace pos {
namespace {

namespace fs = std::filesystem;
using namespace fiscal::at;
using testing::ScratchDir;

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `pos args...`; stdout and stderr go to files, so neither can block the child.
RunResult RunPos(const std::vector<std::string>& args) {
  static ScratchDir io_dir;
  static int counter = 0;
  const std::string stem = (io_dir.path() / std::to_string(++counter)).string();
  const std::string out_path = stem + ".out", err_path = stem + ".err";
  std::vector<std::string> storage{testing::BinaryDir() + "/tools/pos/pos"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  RunResult result;
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, storage[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return result;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  return os << "exit " << r.exit_code << "\n--- stdout ---\n" << r.out << "--- stderr ---\n" << r.err;
}

std::string Scenario(int n) {
  return std::string(POS_SOURCE_DIR) + "/tests/data/rksv/TESTSUITE_TEST_SZENARIO_" + std::to_string(n) + ".json";
}

struct Mode {
  bool open;
  int counter_bytes;
};

class RksvScenarioTest : public ::testing::TestWithParam<std::tuple<int, Mode>> {};

TEST_P(RksvScenarioTest, ExportPassesVerification) {
  const auto [n, mode] = GetParam();
  ScratchDir dir;
  const std::string out = dir.Sub("out");
  RunResult run = RunPos({"--quiet", "--json", "rksv", "run-scenario", Scenario(n), out, mode.open ? "--open" : "--closed",
                          "--counter-bytes", std::to_string(mode.counter_bytes)});
  ASSERT_EQ(run.exit_code, 0) << run;
  const nlohmann::json summary = nlohmann::json::parse(run.out);
  const nlohmann::json scenario = nlohmann::json::parse(ReadFile(Scenario(n)));
  const size_t instructions = scenario["cashBoxInstructionList"].size();
  EXPECT_EQ(summary["receipts"].get<size_t>(), instructions);  // one link per instruction, in order

  RunResult verify = RunPos({"--json", "verify", "dep7", out + "/dep-export.json",
                             out + "/cryptographicMaterialContainer.json"});
  ASSERT_EQ(verify.exit_code, 0) << verify;
  const nlohmann::json report = nlohmann::json::parse(verify.out);
  EXPECT_TRUE(report["ok"].get<bool>());
  EXPECT_EQ(report["receipts"].get<size_t>(), instructions);
  EXPECT_EQ(report["register_id"], scenario["cashBoxId"]);

  // The export is the scenario's: its receipt ids, its dates, its devices and system type.
  const nlohmann::json dep = nlohmann::json::parse(ReadFile(out + "/dep-export.json"));
  size_t i = 0;
  size_t damaged = 0;
  for (const auto& group : dep["Belege-Gruppe"]) {
    EXPECT_EQ(group["Signaturzertifikat"].get<std::string>().empty(), !mode.open);
    for (const auto& jws_text : group["Belege-kompakt"]) {
      const auto& instruction = scenario["cashBoxInstructionList"][i++];
      const CompactJws jws = *ParseCompactJws(jws_text.get<std::string>());
      const MachineCode code = *ParsePayload(jws.payload);
      EXPECT_EQ(code.receipt_id, instruction["receiptIdentifier"].get<std::string>());
      EXPECT_EQ(code.date_time, instruction["dateToUse"].get<std::string>());
      EXPECT_EQ(code.zda_id, mode.open ? "AT100" : "AT0");
      if (!mode.open) {
        EXPECT_EQ(code.key_id, "U:ATU12345678-K" + std::to_string(instruction["usedSignatureDevice"].get<int>() + 1));
      }
      const bool failed = jws.signature == kDeviceFailedText;
      EXPECT_EQ(failed, instruction["signatureDeviceDamaged"].get<bool>()) << code.receipt_id;
      damaged += failed ? 1 : 0;
      const std::string type = instruction["typeOfReceipt"];
      if (type == "STORNO_BELEG") {
        EXPECT_EQ(code.turnover, kStornoMarker);
      } else if (type == "TRAINING_BELEG") {
        EXPECT_EQ(code.turnover, kTrainingMarker);
      } else {
        EXPECT_EQ(Base64Decode(code.turnover, "counter")->size(), static_cast<size_t>(mode.counter_bytes));
      }
    }
  }
  EXPECT_EQ(i, instructions);
  EXPECT_EQ(report["failed_signatures"].get<size_t>(), damaged);
}

INSTANTIATE_TEST_SUITE_P(AllScenarios, RksvScenarioTest,
                         ::testing::Combine(::testing::Range(1, 9),
                                            ::testing::Values(Mode{false, 8}, Mode{true, 5})),
                         [](const auto& param_info) {
                           return "Scenario" + std::to_string(std::get<0>(param_info.param)) +
                                  (std::get<1>(param_info.param).open ? "Open5" : "Closed8");
                         });

// `pos verify dep7` on a tampered export of scenario 1: exit 3, the bad receipt named.
class RksvCliTamperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    RunResult run = RunPos({"--quiet", "rksv", "run-scenario", Scenario(1), dir_->Sub("out")});
    ASSERT_EQ(run.exit_code, 0) << run;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    dep_ = nlohmann::json::parse(ReadFile(dir_->Sub("out") + "/dep-export.json"));
    keys_ = nlohmann::json::parse(ReadFile(dir_->Sub("out") + "/cryptographicMaterialContainer.json"));
  }
  // The compact JWS of the receipt with global position `index` (from 0).
  std::string& Jws(size_t index) {
    for (auto& group : dep_["Belege-Gruppe"]) {
      auto& list = group["Belege-kompakt"];
      if (index < list.size()) return list[index].get_ref<std::string&>();
      index -= list.size();
    }
    throw std::out_of_range("no such receipt");
  }
  // The position of the first receipt that is signed and carries an encrypted counter, after `from`.
  size_t FirstStandard(size_t from) {
    for (size_t i = from;; ++i) {
      const CompactJws jws = *ParseCompactJws(Jws(i));
      const MachineCode code = *ParsePayload(jws.payload);
      if (jws.signature != kDeviceFailedText && code.turnover != kStornoMarker && code.turnover != kTrainingMarker &&
          code.amounts[0] != 0) {
        return i;
      }
    }
  }
  std::string Resign(const MachineCode& code) {
    const int device = code.key_id.back() - '1';
    auto key = PrivateKeyFromPem(ReadFile(dir_->Sub("out") + "/till/rksv/device-" + std::to_string(device) + ".key.pem"));
    const std::string input = std::string(kJwsHeader) + "." + Base64UrlEncode(code.Payload());
    return input + "." + Base64UrlEncode(*SignEs256(*key, input));
  }
  RunResult Verify() {
    const std::string dep = dir_->Sub("tampered-dep.json"), keys = dir_->Sub("tampered-keys.json");
    std::ofstream(dep) << dep_.dump();
    std::ofstream(keys) << keys_.dump();
    return RunPos({"verify", "dep7", dep, keys});
  }
  static ScratchDir* dir_;
  nlohmann::json dep_, keys_;
};
ScratchDir* RksvCliTamperTest::dir_ = nullptr;

TEST_F(RksvCliTamperTest, UntouchedPasses) { EXPECT_EQ(Verify().exit_code, 0) << Verify(); }

TEST_F(RksvCliTamperTest, AChangedAmount) {
  const size_t at = FirstStandard(1);
  MachineCode code = *ParsePayload(ParseCompactJws(Jws(at))->payload);
  code.amounts[0] += 1;
  const std::string jws = Jws(at);
  Jws(at) = jws.substr(0, jws.find('.') + 1) + Base64UrlEncode(code.Payload()) + jws.substr(jws.rfind('.'));
  RunResult r = Verify();
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find("receipt " + std::to_string(at + 1) + " (" + code.receipt_id), std::string::npos) << r;
}

TEST_F(RksvCliTamperTest, ABrokenChain) {
  const size_t at = FirstStandard(1);
  const MachineCode next = *ParsePayload(ParseCompactJws(Jws(at + 1))->payload);
  const std::string removed = Jws(at);
  bool erased = false;
  for (auto& group : dep_["Belege-Gruppe"]) {  // remove receipt `at`
    auto& list = group["Belege-kompakt"];
    for (auto it = list.begin(); it != list.end() && !erased; ++it) {
      if (it->get<std::string>() == removed) {
        list.erase(it);
        erased = true;
        break;
      }
    }
  }
  ASSERT_TRUE(erased);
  RunResult r = Verify();
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find("receipt " + std::to_string(at + 1) + " (" + next.receipt_id), std::string::npos) << r;
  EXPECT_NE(r.err.find("chaining value"), std::string::npos) << r;
}

TEST_F(RksvCliTamperTest, AWrongCounter) {
  const size_t at = FirstStandard(1);
  MachineCode code = *ParsePayload(ParseCompactJws(Jws(at))->payload);
  const std::string aes = *Base64Decode(keys_["base64AESKey"].get<std::string>(), "key");
  code.turnover = *EncryptTurnover(aes, TurnoverIv(code.register_id, code.receipt_id), 4242, 8);
  Jws(at) = Resign(code);
  RunResult r = Verify();
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find("receipt " + std::to_string(at + 1) + " (" + code.receipt_id), std::string::npos) << r;
  EXPECT_NE(r.err.find("turnover counter decrypts to 42,42"), std::string::npos) << r;
}

TEST_F(RksvCliTamperTest, AWrongKey) {
  const std::string first_key = ParsePayload(ParseCompactJws(Jws(0))->payload)->key_id;
  auto other = fiscal::GenerateP256Key();
  keys_["certificateOrPublicKeyMap"][first_key]["signatureCertificateOrPublicKey"] =
      Base64Encode(*fiscal::PublicKeyDer(*other));
  RunResult r = Verify();
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find("receipt 1 ("), std::string::npos) << r;
  EXPECT_NE(r.err.find("does not verify with key " + first_key), std::string::npos) << r;
}

TEST_F(RksvCliTamperTest, MalformedFilesAndArgumentsGetClearErrors) {
  std::ofstream(dir_->Sub("garbage.json")) << "{\"Belege-Gruppe\": 7}";
  RunResult r = RunPos({"verify", "dep7", dir_->Sub("garbage.json"), dir_->Sub("out") + "/cryptographicMaterialContainer.json"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("Belege-Gruppe"), std::string::npos) << r;
  r = RunPos({"verify", "dep7", dir_->Sub("absent.json"), dir_->Sub("absent.json")});
  EXPECT_EQ(r.exit_code, 1) << r;
  // run-scenario refuses a non-empty OUT and a bad counter size, writing nothing.
  r = RunPos({"rksv", "run-scenario", Scenario(1), dir_->Sub("out")});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("not an empty directory"), std::string::npos) << r;
  r = RunPos({"rksv", "run-scenario", Scenario(1), dir_->Sub("fresh"), "--counter-bytes", "4"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_FALSE(fs::exists(dir_->Sub("fresh")));
  r = RunPos({"rksv", "run-scenario", dir_->Sub("garbage.json"), dir_->Sub("fresh")});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("cashBoxId"), std::string::npos) << r;
  EXPECT_FALSE(fs::exists(dir_->Sub("fresh")));
  r = RunPos({"rksv", "run-scenario", Scenario(1), dir_->Sub("x"), "--open", "--closed"});
  EXPECT_EQ(r.exit_code, 2) << r;
}

}  // namespace
}  // namespace pos
