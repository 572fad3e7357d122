// pos_bench in its quick mode with tiny sizes: it runs every figure end to end
// (a real `pos serve` daemon, real RocksDB and SQLite peers, a real `pos hub serve`
// with simulated tills, child processes for replay and start-up) and its --json output parses with every figure present.
// No timing assertions: speed is measured by the harness, never tested.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace {

class ScratchDir {
 public:
  ScratchDir() {
    char pattern[] = "/tmp/pos-bench-smoke-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct BenchRun {
  int exit_code = -1;
  std::string out;
};

BenchRun Bench(const std::string& args) {
  BenchRun run;
  const std::string command = std::string(POS_BENCH_BINARY) + " " + args;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(BenchSmokeTest, QuickRunWithTinySizesPrintsEveryFigureAsJson) {
  ScratchDir work;
  BenchRun run = Bench("--quick --json --events 3000 --receipts 6 --front-ends 1,2 --rounds 1 --articles 20 "
                       "--tills 3 --till-events 300 --lag-seconds 1 --lag-rate 20 --work '" +
                       work.path() + "'");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto report = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << run.out;
  EXPECT_TRUE(report["preliminary"].get<bool>());
  ASSERT_TRUE(report["figures"].is_array());

  std::set<std::string> names;
  std::set<char> sections;
  for (const auto& figure : report["figures"]) {
    names.insert(figure["name"].get<std::string>());
    sections.insert(figure["section"].get<std::string>()[0]);
    const bool lag = figure["name"].get<std::string>().rfind("till durable append", 0) == 0;
    if (!lag) {
      EXPECT_GT(figure["value"].get<double>(), 0) << figure.dump();
    } else {
      EXPECT_GE(figure["value"].get<double>(), 0) << figure.dump();  // a lag may be 0 ms
    }
    EXPECT_EQ(figure["rounds"].size(), 1u) << figure.dump();
  }
  EXPECT_EQ(sections, (std::set<char>{'1', '2', '3', '4'}));
  for (const char* expected : {"register (pos serve: CAF actor + TSE)", "raw RocksDB, sync puts (limit)",
                               "SQLite WAL, synchronous=FULL", "ProjectionRunner::Rebuild",
                               "process start to first accepted sale",
                               "pos hub serve, a TillSyncClient session per till",
                               "raw RocksDB, same batches, synced, a thread per till (limit)",
                               "till durable append -> hub durable Ack, p99", "catch-up rate"}) {
    EXPECT_TRUE(names.count(expected)) << expected << " missing in " << run.out;
  }
  // Two front-end counts -> the receipts section appears twice, with ratios.
  size_t register_rows = 0;
  for (const auto& figure : report["figures"]) {
    if (figure["name"] == "register (pos serve: CAF actor + TSE)") {
      ++register_rows;
      EXPECT_TRUE(figure["ratio"].is_number()) << figure.dump();
      EXPECT_TRUE(figure["met"].is_boolean()) << figure.dump();
    }
  }
  EXPECT_EQ(register_rows, 2u);
  EXPECT_TRUE(report["pending"].empty()) << report["pending"].dump();
  // The prepared till is cached: a second run reuses it (and says so on stderr).
  BenchRun again = Bench("--quick --json --figures replay --events 3000 --rounds 1 --articles 20 --work '" + work.path() +
                    "' 2>&1 >/dev/null");
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("reusing"), std::string::npos) << again.out;
}

TEST(BenchSmokeTest, UnknownFigureIsRefusedByName) {
  BenchRun run = Bench("--figures receipts,sparkles 2>&1");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.out.find("unknown figure 'sparkles'"), std::string::npos) << run.out;
}

}  // namespace
