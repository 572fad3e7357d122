// ProjectionRunner: catch-up, tailing, rebuilds, version changes and the
// atomicity of a projection's state with its checkpoint (also under SIGKILL).
#include "projections/projection_runner.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/master_data.h"
#include "projections/builtin_projections.h"
#include "projections/catalog.h"
#include "projections/journal_statistics.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using testing::ScratchDir;

// Counts the events it applied, and the ones per stream; can be told to fail.
class CountingProjection final : public Projection {
 public:
  explicit CountingProjection(uint32_t version = 1, uint64_t fail_at_origin_seq = 0,
                              std::chrono::microseconds delay = {})
      : version_(version), fail_at_(fail_at_origin_seq), delay_(delay) {}
  std::string_view Name() const override { return "counting"; }
  uint32_t Version() const override { return version_; }
  Status Apply(const EventView& event, ProjectionState& state) override {
    if (fail_at_ != 0 && event.origin_seq() == fail_at_) return Status::Internal("injected failure");
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    POS_RETURN_IF_ERROR(state.AddToCounter("count", 1));
    return state.AddToCounter("stream/" + std::string(event.stream()), 1);
  }

 private:
  uint32_t version_;
  uint64_t fail_at_;
  std::chrono::microseconds delay_;
};

AppendBatch ArticleBatch(int i) {
  Article article{"a" + std::to_string(i), "Article " + std::to_string(i), 100 + i, "A", "g", {}};
  AppendBatch batch;
  batch.stream = ArticleStream(article.code);
  batch.events.push_back({EventType::kArticleCreated, EncodeArticle(article, false)});
  return batch;
}

void AppendArticles(EventStore& store, int from, int to) {
  std::vector<AppendBatch> batches;
  for (int i = from; i < to; ++i) batches.push_back(ArticleBatch(i));
  for (auto& result : store.AppendMany(std::move(batches))) ASSERT_TRUE(result.ok()) << result.status().ToString();
}

std::unique_ptr<EventStore> NewStore(const ScratchDir& dir) {
  auto store = EventStore::Create(dir.Sub("store"), {.node_name = "till-1"});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

uint64_t Counter(const ProjectionRunner& runner, std::string_view name, std::string_view key) {
  auto reader = runner.Reader(name);
  EXPECT_TRUE(reader.ok());
  auto value = reader->GetCounter(key);
  EXPECT_TRUE(value.ok());
  return *value;
}

std::map<std::string, std::string> Dump(const ProjectionRunner& runner, std::string_view name) {
  std::map<std::string, std::string> all;
  auto reader = runner.Reader(name);
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader->ScanPrefix("", [&](std::string_view k, std::string_view v) {
                      all.emplace(k, v);
                      return true;
                    }).ok());
  return all;
}

TEST(ProjectionRunnerTest, CatchUpAppliesEveryEventOnceAndResumesFromCheckpoint) {
  ScratchDir dir;
  auto store = NewStore(dir);
  AppendArticles(*store, 0, 100);
  {
    ProjectionRunner runner(*store, {.events_per_batch = 16});
    ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>()).ok());
    ASSERT_TRUE(runner.CatchUp().ok());
    EXPECT_EQ(Counter(runner, "counting", "count"), 101u);  // NodeInitialised + 100
    EXPECT_EQ(runner.Infos()[0].checkpoint, store->LastSequence());
  }
  AppendArticles(*store, 100, 130);
  ProjectionRunner runner(*store);
  ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>()).ok());
  EXPECT_EQ(runner.Infos()[0].checkpoint, 101u);  // resumed, not rebuilt
  ASSERT_TRUE(runner.CatchUp().ok());
  EXPECT_EQ(Counter(runner, "counting", "count"), 131u);
}

TEST(ProjectionRunnerTest, StopTailingEndsALongBacklogAtAChunkBoundary) {
  ScratchDir dir;
  auto store = NewStore(dir);
  AppendArticles(*store, 0, 2000);  // 2,001 events at 2 ms each: 4 s to apply them all
  uint64_t stopped_at = 0;
  {
    ProjectionRunner runner(*store, {.events_per_batch = 10});
    ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>(1, 0, std::chrono::milliseconds(2))).ok());
    ASSERT_TRUE(runner.StartTailing().ok());
    ASSERT_TRUE(runner.WaitUntilApplied(10, std::chrono::seconds(30)));
    runner.StopTailing();
    stopped_at = runner.Infos()[0].checkpoint;
    // Stopped inside the backlog, at a committed chunk: state and checkpoint agree.
    EXPECT_LT(stopped_at, store->LastSequence());
    EXPECT_EQ(stopped_at % 10, 0u);
    EXPECT_EQ(Counter(runner, "counting", "count"), stopped_at);
  }
  // A restart applies the rest, each event once.
  ProjectionRunner runner(*store, {.events_per_batch = 500});
  ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>()).ok());
  EXPECT_EQ(runner.Infos()[0].checkpoint, stopped_at);
  ASSERT_TRUE(runner.CatchUp().ok());
  EXPECT_EQ(Counter(runner, "counting", "count"), store->LastSequence());
}

TEST(ProjectionRunnerTest, FailedApplyLeavesStateAndCheckpointAtTheLastCommittedChunk) {
  ScratchDir dir;
  auto store = NewStore(dir);
  AppendArticles(*store, 0, 50);
  ProjectionRunner runner(*store, {.events_per_batch = 10});
  // origin_seq 25 fails: chunks [1..10] and [11..20] commit; [21..30] must not.
  ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>(1, 25)).ok());
  Status s = runner.CatchUp();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("injected failure"), std::string::npos);
  EXPECT_NE(s.message().find("local sequence 25"), std::string::npos);
  EXPECT_EQ(runner.Infos()[0].checkpoint, 20u);
  EXPECT_EQ(Counter(runner, "counting", "count"), 20u);
}

