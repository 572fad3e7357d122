// End-to-end tests of the `pos` program: each test runs the built binary as a
// child process against a real store and checks its output, exit code and the
// events it writes (or does not write). The tamper and bad-store tests reach
// underneath the CLI into the RocksDB database, as an attacker or a disk would.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "domain/money.h"
#include "engine/bytes.h"
#include "engine/event_store.h"
#include "engine/store_layout.h"
#include "tests/raw_db.h"
#include "tests/test_support.h"

extern char** environ;

namespace pos {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using nlohmann::json;
using pos::testing::ScratchDir;

// ---------------------------------------------------------------------------
// Running the binary.

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  return os << "exit " << r.exit_code << "\n--- stdout ---\n" << r.out << "--- stderr ---\n" << r.err;
}

std::string PosBinary() { return pos::testing::BinaryDir() + "/tools/pos/pos"; }

std::string ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `pos args...` with `stdin_text` on standard input; stdout and stderr go to
// files in a scratch directory, so neither can block the child.
RunResult RunPos(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  static ScratchDir io_dir;
  static int counter = 0;
  const std::string stem = (io_dir.path() / std::to_string(++counter)).string();
  const std::string in_path = stem + ".in", out_path = stem + ".out", err_path = stem + ".err";
  std::ofstream(in_path, std::ios::binary) << stdin_text;

  std::string program = PosBinary();
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.push_back(program);
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  RunResult result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    result.err = "posix_spawn of " + program + " failed: " + std::to_string(spawned);
    return result;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      result.err = "waitpid failed";
      return result;
    }
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadWholeFile(out_path);
  result.err = ReadWholeFile(err_path);
  return result;
}

// `pos --data DIR args...`.
RunResult Pos(const std::string& data_dir, std::vector<std::string> args, const std::string& stdin_text = "") {
  args.insert(args.begin(), {"--data", data_dir});
  return RunPos(args, stdin_text);
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// `pos log --json [extra]`, every line parsed. Fails the test on a non-JSON line.
std::vector<json> LogEvents(const std::string& data_dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"log", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = Pos(data_dir, args);
  EXPECT_EQ(r.exit_code, 0) << r;
  std::vector<json> events;
  for (const std::string& line : SplitLines(r.out)) {
    json event = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(event.is_object()) << "not a JSON object: " << line;
    events.push_back(event);
  }
  return events;
}

json ParseJson(const RunResult& r) {
  json value = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(value.is_discarded()) << "stdout is not JSON:\n" << r;
  return value;
}

const json* FindBy(const json& array, const std::string& key, const std::string& value) {
  for (const json& item : array) {
    if (item.value(key, "") == value) return &item;
  }
  return nullptr;
}

bool DirectoryIsEmpty(const std::string& path) { return fs::is_directory(path) && fs::is_empty(path); }

// ---------------------------------------------------------------------------
// The store underneath, opened directly with every column family.

using RawStore = testing::RawDb;

// ---------------------------------------------------------------------------
// The fixture: one store with samples/catalog.json imported, prepared once;
// each test works on its own copy.

constexpr size_t kSampleArticles = 24;
constexpr size_t kSampleTaxRates = 3;
constexpr size_t kSampleUsers = 3;
// NodeInitialised + DeviceBound + the catalog.
constexpr size_t kImportedEvents = 2 + kSampleTaxRates + kSampleArticles + kSampleUsers;

class PosCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base_dir_ = new ScratchDir();
    base_store_ = base_dir_->Sub("base");
    init_ = new RunResult(Pos(base_store_, {"init", "--node-name", "till-1", "--currency", "EUR"}));
    import_ = new RunResult(Pos(base_store_, {"catalog", "import", std::string(POS_SOURCE_DIR) + "/samples/catalog.json"}));
  }
  static void TearDownTestSuite() {
    delete import_;
    delete init_;
    delete base_dir_;
    import_ = init_ = nullptr;
    base_dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(init_->exit_code, 0) << *init_;
    ASSERT_EQ(import_->exit_code, 0) << *import_;
  }

  // A private copy of the prepared store.
  std::string CopyOfBase(const std::string& name) {
    const std::string copy = scratch_.Sub(name);
    fs::copy(base_store_, copy, fs::copy_options::recursive);
    return copy;
  }

  static std::string NodeId(const std::string& data_dir) {
    RunResult r = Pos(data_dir, {"--json", "stats"});
    EXPECT_EQ(r.exit_code, 0) << r;
    return ParseJson(r).value("node_id", "");
  }

  static ScratchDir* base_dir_;
  static std::string base_store_;
  static RunResult* init_;
  static RunResult* import_;

  ScratchDir scratch_;
};

