// The daemon's backups without the daemon (actors/daemon_backups.h) and the node
// configuration file (adapters/node_config.h): the daily schedule by an injected
// clock on a real store, retention, and every config error naming its key.
// The daemon itself (pos serve) is tested end to end in tests/backup_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "actors/daemon_backups.h"
#include "adapters/node_config.h"
#include "engine/backup.h"
#include "engine/event_store.h"
#include "events/event_view.h"
#include "events/master_data.h"
#include "tests/test_support.h"

namespace pos {
namespace {

namespace fs = std::filesystem;
using pos::testing::ScratchDir;

constexpr int64_t kSecond = 1000000;

// 2026-03-10 00:00:00 UTC in microseconds.
constexpr int64_t kMidnight = int64_t{1773100800} * kSecond;

class UtcTimeZone {
 public:
  UtcTimeZone() {
    const char* old = std::getenv("TZ");
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  ~UtcTimeZone() {
    if (had_) {
      setenv("TZ", old_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  bool had_ = false;
  std::string old_;
};

TEST(NextDailyRunTest, LaterTodayOrTomorrow) {
  UtcTimeZone utc;
  const int at_0230 = 2 * 3600 + 30 * 60;
  EXPECT_EQ(NextDailyRun(kMidnight, at_0230), kMidnight + at_0230 * kSecond);
  EXPECT_EQ(NextDailyRun(kMidnight + at_0230 * kSecond, at_0230), kMidnight + at_0230 * kSecond) << "now is due";
  EXPECT_EQ(NextDailyRun(kMidnight + (at_0230 + 1) * kSecond, at_0230), kMidnight + (86400 + at_0230) * kSecond);
  EXPECT_EQ(NextDailyRun(kMidnight + 23 * 3600 * kSecond, 0), kMidnight + 86400 * kSecond);
}

std::unique_ptr<EventStore> MakeStore(const std::string& path) {
  CreateStoreOptions create;
  create.node_name = "till-1";
  auto store = EventStore::Create(path, create);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

void AppendArticle(EventStore& store, int i) {
  Article article;
  article.code = "A" + std::to_string(i);
  article.name = "Article " + std::to_string(i);
  article.gross_price = 100 + i;
  article.tax_rate = "STD";
  AppendBatch batch;
  batch.stream = "article/" + article.code;
  batch.expected_version = kNoStream;
  batch.events.push_back({EventType::kArticleCreated, EncodeArticle(article, false)});
  ASSERT_TRUE(store.Append(std::move(batch)).ok());
}

// The schedule runs by the injected clock: nothing before the time of day, one
// backup when the clock reaches it, the next only a day later; retention keeps
// the newest `keep` and deletes the rest with their manifests and files.
TEST(BackupSchedulerTest, RunsAtTheTimeOfDayByTheClockAndKeepsTheNewest) {
  UtcTimeZone utc;
  ScratchDir dir;
  auto store = MakeStore(dir.Sub("data"));
  ASSERT_NE(store, nullptr);
  AppendArticle(*store, 1);
  auto clock = std::make_shared<ManualClock>(kMidnight + 3600 * kSecond);  // 01:00
  DaemonBackups backups(*store, clock);
  BackupScheduleConfig config;
  config.seconds_of_day = 2 * 3600;  // 02:00
  config.target = dir.Sub("backups");
  config.keep = 2;

  std::mutex mutex;
  std::vector<Result<BackupTakenInfo>> reports;
  const auto count = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return reports.size();
  };
  const auto wait_for = [&](size_t n) {
    for (int i = 0; i < 500 && count() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return count();
  };
  {
    BackupScheduler scheduler(backups, config, clock, [&](const Result<BackupTakenInfo>& r) {
      std::lock_guard<std::mutex> lock(mutex);
      reports.push_back(r);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // more than one poll of the clock
    EXPECT_EQ(count(), 0u) << "nothing before 02:00";
    for (int day = 0; day < 3; ++day) {
      clock->Set(kMidnight + (day * 86400 + 2 * 3600) * kSecond);  // 02:00 of day N
      ASSERT_EQ(wait_for(static_cast<size_t>(day + 1)), static_cast<size_t>(day + 1)) << "day " << day;
      AppendArticle(*store, 10 + day);
      clock->Set(kMidnight + (day * 86400 + 2 * 3600 + 600) * kSecond);  // 02:10: no second run that day
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      EXPECT_EQ(count(), static_cast<size_t>(day + 1));
    }
  }
  ASSERT_EQ(reports.size(), 3u);
  for (const auto& r : reports) ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(reports[0]->backup_id, 1u);
  EXPECT_EQ(reports[2]->backup_id, 3u);
  EXPECT_EQ(reports[2]->purged, 1u);
  auto list = ListBackups(config.target);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, 2u);
  EXPECT_EQ((*list)[1].id, 3u);
  EXPECT_FALSE(fs::exists(fs::path(config.target) / "manifests" / "1.json"));
  EXPECT_TRUE(VerifyBackup(config.target, 3).ok());
  // Each backup is recorded as BackupTaken in the log.
  int taken = 0;
  ASSERT_TRUE(store->ScanStream("node", 1, [&](uint64_t, std::string_view bytes) {
                     auto event = EventView::Parse(bytes);
                     if (event.ok() && event->type() == static_cast<uint32_t>(EventType::kBackupTaken)) ++taken;
                     return true;
                   }).ok());
  EXPECT_EQ(taken, 3);
}

TEST(BackupSchedulerTest, AFailedBackupIsReportedAndTheScheduleGoesOn) {
  UtcTimeZone utc;
  ScratchDir dir;
  auto store = MakeStore(dir.Sub("data"));
  ASSERT_NE(store, nullptr);
  std::ofstream(dir.Sub("a-file")) << "not a directory";
  auto clock = std::make_shared<ManualClock>(kMidnight);
  DaemonBackups backups(*store, clock);
  BackupScheduleConfig config;
  config.seconds_of_day = 60;
  config.target = dir.Sub("a-file") + "/backups";  // cannot be created
  std::mutex mutex;
  std::vector<Status> reports;
  {
    BackupScheduler scheduler(backups, config, clock, [&](const Result<BackupTakenInfo>& r) {
      std::lock_guard<std::mutex> lock(mutex);
      reports.push_back(r.status());
    });
    clock->Set(kMidnight + 60 * kSecond);
    for (int i = 0; i < 500; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::lock_guard<std::mutex> lock(mutex);
      if (!reports.empty()) break;
    }
  }
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].ok());
  EXPECT_NE(reports[0].message().find("a-file"), std::string::npos) << reports[0].message();
}

TEST(DaemonBackupsTest, RelativeTargetIsRefused) {
  ScratchDir dir;
  auto store = MakeStore(dir.Sub("data"));
  ASSERT_NE(store, nullptr);
  DaemonBackups backups(*store, DefaultClock());
  auto taken = backups.Take("relative/dir", 0, "request");
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.status().message().find("absolute"), std::string::npos);
}

// ------------------------------------------------------------ node.toml

TEST(NodeConfigTest, ParsesTheBackupTable) {
  auto config = ParseNodeConfig("[backup]\ntime = \"02:30\"\ntarget = \"/mnt/b\"\nkeep = 3\n", "/srv/pos");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_TRUE(config->backup.has_value());
  EXPECT_EQ(config->backup->seconds_of_day, 2 * 3600 + 30 * 60);
  EXPECT_EQ(config->backup->target, "/mnt/b");
  EXPECT_EQ(config->backup->keep, 3u);
  EXPECT_TRUE(config->backup->enabled);
  auto relative = ParseNodeConfig("[backup]\ntime = \"23:59:59\"\ntarget = \"../backups\"\n", "/srv/pos");
  ASSERT_TRUE(relative.ok()) << relative.status().message();
  EXPECT_EQ(relative->backup->target, "/srv/backups");
  EXPECT_EQ(relative->backup->seconds_of_day, 86399);
  EXPECT_EQ(relative->backup->keep, 7u) << "the default";
  auto empty = ParseNodeConfig("", "/srv/pos");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->backup.has_value());
}

TEST(NodeConfigTest, EveryErrorNamesTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[backup]\ntime = \"25:00\"\ntarget = \"/b\"\n", "backup.time"},
      {"[backup]\ntime = \"2:30\"\ntarget = \"/b\"\n", "backup.time"},
      {"[backup]\ntime = 230\ntarget = \"/b\"\n", "backup.time"},
      {"[backup]\ntarget = \"/b\"\n", "backup.time is missing"},
      {"[backup]\ntime = \"02:30\"\n", "backup.target is missing"},
      {"[backup]\ntime = \"02:30\"\ntarget = \"\"\n", "backup.target"},
      {"[backup]\ntime = \"02:30\"\ntarget = \"/srv/pos/b\"\n", "backup.target must be outside"},
      {"[backup]\ntime = \"02:30\"\ntarget = \"/b\"\nkeep = 0\n", "backup.keep"},
      {"[backup]\ntime = \"02:30\"\ntarget = \"/b\"\nkeep = \"7\"\n", "backup.keep"},
      {"[backup]\ntime = \"02:30\"\ntarget = \"/b\"\nenabled = 1\n", "backup.enabled"},
      {"[backup]\ntime = \"02:30\"\ntarget = \"/b\"\nretention = 3\n", "backup.retention is not a known key"},
      {"[backups]\n", "backups is not a known table"},
      {"backup = 3\n", "backup must be a table"},
      {"[backup\ntime = 1\n", "node.toml line 1"},
  };
  for (const auto& [text, words] : cases) {
    auto config = ParseNodeConfig(text, "/srv/pos");
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.status().message().find(words), std::string::npos) << text << " -> " << config.status().message();
  }
}

TEST(NodeConfigTest, SetWritesAValidFileAndRefusesBadValues) {
  ScratchDir dir;
  const std::string data = dir.Sub("data");
  fs::create_directories(data);
  ASSERT_TRUE(SetNodeConfigValue(data, "backup.time", "02:30").ok());
  ASSERT_TRUE(SetNodeConfigValue(data, "backup.target", dir.Sub("backups")).ok());
  ASSERT_TRUE(SetNodeConfigValue(data, "backup.keep", "4").ok());
  auto config = LoadNodeConfig(data);
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_TRUE(config->backup.has_value());
  EXPECT_EQ(config->backup->keep, 4u);
  EXPECT_EQ(config->backup->target, dir.Sub("backups"));
  const auto before = [&] {
    std::ifstream in(NodeConfigPath(data));
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string text = before();
  Status bad = SetNodeConfigValue(data, "backup.keep", "0");
  EXPECT_NE(bad.message().find("backup.keep"), std::string::npos) << bad.message();
  bad = SetNodeConfigValue(data, "backup.time", "noon");
  EXPECT_NE(bad.message().find("backup.time"), std::string::npos) << bad.message();
  bad = SetNodeConfigValue(data, "printer.port", "9100");
  EXPECT_NE(bad.message().find("printer.port"), std::string::npos) << bad.message();
  EXPECT_EQ(before(), text) << "a refused value leaves the file as it was";
}

}  // namespace
}  // namespace pos