TEST(ProjectionRunnerTest, RebuiltProjectionEqualsIncrementallyBuiltOne) {
  ScratchDir dir;
  auto store = NewStore(dir);
  ProjectionRunner runner(*store, {.events_per_batch = 7});
  ASSERT_TRUE(RegisterBuiltinProjections(runner).ok());
  ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>()).ok());
  ASSERT_TRUE(runner.StartTailing().ok());
  // Incremental: many small appends, including changes and retirements, tailed live.
  {
    AppendBatch rate;
    rate.stream = TaxRateStream("A");
    rate.events.push_back({EventType::kTaxRateCreated, EncodeTaxRate({"A", "Standard", 1900}, false)});
    ASSERT_TRUE(store->Append(std::move(rate)).ok());
  }
  for (int round = 0; round < 5; ++round) {
    AppendArticles(*store, round * 20, round * 20 + 20);
    AppendBatch change;
    change.stream = ArticleStream("a" + std::to_string(round));
    change.events.push_back({EventType::kArticleChanged,
                             EncodeArticle({"a" + std::to_string(round), "Renamed", 999, "A", "g", {"4000" + std::to_string(round)}}, true)});
    ASSERT_TRUE(store->Append(std::move(change)).ok());
  }
  AppendBatch retire;
  retire.stream = ArticleStream("a7");
  retire.events.push_back({EventType::kArticleRetired, EncodeRetired(static_cast<uint32_t>(EventType::kArticleRetired), "a7")});
  ASSERT_TRUE(store->Append(std::move(retire)).ok());
  ASSERT_TRUE(runner.WaitUntilApplied(store->LastSequence(), std::chrono::seconds(10)));
  runner.StopTailing();
  ASSERT_TRUE(runner.TailStatus().ok());

  const auto catalog_before = Dump(runner, CatalogProjection::kName);
  const auto stats_before = Dump(runner, JournalStatisticsProjection::kName);
  const auto counting_before = Dump(runner, "counting");
  ASSERT_TRUE(runner.Rebuild("").ok());
  EXPECT_EQ(Dump(runner, CatalogProjection::kName), catalog_before);
  EXPECT_EQ(Dump(runner, JournalStatisticsProjection::kName), stats_before);
  EXPECT_EQ(Dump(runner, "counting"), counting_before);

  CatalogView catalog(*runner.Reader(CatalogProjection::kName));
  EXPECT_EQ(catalog.Articles()->size(), 99u);
  EXPECT_EQ((*catalog.FindArticle("a3"))->name, "Renamed");
  EXPECT_FALSE(catalog.FindArticle("a7")->has_value());
  EXPECT_TRUE(*catalog.IsRetired(ArticleStream("a7")));
  EXPECT_EQ((*catalog.FindArticleByBarcode("40002"))->code, "a2");
}

TEST(ProjectionRunnerTest, VersionChangeRebuildsFromZero) {
  ScratchDir dir;
  auto store = NewStore(dir);
  AppendArticles(*store, 0, 10);
  {
    ProjectionRunner runner(*store);
    ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>(1)).ok());
    ASSERT_TRUE(runner.CatchUp().ok());
  }
  {
    // Tamper with the state so that only a rebuild can make it right again.
    ProjectionRunner runner(*store);
    ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>(1)).ok());
    auto family = store->ProjectionFamily("counting", false);
    ASSERT_TRUE(family.ok());
    store->db()->Put(rocksdb::WriteOptions(), *family, "count", BigEndian64(12345)).PermitUncheckedError();
  }
  ProjectionRunner runner(*store);
  ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>(2)).ok());
  EXPECT_EQ(runner.Infos()[0].checkpoint, 0u);
  ASSERT_TRUE(runner.CatchUp().ok());
  EXPECT_EQ(Counter(runner, "counting", "count"), 11u);
}

TEST(ProjectionRunnerTest, RebuildOfUnknownProjectionNamesTheKnownOnes) {
  ScratchDir dir;
  auto store = NewStore(dir);
  ProjectionRunner runner(*store);
  ASSERT_TRUE(RegisterBuiltinProjections(runner).ok());
  Status s = runner.Rebuild("nope");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("journal_stats, catalog"), std::string::npos) << s.message();
  EXPECT_EQ(runner.Register(std::make_unique<CountingProjection>()).code(), StatusCode::kOk);
  EXPECT_EQ(runner.Register(std::make_unique<CountingProjection>()).code(), StatusCode::kAlreadyExists);
}

// A child process catches up slowly and is killed with SIGKILL mid-way; after
// reopening, the projection's state must match its checkpoint exactly.
TEST(ProjectionRunnerTest, StateMatchesCheckpointAfterSigkill) {
  ScratchDir dir;
  {
    auto store = NewStore(dir);
    AppendArticles(*store, 0, 3000);
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto store = EventStore::Open(dir.Sub("store"));
      if (!store.ok()) _exit(2);
      ProjectionRunner runner(**store, {.events_per_batch = 50});
      if (!runner.Register(std::make_unique<CountingProjection>(1, 0, std::chrono::microseconds(200))).ok()) _exit(3);
      (void)runner.CatchUp();
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + attempt * 120));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child finished before it was killed; slow it down";

    auto store = EventStore::Open(dir.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ProjectionRunner runner(**store);
    ASSERT_TRUE(runner.Register(std::make_unique<CountingProjection>(1)).ok());
    const uint64_t checkpoint = runner.Infos()[0].checkpoint;
    EXPECT_EQ(Counter(runner, "counting", "count"), checkpoint) << "attempt " << attempt;
    EXPECT_EQ(checkpoint % 50, 0u);
  }
}

}  // namespace
}  // namespace pos