ScratchDir* PosCliTest::base_dir_ = nullptr;
std::string PosCliTest::base_store_;
RunResult* PosCliTest::init_ = nullptr;
RunResult* PosCliTest::import_ = nullptr;

// ---------------------------------------------------------------------------
// 1. init + catalog import, and every read-only view of the result.

TEST_F(PosCliTest, InitAndImportShowInListLogVerifyAndStats) {
  EXPECT_THAT(init_->out, HasSubstr("created till 'till-1'"));
  EXPECT_THAT(init_->out, HasSubstr("node id "));
  EXPECT_THAT(import_->out, HasSubstr("imported 3 tax rates, 24 articles, 3 users"));
  const std::string store = CopyOfBase("store");

  // article list --json: the 24 sample articles.
  RunResult list = Pos(store, {"--json", "article", "list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  json articles = ParseJson(list);
  ASSERT_TRUE(articles.is_array());
  EXPECT_EQ(articles.size(), kSampleArticles);
  const json* espresso = FindBy(articles, "code", "1001");
  ASSERT_NE(espresso, nullptr);
  EXPECT_EQ(espresso->value("name", ""), "Espresso");
  EXPECT_EQ(espresso->value("price", ""), "2.40");
  EXPECT_EQ(espresso->value("tax_rate", ""), "B");
  EXPECT_EQ((*espresso)["barcodes"], json::array({"4006381333900"}));

  // log --json: one object per line, dense local sequence from 1, the right types.
  std::vector<json> events = LogEvents(store);
  ASSERT_EQ(events.size(), kImportedEvents);
  std::map<std::string, size_t> by_type;
  std::string previous_hash(64, '0');
  for (size_t i = 0; i < events.size(); ++i) {
    const json& e = events[i];
    ASSERT_TRUE(e["seq"].is_number_unsigned()) << e;
    EXPECT_EQ(e["seq"].get<uint64_t>(), i + 1);
    EXPECT_EQ(e["origin_seq"].get<uint64_t>(), i + 1);  // one origin: the node itself
    EXPECT_EQ(e.value("prev_hash", ""), previous_hash) << "chain broken at seq " << i + 1;
    previous_hash = e.value("hash", "");
    EXPECT_EQ(previous_hash.size(), 64u);
    ++by_type[e.value("type", "")];
  }
  EXPECT_EQ(events[0].value("type", ""), "NodeInitialised");
  EXPECT_EQ(events[0]["payload"].value("node_name", ""), "till-1");
  EXPECT_EQ(events[1].value("type", ""), "DeviceBound");
  EXPECT_EQ(by_type, (std::map<std::string, size_t>{{"NodeInitialised", 1},
                                                     {"DeviceBound", 1},
                                                     {"TaxRateCreated", kSampleTaxRates},
                                                     {"ArticleCreated", kSampleArticles},
                                                     {"UserCreated", kSampleUsers}}));
  // A user's PIN is stored only as a salted hash.
  for (const json& e : events) {
    if (e.value("type", "") != "UserCreated") continue;
    EXPECT_EQ(e["payload"]["user"].value("pin_hash", "").rfind("pbkdf2-sha256$", 0), 0u) << e;
  }

  // log --stream: exactly that stream, in text and JSON.
  std::vector<json> stream = LogEvents(store, {"--stream", "article/1001"});
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(stream[0].value("stream", ""), "article/1001");
  EXPECT_EQ(stream[0].value("type", ""), "ArticleCreated");
  EXPECT_EQ(stream[0]["payload"]["article"].value("name", ""), "Espresso");
  RunResult text = Pos(store, {"log", "--stream", "article/1001"});
  ASSERT_EQ(text.exit_code, 0) << text;
  std::vector<std::string> lines = SplitLines(text.out);
  ASSERT_EQ(lines.size(), 1u) << text;
  EXPECT_THAT(lines[0], HasSubstr("article/1001@1"));
  EXPECT_THAT(lines[0], HasSubstr("ArticleCreated"));
  EXPECT_THAT(lines[0], HasSubstr("Espresso"));

  // verify: intact.
  RunResult verify = Pos(store, {"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify;
  EXPECT_THAT(verify.out, HasSubstr("ok: " + std::to_string(kImportedEvents) + " events"));

  // stats --json: the same number of events as log lines.
  RunResult stats = Pos(store, {"--json", "stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats;
  json s = ParseJson(stats);
  EXPECT_EQ(s["events"].get<uint64_t>(), events.size());
  EXPECT_EQ(s["last_sequence"].get<uint64_t>(), events.size());
  EXPECT_EQ(s.value("node_name", ""), "till-1");
  EXPECT_EQ(s.value("node_id", ""), events[0].value("origin", ""));
  EXPECT_EQ(s["by_type"]["ArticleCreated"].get<uint64_t>(), kSampleArticles);
}

// ---------------------------------------------------------------------------
// 2. Master data commands: changes reach the lists and the log; bad input is
// refused by name and writes nothing.

TEST_F(PosCliTest, MasterDataCommandsChangeListsAndLog) {
  const std::string store = CopyOfBase("store");

  RunResult r = Pos(store, {"taxrate", "add", "--code", "D", "--name", "Sondersatz", "--rate", "10.5"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Pos(store, {"taxrate", "change", "--code", "D", "--rate", "12"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Pos(store, {"article", "add", "--code", "9001", "--name", "Lemonade", "--price", "2.10", "--tax-rate", "D",
                  "--group", "drinks", "--barcode", "4006381339999"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("added article 9001"));
  r = Pos(store, {"article", "change", "--code", "9001", "--price", "2.30", "--name", "Lemonade 0.4 l"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Pos(store, {"article", "retire", "--code", "1002"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Pos(store, {"user", "add", "--id", "bob", "--name", "Bob Baker", "--role", "supervisor", "--pin-stdin"},
          "4711\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("added supervisor bob"));

  // The lists.
  RunResult taxrates = Pos(store, {"--json", "taxrate", "list"});
  ASSERT_EQ(taxrates.exit_code, 0) << taxrates;
  json rates = ParseJson(taxrates);
  EXPECT_EQ(rates.size(), kSampleTaxRates + 1);
  const json* d = FindBy(rates, "code", "D");
  ASSERT_NE(d, nullptr) << rates;
  EXPECT_EQ(d->value("name", ""), "Sondersatz");
  EXPECT_EQ(d->value("rate", ""), "12.00");

  RunResult list = Pos(store, {"--json", "article", "list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  json articles = ParseJson(list);
  EXPECT_EQ(articles.size(), kSampleArticles);  // one added, one retired
  EXPECT_EQ(FindBy(articles, "code", "1002"), nullptr) << "retired article still listed";
  const json* lemonade = FindBy(articles, "code", "9001");
  ASSERT_NE(lemonade, nullptr) << articles;
  EXPECT_EQ(lemonade->value("name", ""), "Lemonade 0.4 l");
  EXPECT_EQ(lemonade->value("price", ""), "2.30");
  EXPECT_EQ(lemonade->value("tax_rate", ""), "D");
  EXPECT_EQ(lemonade->value("group", ""), "drinks");  // untouched by the change
  EXPECT_EQ((*lemonade)["barcodes"], json::array({"4006381339999"}));

  RunResult table = Pos(store, {"article", "list"});
  ASSERT_EQ(table.exit_code, 0) << table;
  EXPECT_THAT(table.out, HasSubstr("Lemonade 0.4 l"));
  EXPECT_THAT(table.out, HasSubstr("24 entries"));
  EXPECT_EQ(table.out.find("Cappuccino"), std::string::npos) << table;

  RunResult users = Pos(store, {"user", "list"});
  ASSERT_EQ(users.exit_code, 0) << users;
  EXPECT_THAT(users.out, HasSubstr("bob"));
  EXPECT_THAT(users.out, HasSubstr("Bob Baker"));
  EXPECT_THAT(users.out, HasSubstr("supervisor"));
  EXPECT_THAT(users.out, HasSubstr("4 entries"));
  EXPECT_EQ(users.out.find("4711"), std::string::npos) << "the PIN is shown";

  // The log: exactly the six new events, in order, on the right streams.
  std::vector<json> events = LogEvents(store, {"--from", std::to_string(kImportedEvents + 1)});
  ASSERT_EQ(events.size(), 6u);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"TaxRateCreated", "taxrate/D"},  {"TaxRateChanged", "taxrate/D"},  {"ArticleCreated", "article/9001"},
      {"ArticleChanged", "article/9001"}, {"ArticleRetired", "article/1002"}, {"UserCreated", "user/bob"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(events[i]["seq"].get<uint64_t>(), kImportedEvents + 1 + i);
    EXPECT_EQ(events[i].value("type", ""), expected[i].first) << events[i];
    EXPECT_EQ(events[i].value("stream", ""), expected[i].second) << events[i];
  }
  EXPECT_EQ(events[1]["payload"]["tax_rate"]["rate_basis_points"].get<int64_t>(), 1200);
  EXPECT_EQ(events[3]["payload"]["article"]["gross_price"].get<int64_t>(), 230);
  EXPECT_EQ(events[3]["stream_version"].get<uint64_t>(), 2u);
  EXPECT_EQ(events[5].dump().find("4711"), std::string::npos) << "the PIN is in the log";
  const size_t events_before = kImportedEvents + 6;

  // Refusals: each names the problem and writes nothing.
  struct Refusal {
    std::vector<std::string> args;
    std::string stdin_text;
    std::string message;
  };
  const std::vector<Refusal> refusals{
      {{"article", "add", "--code", "9002", "--name", "Ghost", "--price", "1.00", "--tax-rate", "Z"}, "", "'Z'"},
      {{"article", "add", "--code", "1001", "--name", "Espresso again", "--price", "1.00", "--tax-rate", "A"},
       "",
       "exists already"},
      {{"article", "add", "--code", "9003", "--name", "Odd", "--price", "1.234", "--tax-rate", "A"}, "", "--price"},
      {{"article", "change", "--code", "9001", "--price", "1.234"}, "", "--price"},
      {{"article", "change", "--code", "7777", "--name", "Nobody"}, "", "7777"},
      {{"taxrate", "add", "--code", "E", "--name", "Bad", "--rate", "abc"}, "", "--rate"},
      {{"user", "add", "--id", "carl", "--name", "Carl", "--pin-stdin"}, "12\n", "PIN"},
      {{"user", "add", "--id", "carl", "--name", "Carl", "--pin-stdin"}, "", "PIN"},
      {{"user", "add", "--id", "carl", "--name", "Carl"}, "4711\n", "PIN"},  // no terminal, no --pin-stdin
  };
  for (const Refusal& refusal : refusals) {
    SCOPED_TRACE(::testing::PrintToString(refusal.args));
    RunResult refused = Pos(store, refusal.args, refusal.stdin_text);
    EXPECT_EQ(refused.exit_code, 1) << refused;
    EXPECT_THAT(refused.err, HasSubstr("pos: error: ")) << refused;
    EXPECT_THAT(refused.err, HasSubstr(refusal.message)) << refused;
  }
  RunResult unknown_rate = Pos(store, refusals[0].args);
  EXPECT_THAT(unknown_rate.err, HasSubstr("tax rate")) << unknown_rate;
  EXPECT_EQ(LogEvents(store).size(), events_before) << "a refused command wrote an event";

  // With --json a refusal is a JSON error object on stdout.
  RunResult json_refusal = Pos(store, {"--json", "article", "add", "--code", "1001", "--name", "X", "--price", "1.00",
                                       "--tax-rate", "A"});
  EXPECT_EQ(json_refusal.exit_code, 1) << json_refusal;
  json error = ParseJson(json_refusal);
  EXPECT_THAT(error.value("error", ""), HasSubstr("1001"));
}

// ---------------------------------------------------------------------------
// 3. Tamper detection: damage made underneath the CLI is named by origin and seq.

TEST_F(PosCliTest, VerifyNamesAFlippedByte) {
  const std::string store = CopyOfBase("store");
  const std::string node_id = NodeId(store);
  ASSERT_EQ(node_id.size(), 32u);
  {
    RawStore raw(store);
    ASSERT_TRUE(raw.ok());
    std::string value = raw.Get(layout::kLogFamily, layout::LogKey(10));
    ASSERT_GT(value.size(), 20u);
    value[value.size() / 2] = static_cast<char>(value[value.size() / 2] ^ 0x01);
    raw.Put(layout::kLogFamily, layout::LogKey(10), value);
  }

  RunResult verify = Pos(store, {"verify"});
  EXPECT_EQ(verify.exit_code, 3) << verify;
  EXPECT_THAT(verify.out, HasSubstr("FAILED"));
  EXPECT_THAT(verify.out, HasSubstr(node_id)) << verify;
  EXPECT_THAT(verify.out, HasSubstr("seq 10")) << verify;

  RunResult as_json = Pos(store, {"--json", "verify"});
  EXPECT_EQ(as_json.exit_code, 3) << as_json;
  json report = ParseJson(as_json);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["bad_origin_seq"].get<uint64_t>(), 10u);
  EXPECT_EQ(report.value("bad_origin", ""), node_id);
  EXPECT_EQ(report["events_checked"].get<uint64_t>(), 9u);
  EXPECT_FALSE(report.value("problem", "").empty());
}

TEST_F(PosCliTest, VerifyNamesADeletedEvent) {
  const std::string store = CopyOfBase("store");
  {
    RawStore raw(store);
    ASSERT_TRUE(raw.ok());
    raw.Delete(layout::kLogFamily, layout::LogKey(7));
  }
  // The log alone does not say whose event is missing; the by_origin index
  // does, so the hole is named by origin and seq as well as local sequence.
  RunResult verify = Pos(store, {"verify"});
  EXPECT_EQ(verify.exit_code, 3) << verify;
  EXPECT_THAT(verify.out, HasSubstr("FAILED"));
  EXPECT_THAT(verify.out, HasSubstr(" seq 7 ")) << verify;
  EXPECT_THAT(verify.out, HasSubstr("local sequence 7")) << verify;
  EXPECT_THAT(verify.out, HasSubstr("missing")) << verify;
  EXPECT_THAT(verify.out, HasSubstr("6 events before it verified")) << verify;

  RunResult as_json = Pos(store, {"--json", "verify"});
  EXPECT_EQ(as_json.exit_code, 3) << as_json;
  json report = ParseJson(as_json);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["bad_local_seq"].get<uint64_t>(), 7u);
  EXPECT_EQ(report["bad_origin_seq"].get<uint64_t>(), 7u);
  EXPECT_EQ(report["events_checked"].get<uint64_t>(), 6u);
  EXPECT_THAT(report.value("problem", ""), HasSubstr("missing"));

  // `pos log` still prints the rest, around the hole.
  std::vector<json> events = LogEvents(store);
  ASSERT_EQ(events.size(), kImportedEvents - 1);
  EXPECT_EQ(events[5]["seq"].get<uint64_t>(), 6u);
  EXPECT_EQ(events[6]["seq"].get<uint64_t>(), 8u);
}

// ---------------------------------------------------------------------------
// 4. Bad data directories and bad command lines.

TEST_F(PosCliTest, AnEmptyDirectoryIsNotAStoreAndStaysEmpty) {
  const std::string empty = scratch_.Sub("empty");
  fs::create_directory(empty);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"article", "list"}, {"log"}, {"verify"}, {"stats"},
        {"article", "add", "--code", "1", "--name", "X", "--price", "1.00", "--tax-rate", "A"}}) {
    RunResult r = Pos(empty, args);
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_THAT(r.err, HasSubstr("not a POS store")) << r;
    EXPECT_TRUE(DirectoryIsEmpty(empty)) << "pos " << args[0] << " wrote into " << empty;
  }
}

TEST_F(PosCliTest, AMissingDirectoryPointsAtInitAndIsNotCreated) {
  const std::string missing = scratch_.Sub("missing");
  RunResult r = Pos(missing, {"article", "list"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("no store at"));
  EXPECT_THAT(r.err, HasSubstr("pos init")) << r;
  EXPECT_FALSE(fs::exists(missing));

  // --json turns the error into an object on stdout.
  RunResult j = Pos(missing, {"--json", "verify"});
  EXPECT_EQ(j.exit_code, 1) << j;
  EXPECT_THAT(ParseJson(j).value("error", ""), HasSubstr("pos init"));
  EXPECT_FALSE(fs::exists(missing));
}

TEST_F(PosCliTest, InitOnAnUnidentifiableMachineLeavesNoStoreBehind) {
  const std::string absent = scratch_.Sub("till-absent");
  const std::string empty = scratch_.Sub("till-empty");
  fs::create_directory(empty);
  ASSERT_EQ(setenv("POS_MACHINE_ID_FILE", scratch_.Sub("no-such-machine-id").c_str(), 1), 0);
  RunResult in_absent = Pos(absent, {"init", "--node-name", "till-1"});
  RunResult in_empty = Pos(empty, {"init", "--node-name", "till-1"});
  unsetenv("POS_MACHINE_ID_FILE");
  for (const RunResult* r : {&in_absent, &in_empty}) {
    EXPECT_EQ(r->exit_code, 1) << *r;
    EXPECT_THAT(r->err, HasSubstr("POS_MACHINE_ID_FILE")) << *r;
    EXPECT_THAT(r->err, HasSubstr("nothing was created")) << *r;
  }
  EXPECT_FALSE(fs::exists(absent));
  EXPECT_TRUE(DirectoryIsEmpty(empty));
  // With the machine identifiable again, the same directories take a store.
  EXPECT_EQ(Pos(absent, {"init", "--node-name", "till-1"}).exit_code, 0);
  EXPECT_EQ(Pos(empty, {"init", "--node-name", "till-1"}).exit_code, 0);
}

TEST_F(PosCliTest, ANewerSchemaIsRefused) {
  const std::string store = CopyOfBase("store");
  {
    RawStore raw(store);
    ASSERT_TRUE(raw.ok());
    std::string version;
    AppendBigEndian32(version, layout::kSchemaVersion + 1);
    raw.Put(layout::kMetaFamily, std::string(layout::kMetaSchemaVersion), version);
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"article", "list"}, {"verify"}, {"log"}}) {
    RunResult r = Pos(store, args);
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_THAT(r.err, HasSubstr("newer")) << r;
    EXPECT_THAT(r.err, HasSubstr("schema version " + std::to_string(layout::kSchemaVersion + 1))) << r;
  }
}

TEST_F(PosCliTest, AStoreInUseByAnotherProcessIsRefused) {
  const std::string store = CopyOfBase("store");
  auto held = EventStore::Open(store);
  ASSERT_TRUE(held.ok()) << held.status().message();
  const uint64_t last = (*held)->LastSequence();

  RunResult list = Pos(store, {"article", "list"});
  EXPECT_EQ(list.exit_code, 1) << list;
  EXPECT_THAT(list.err, HasSubstr("another process")) << list;
  RunResult add = Pos(store, {"article", "add", "--code", "9001", "--name", "X", "--price", "1.00", "--tax-rate", "A"});
  EXPECT_EQ(add.exit_code, 1) << add;
  EXPECT_THAT(add.err, HasSubstr("another process")) << add;
  EXPECT_EQ((*held)->LastSequence(), last);

  held->reset();  // released: the CLI works again
  RunResult again = Pos(store, {"article", "list"});
  EXPECT_EQ(again.exit_code, 0) << again;
}

TEST_F(PosCliTest, MalformedCommandLinesExitWithUsageErrors) {
  const std::string store = CopyOfBase("store");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"article", "add", "--code", "X"}, "--name"},  // the first missing required option
      {{"frobnicate"}, "'frobnicate' is not a command; the commands are init, "},
      {{}, "no command given"},
      {{"log", "--from", "abc"}, "--from"},
      {{"log", "--from", "0"}, "--from"},
      {{"log", "--limit", "-1x"}, "--limit"},
      {{"article"}, "subcommand"},
      {{"user", "add", "--id", "x", "--name", "X", "--role", "boss", "--pin-stdin"}, "--role"},
      {{"init"}, "--node-name"},
      {{"article", "list", "--no-such-option"}, "--no-such-option"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    RunResult r = Pos(store, c.args, "4711\n");
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_THAT(r.err, HasSubstr("pos: error: ")) << r;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << r;
    EXPECT_THAT(r.err, HasSubstr("--help")) << r;
    EXPECT_TRUE(r.out.empty()) << r;
  }
  EXPECT_EQ(LogEvents(store).size(), kImportedEvents) << "a malformed command wrote an event";
}

TEST_F(PosCliTest, InitRefusesAnExistingStoreAndBadNames) {
  const std::string store = CopyOfBase("store");
  RunResult again = Pos(store, {"init", "--node-name", "till-2"});
  EXPECT_EQ(again.exit_code, 1) << again;
  EXPECT_THAT(again.err, HasSubstr("exists already")) << again;
  RunResult stats = Pos(store, {"--json", "stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats;
  EXPECT_EQ(ParseJson(stats).value("node_name", ""), "till-1");  // untouched
  EXPECT_EQ(LogEvents(store).size(), kImportedEvents);

  // A non-empty directory that is not a store is not taken over either.
  const std::string occupied = scratch_.Sub("occupied");
  fs::create_directory(occupied);
  std::ofstream(occupied + "/notes.txt") << "mine";
  RunResult taken = Pos(occupied, {"init", "--node-name", "till-3"});
  EXPECT_EQ(taken.exit_code, 1) << taken;
  EXPECT_THAT(taken.err, HasSubstr("not empty")) << taken;
  EXPECT_EQ(std::distance(fs::directory_iterator(occupied), fs::directory_iterator()), 1);

  // A bad node name or currency leaves nothing behind.
  const std::string fresh = scratch_.Sub("fresh");
  RunResult bad_name = Pos(fresh, {"init", "--node-name", "till 1"});
  EXPECT_EQ(bad_name.exit_code, 1) << bad_name;
  EXPECT_THAT(bad_name.err, HasSubstr("node name")) << bad_name;
  EXPECT_FALSE(fs::exists(fresh) && !fs::is_empty(fresh)) << "a failed init left files behind";
  RunResult bad_currency = Pos(fresh, {"init", "--node-name", "till-4", "--currency", "euro"});
  EXPECT_EQ(bad_currency.exit_code, 1) << bad_currency;
  EXPECT_THAT(bad_currency.err, HasSubstr("currency")) << bad_currency;
  EXPECT_FALSE(fs::exists(fresh) && !fs::is_empty(fresh)) << "a failed init left files behind";
}

// The subcommands listed under "Subcommands:" in a help text.
std::vector<std::string> SubcommandsInHelp(const std::string& help) {
  std::vector<std::string> names;
  bool in_section = false;
  for (const std::string& line : SplitLines(help)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_section = true;
      continue;
    }
    if (!in_section) continue;
    if (line.size() < 3 || line[0] != ' ' || line[1] != ' ' || line[2] == ' ') {
      if (line[0] != ' ') break;  // the section ended
      continue;                   // a wrapped description
    }
    names.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  return names;
}

TEST_F(PosCliTest, EverySubcommandAcceptsHelp) {
  RunResult top = RunPos({"--help"});
  ASSERT_EQ(top.exit_code, 0) << top;
  EXPECT_THAT(top.out, HasSubstr("Exit codes: 0 ok"));
  std::vector<std::string> top_level = SubcommandsInHelp(top.out);
  for (const char* expected : {"init", "taxrate", "article", "user", "catalog", "log", "verify", "replay", "stats"}) {
    EXPECT_NE(std::find(top_level.begin(), top_level.end(), expected), top_level.end()) << expected << "\n" << top;
  }

  // Walk the whole tree: every command and subcommand prints its usage and exits 0,
  // without a store (and so without touching ./pos-data).
  std::vector<std::vector<std::string>> pending;
  for (const std::string& name : top_level) pending.push_back({name});
  size_t visited = 0;
  while (!pending.empty()) {
    std::vector<std::string> path = pending.back();
    pending.pop_back();
    std::vector<std::string> args = path;
    args.push_back("--help");
    RunResult r = Pos(scratch_.Sub("no-store"), args);
    std::string joined;
    for (const std::string& part : path) joined += " " + part;
    EXPECT_EQ(r.exit_code, 0) << "pos" << joined << " --help\n" << r;
    EXPECT_THAT(r.out, HasSubstr("Usage: pos" + joined)) << r;
    ++visited;
    for (const std::string& child : SubcommandsInHelp(r.out)) {
      std::vector<std::string> next = path;
      next.push_back(child);
      pending.push_back(next);
    }
  }
  EXPECT_GE(visited, 20u);
  EXPECT_FALSE(fs::exists(scratch_.Sub("no-store")));
  // -h too.
  RunResult short_help = RunPos({"article", "add", "-h"});
  EXPECT_EQ(short_help.exit_code, 0) << short_help;
  EXPECT_THAT(short_help.out, HasSubstr("--tax-rate"));
}

// ---------------------------------------------------------------------------
// 5. replay.

TEST_F(PosCliTest, ReplayRebuildsTheSameProjections) {
  const std::string store = CopyOfBase("store");
  RunResult before = Pos(store, {"--json", "article", "list"});
  ASSERT_EQ(before.exit_code, 0) << before;
  RunResult stats_before = Pos(store, {"--json", "stats"});
  ASSERT_EQ(stats_before.exit_code, 0) << stats_before;
  const json s = ParseJson(stats_before);

  RunResult replay = Pos(store, {"--json", "replay"});
  ASSERT_EQ(replay.exit_code, 0) << replay;
  json report = ParseJson(replay);
  EXPECT_EQ(report["events"].get<uint64_t>(), s["last_sequence"].get<uint64_t>());
  EXPECT_EQ(report["events"].get<uint64_t>(), kImportedEvents);
  std::set<std::string> rebuilt, known;
  for (const json& name : report["projections"]) rebuilt.insert(name.get<std::string>());
  for (const json& p : s["projections"]) known.insert(p.value("name", ""));
  EXPECT_EQ(rebuilt, known);
  EXPECT_TRUE(rebuilt.count("catalog"));

  RunResult after = Pos(store, {"--json", "article", "list"});
  ASSERT_EQ(after.exit_code, 0) << after;
  EXPECT_EQ(after.out, before.out);

  // One projection only.
  RunResult one = Pos(store, {"--json", "replay", "--projection", "catalog"});
  ASSERT_EQ(one.exit_code, 0) << one;
  EXPECT_EQ(ParseJson(one)["projections"], json::array({"catalog"}));
  RunResult after_one = Pos(store, {"--json", "article", "list"});
  EXPECT_EQ(after_one.out, before.out);

  // The log itself is untouched by replays.
  EXPECT_EQ(LogEvents(store).size(), kImportedEvents);
}

TEST_F(PosCliTest, ReplayOfAnUnknownProjectionNamesTheKnownOnes) {
  const std::string store = CopyOfBase("store");
  RunResult r = Pos(store, {"replay", "--projection", "nope"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("nope")) << r;
  EXPECT_THAT(r.err, HasSubstr("known:")) << r;
  EXPECT_THAT(r.err, HasSubstr("catalog")) << r;
  EXPECT_THAT(r.err, HasSubstr("journal_stats")) << r;
  RunResult list = Pos(store, {"--json", "article", "list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  EXPECT_EQ(ParseJson(list).size(), kSampleArticles);
}

// `pos report` reads the till's projections; their figures must agree with each
// other and with the Z report of a simulated day.
TEST(PosReportTest, JournalZMonthAndArticleReportsAgree) {
  ScratchDir dir;
  const std::string site = dir.Sub("site");
  RunResult demo = RunPos({"--quiet", "demo", "--root", site, "--tills", "1", "--receipts", "40", "--articles", "30"});
  ASSERT_EQ(demo.exit_code, 0) << demo;
  const std::string till = site + "/till-1";

  RunResult z = Pos(till, {"--json", "report", "z"});
  ASSERT_EQ(z.exit_code, 0) << z;
  const json reports = ParseJson(z);
  ASSERT_EQ(reports.size(), 1u);
  const json& day = reports[0];
  EXPECT_EQ(day["z_number"].get<uint64_t>(), 1u);

  RunResult journal = Pos(till, {"--json", "report", "journal"});
  ASSERT_EQ(journal.exit_code, 0) << journal;
  const json receipts = ParseJson(journal);
  EXPECT_EQ(receipts.size(), day["receipts"].get<uint64_t>());
  int64_t journal_total = 0;
  for (const json& r : receipts) journal_total += *ParseMoney(r["total"].get<std::string>());
  EXPECT_EQ(journal_total, *ParseMoney(day["total"].get<std::string>()));

  RunResult one = Pos(till, {"--json", "report", "journal", "--number", "2"});
  ASSERT_EQ(one.exit_code, 0) << one;
  EXPECT_EQ(ParseJson(one)[0]["number"].get<uint64_t>(), 2u);
  RunResult missing = Pos(till, {"report", "journal", "--number", "999"});
  EXPECT_EQ(missing.exit_code, 1) << missing;
  EXPECT_THAT(missing.err, HasSubstr("no closed receipt number 999"));

  const std::string month = receipts[0]["closed"].get<std::string>().substr(0, 7);
  RunResult totals = Pos(till, {"--json", "report", "month", month});
  ASSERT_EQ(totals.exit_code, 0) << totals;
  EXPECT_EQ(ParseJson(totals)["total"], day["total"]);
  EXPECT_EQ(ParseJson(totals)["receipts"].get<uint64_t>(), day["receipts"].get<uint64_t>());

  RunResult articles = Pos(till, {"--json", "report", "articles", "--top", "1000"});
  ASSERT_EQ(articles.exit_code, 0) << articles;
  int64_t revenue = 0;
  for (const json& a : ParseJson(articles)) revenue += *ParseMoney(a["revenue"].get<std::string>());
  EXPECT_EQ(revenue, *ParseMoney(day["total"].get<std::string>()));

  RunResult bad_month = Pos(till, {"report", "month", "2026-13"});
  EXPECT_EQ(bad_month.exit_code, 1) << bad_month;
}

}  // namespace
}  // namespace pos
