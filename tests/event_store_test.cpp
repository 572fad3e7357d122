// EventStore on a real RocksDB: creation, ordered appends, scans, optimistic
// concurrency, payload checks, concurrent group commit, replication, reopening
// and the errors of Open/Create.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/bytes.h"
#include "engine/chain_verifier.h"
#include "engine/event_store.h"
#include "engine/store_layout.h"
#include "events/event_encoding.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/master_data.h"
#include "events/node_generated.h"
#include "tests/raw_db.h"
#include "tests/test_support.h"

namespace pos {
namespace {

namespace fs = std::filesystem;
using pos::testing::ScratchDir;

// ---------------------------------------------------------------- helpers

Article SampleArticle(int i) {
  Article article;
  article.code = "A" + std::to_string(i);
  article.name = "Article number " + std::to_string(i);
  article.gross_price = 100 + i;
  article.tax_rate = "STD";
  article.group = "food";
  article.barcodes = {"400000000" + std::to_string(i)};
  return article;
}

TaxRate SampleTaxRate(int i) {
  TaxRate rate;
  rate.code = "T" + std::to_string(i);
  rate.name = "Rate " + std::to_string(i);
  rate.rate_basis_points = static_cast<uint32_t>(700 + i);
  return rate;
}

NewEvent ArticleCreated(int i) { return NewEvent{EventType::kArticleCreated, EncodeArticle(SampleArticle(i), false)}; }
NewEvent ArticleChanged(int i) { return NewEvent{EventType::kArticleChanged, EncodeArticle(SampleArticle(i), true)}; }
NewEvent TaxRateCreated(int i) { return NewEvent{EventType::kTaxRateCreated, EncodeTaxRate(SampleTaxRate(i), false)}; }

AppendBatch Batch(const std::string& stream, uint64_t expected, std::vector<NewEvent> events,
                  const std::string& user = "") {
  AppendBatch batch;
  batch.stream = stream;
  batch.expected_version = expected;
  batch.user = user;
  batch.events = std::move(events);
  return batch;
}

CreateStoreOptions NodeNamed(const std::string& name) {
  CreateStoreOptions create;
  create.node_name = name;
  return create;
}

std::unique_ptr<EventStore> MustCreate(const std::string& path, const std::string& name = "till-1") {
  auto created = EventStore::Create(path, NodeNamed(name));
  if (!created.ok()) {
    ADD_FAILURE() << "Create(" << path << "): " << created.status().ToString();
    return nullptr;
  }
  return std::move(created).value();
}

std::unique_ptr<EventStore> MustOpen(const std::string& path) {
  auto opened = EventStore::Open(path);
  if (!opened.ok()) {
    ADD_FAILURE() << "Open(" << path << "): " << opened.status().ToString();
    return nullptr;
  }
  return std::move(opened).value();
}

struct Stored {
  uint64_t local_seq;
  std::string bytes;
};

std::vector<Stored> Log(const EventStore& store, uint64_t from = 1, uint64_t to = UINT64_MAX) {
  std::vector<Stored> out;
  Status s = store.ScanLog(from, to, [&](uint64_t seq, std::string_view bytes) {
    out.push_back({seq, std::string(bytes)});
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::vector<Stored> Stream(const EventStore& store, std::string_view stream, uint64_t from_version = 0) {
  std::vector<Stored> out;
  Status s = store.ScanStream(stream, from_version, [&](uint64_t seq, std::string_view bytes) {
    out.push_back({seq, std::string(bytes)});
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::vector<Stored> Origin(const EventStore& store, std::string_view origin, uint64_t from_seq = 0) {
  std::vector<Stored> out;
  Status s = store.ScanOrigin(origin, from_seq, [&](uint64_t seq, std::string_view bytes) {
    out.push_back({seq, std::string(bytes)});
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// Parses bytes that the test knows to be a valid event (the bytes must outlive the view).
EventView View(const std::string& bytes) {
  auto parsed = EventView::Parse(bytes);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) std::abort();
  return parsed.value();
}

std::vector<std::string> EventBytes(const std::vector<Stored>& stored) {
  std::vector<std::string> out;
  for (const Stored& s : stored) out.push_back(s.bytes);
  return out;
}

std::set<std::string> DirectoryListing(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) names.insert(entry.path().string());
  return names;
}

using testing::RawDb;

// ---------------------------------------------------------------- creation

TEST(EventStoreCreate, WritesNodeInitialisedAtLocalSeqOne) {
  ScratchDir dir;
  CreateStoreOptions create;
  create.node_name = "till-7";
  create.hub = true;
  create.currency = "CHF";
  auto created = EventStore::Create(dir.Sub("store"), create);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto& store = *created;

  EXPECT_EQ(store->node_id().size(), kNodeIdSize);
  EXPECT_EQ(store->node_name(), "till-7");
  EXPECT_EQ(store->LastSequence(), 1u);

  auto log = Log(*store);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].local_seq, 1u);
  EventView event = View(log[0].bytes);
  EXPECT_EQ(event.type(), static_cast<uint32_t>(EventType::kNodeInitialised));
  EXPECT_EQ(event.origin(), store->node_id());
  EXPECT_EQ(event.origin_seq(), 1u);
  EXPECT_EQ(event.stream(), "node");
  EXPECT_EQ(event.stream_version(), 1u);
  EXPECT_EQ(event.prev_hash(), std::string(kHashSize, '\0'));
  EXPECT_TRUE(event.VerifyHash().ok());
  EXPECT_TRUE(event.VerifyPayload().ok());
  const auto* init = event.PayloadAs<fb::NodeInitialised>();
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(init->node_name()->str(), "till-7");
  EXPECT_EQ(init->role(), fb::NodeRole::Hub);
  EXPECT_EQ(init->currency()->str(), "CHF");

  auto heads = store->Heads();
  ASSERT_EQ(heads.size(), 1u);
  ASSERT_EQ(heads.count(store->node_id()), 1u);
  EXPECT_EQ(heads[store->node_id()].seq, 1u);
  EXPECT_EQ(heads[store->node_id()].hash, event.hash());

  auto version = store->StreamVersion("node");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 1u);
}

// A start-up snapshot grows with history; it must not sit in the data blocks
// that hold the small keys every open reads (docs/storage.md, "meta").
TEST(EventStoreSnapshot, LargeSnapshotsGoToBlobFilesAndSurviveReopenAndReplacement) {
  ScratchDir dir;
  const std::string path = dir.Sub("store");
  std::string first(1 << 20, 'a'), second(1 << 20, 'b');
  for (size_t i = 0; i < first.size(); i += 997) first[i] = static_cast<char>(i);  // not all one byte
  {
    auto store = MustCreate(path);
    ASSERT_TRUE(store->PutSnapshot("register", first).ok());
    ASSERT_TRUE(store->FlushMemtables().ok());
  }
  uint64_t blob_bytes = 0, table_bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.path().extension() == ".blob") blob_bytes += entry.file_size();
    if (entry.path().extension() == ".sst") table_bytes += entry.file_size();
  }
  EXPECT_GE(blob_bytes, 64u * 1024) << "the snapshot is not in a blob file";
  EXPECT_LT(table_bytes, 256u * 1024) << "a snapshot is inline in the tables";
  {
    auto store = MustOpen(path);
    auto read = store->GetSnapshot("register");
    ASSERT_TRUE(read.ok() && read->has_value());
    EXPECT_EQ(**read, first);
    ASSERT_TRUE(store->PutSnapshot("register", second).ok());
    ASSERT_TRUE(store->FlushMemtables().ok());
  }
  auto store = MustOpen(path);
  auto read = store->GetSnapshot("register");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ(**read, second);
}

TEST(EventStoreCreate, TwoStoresGetDifferentNodeIds) {
  ScratchDir dir;
  auto a = MustCreate(dir.Sub("a"), "a");
  auto b = MustCreate(dir.Sub("b"), "b");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->node_id(), b->node_id());
}

TEST(EventStoreCreate, AcceptsAnExistingEmptyDirectory) {
  ScratchDir dir;
  auto store = MustCreate(dir.path().string());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->LastSequence(), 1u);
}

TEST(EventStoreCreate, NonEmptyDirectoryIsAlreadyExists) {
  ScratchDir dir;
  { std::ofstream(dir.path() / "notes.txt") << "hello"; }
  const auto before = DirectoryListing(dir.path());
  auto created = EventStore::Create(dir.path().string(), NodeNamed("till-1"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kAlreadyExists) << created.status().ToString();
  EXPECT_EQ(DirectoryListing(dir.path()), before);
  std::ifstream in(dir.path() / "notes.txt");
  std::string content;
  in >> content;
  EXPECT_EQ(content, "hello");
}

TEST(EventStoreCreate, ExistingStoreIsAlreadyExists) {
  ScratchDir dir;
  std::string node_id;
  {
    auto store = MustCreate(dir.Sub("store"));
    ASSERT_TRUE(store);
    node_id = store->node_id();
  }
  auto again = EventStore::Create(dir.Sub("store"), NodeNamed("other"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  // The existing store is untouched.
  auto store = MustOpen(dir.Sub("store"));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->node_id(), node_id);
  EXPECT_EQ(store->LastSequence(), 1u);
}

TEST(EventStoreCreate, BadNodeNamesAreInvalidArgumentAndCreateNothing) {
  ScratchDir dir;
  for (const std::string& name : {std::string(), std::string("has space"), std::string("a/b"),
                                 std::string("tab\tname"), std::string("ümlaut"), std::string(65, 'x')}) {
    auto created = EventStore::Create(dir.Sub("store"), NodeNamed(name));
    ASSERT_FALSE(created.ok()) << "node name '" << name << "'";
    EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument) << created.status().ToString();
    EXPECT_FALSE(fs::exists(dir.Sub("store"))) << "node name '" << name << "'";
  }
  // The longest allowed name and every allowed character class work.
  auto created = EventStore::Create(dir.Sub("store"), NodeNamed(std::string(64, 'x')));
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  auto other = EventStore::Create(dir.Sub("store2"), NodeNamed("Till_1.b-2"));
  EXPECT_TRUE(other.ok()) << other.status().ToString();
}

TEST(EventStoreCreate, BadCurrencyIsInvalidArgument) {
  ScratchDir dir;
  CreateStoreOptions create = NodeNamed("till-1");
  create.currency = "eur";
  auto created = EventStore::Create(dir.Sub("store"), create);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir.Sub("store")));
}

// ---------------------------------------------------------------- appends

TEST(EventStoreAppend, SequencesAreDenseAndReceiptsMatch) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("store"));
  ASSERT_TRUE(store);

  auto r1 = store->Append(Batch(ArticleStream("A1"), kNoStream, {ArticleCreated(1)}, "u-1"));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->first_local_seq, 2u);
  EXPECT_EQ(r1->last_local_seq, 2u);
  EXPECT_EQ(r1->first_origin_seq, 2u);
  EXPECT_EQ(r1->stream_version, 1u);

  auto r2 = store->Append(Batch(TaxRateStream("T1"), kNoStream, {TaxRateCreated(1)}));
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->first_local_seq, 3u);
  EXPECT_EQ(r2->stream_version, 1u);

  auto r3 = store->Append(
      Batch(ArticleStream("A1"), 1, {ArticleChanged(1), ArticleChanged(2), ArticleChanged(3)}, "u-2"));
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  EXPECT_EQ(r3->first_local_seq, 4u);
  EXPECT_EQ(r3->last_local_seq, 6u);
  EXPECT_EQ(r3->first_origin_seq, 4u);
  EXPECT_EQ(r3->stream_version, 4u);
  EXPECT_EQ(store->LastSequence(), 6u);

  auto log = Log(*store);
  ASSERT_EQ(log.size(), 6u);
  std::string prev_hash(kHashSize, '\0');
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].local_seq, i + 1);
    EventView event = View(log[i].bytes);
    EXPECT_EQ(event.origin(), store->node_id());
    EXPECT_EQ(event.origin_seq(), i + 1);
    EXPECT_EQ(event.prev_hash(), prev_hash) << "event " << i + 1;
    EXPECT_TRUE(event.VerifyHash().ok());
    prev_hash = std::string(event.hash());
  }
  EXPECT_EQ(store->Heads()[store->node_id()].hash, prev_hash);
  EXPECT_EQ(store->Heads()[store->node_id()].seq, 6u);

  // Content of the stream: versions 1..4, the right types, payloads and users.
  auto a1 = Stream(*store, ArticleStream("A1"));
  ASSERT_EQ(a1.size(), 4u);
  const std::vector<uint64_t> expected_local = {2, 4, 5, 6};
  const std::vector<int> expected_article = {1, 1, 2, 3};
  for (size_t i = 0; i < a1.size(); ++i) {
    EXPECT_EQ(a1[i].local_seq, expected_local[i]);
    EventView event = View(a1[i].bytes);
    EXPECT_EQ(event.stream(), ArticleStream("A1"));
    EXPECT_EQ(event.stream_version(), i + 1);
    EXPECT_EQ(event.type(), static_cast<uint32_t>(i == 0 ? EventType::kArticleCreated : EventType::kArticleChanged));
    EXPECT_EQ(event.user(), i == 0 ? "u-1" : "u-2");
    auto article = DecodeArticle(event.type(), event.payload());
    ASSERT_TRUE(article.ok()) << article.status().ToString();
    EXPECT_EQ(*article, SampleArticle(expected_article[i]));
  }
  auto version = store->StreamVersion(ArticleStream("A1"));
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 4u);
  auto missing = store->StreamVersion("article/none");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, 0u);

  // Events of one batch carry the same wall time, strictly increasing HLC.
  EventView e4 = View(log[3].bytes), e5 = View(log[4].bytes), e6 = View(log[5].bytes);
  EXPECT_EQ(e4.wall_time_us(), e6.wall_time_us());
  EXPECT_LT(e4.hlc(), e5.hlc());
  EXPECT_LT(e5.hlc(), e6.hlc());

  auto read = store->ReadEvent(5);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, log[4].bytes);
  auto absent = store->ReadEvent(7);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);
}

TEST(EventStoreAppend, AnyVersionAppendsAtTheEnd) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("store"));
  ASSERT_TRUE(store);
  for (int i = 1; i <= 3; ++i) {
    auto r = store->Append(Batch(ArticleStream("A1"), kAnyVersion, {ArticleChanged(i)}));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->stream_version, static_cast<uint64_t>(i));
  }
}

// ---------------------------------------------------------------- scans

class EventStoreScan : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = MustCreate(dir_.Sub("store"));
    ASSERT_TRUE(store_);
    // Interleave two streams: log 2..11 alternate A (versions 1..5) and B (1..5).
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(store_->Append(Batch(ArticleStream("A"), static_cast<uint64_t>(i), {ArticleChanged(i)})).ok());
      ASSERT_TRUE(store_->Append(Batch(TaxRateStream("B"), static_cast<uint64_t>(i), {TaxRateCreated(i)})).ok());
    }
    ASSERT_EQ(store_->LastSequence(), 11u);
  }

  ScratchDir dir_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(EventStoreScan, ScanLogHonoursRangeAndEarlyStop) {
  auto all = Log(*store_);
  ASSERT_EQ(all.size(), 11u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].local_seq, i + 1);

  auto middle = Log(*store_, 4, 7);
  ASSERT_EQ(middle.size(), 4u);
  for (size_t i = 0; i < middle.size(); ++i) {
    EXPECT_EQ(middle[i].local_seq, 4 + i);
    EXPECT_EQ(middle[i].bytes, all[3 + i].bytes);
  }
  EXPECT_EQ(Log(*store_, 11, 11).size(), 1u);
  EXPECT_TRUE(Log(*store_, 12, 100).empty());
  EXPECT_TRUE(Log(*store_, 5, 4).empty());
  EXPECT_EQ(Log(*store_, 0, 2).size(), 2u);

  std::vector<uint64_t> seen;
  Status s = store_->ScanLog(3, UINT64_MAX, [&](uint64_t seq, std::string_view) {
    seen.push_back(seq);
    return seen.size() < 3;
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{3, 4, 5}));
}

TEST_F(EventStoreScan, ScanStreamReturnsOnlyThatStreamFromVersion) {
  auto a = Stream(*store_, ArticleStream("A"));
  ASSERT_EQ(a.size(), 5u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].local_seq, 2 + 2 * i);
    EventView event = View(a[i].bytes);
    EXPECT_EQ(event.stream(), ArticleStream("A"));
    EXPECT_EQ(event.stream_version(), i + 1);
  }
  auto b = Stream(*store_, TaxRateStream("B"), 3);
  ASSERT_EQ(b.size(), 3u);
  for (size_t i = 0; i < b.size(); ++i) {
    EventView event = View(b[i].bytes);
    EXPECT_EQ(event.stream(), TaxRateStream("B"));
    EXPECT_EQ(event.stream_version(), 3 + i);
    EXPECT_EQ(b[i].local_seq, 3 + 2 * (2 + i));
  }
  EXPECT_TRUE(Stream(*store_, TaxRateStream("B"), 6).empty());
  EXPECT_TRUE(Stream(*store_, "nothing/here").empty());
  // A stream whose name is a prefix of another does not see the other's events.
  EXPECT_TRUE(Stream(*store_, "article/").empty());

  int calls = 0;
  Status s = store_->ScanStream(ArticleStream("A"), 1, [&](uint64_t, std::string_view) { return ++calls < 2; });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(calls, 2);

  Status bad = store_->ScanStream("", 0, [](uint64_t, std::string_view) { return true; });
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
}

TEST_F(EventStoreScan, ScanOriginReturnsOriginOrderFromSeq) {
  auto all = Origin(*store_, store_->node_id(), 1);
  ASSERT_EQ(all.size(), 11u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].local_seq, i + 1);
    EXPECT_EQ(View(all[i].bytes).origin_seq(), i + 1);
  }
  auto tail = Origin(*store_, store_->node_id(), 9);
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(View(tail[0].bytes).origin_seq(), 9u);
  EXPECT_TRUE(Origin(*store_, store_->node_id(), 12).empty());
  EXPECT_TRUE(Origin(*store_, std::string(kNodeIdSize, '\x01'), 1).empty());

  int calls = 0;
  Status s = store_->ScanOrigin(store_->node_id(), 1, [&](uint64_t, std::string_view) { return ++calls < 4; });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(calls, 4);

  Status bad = store_->ScanOrigin("short", 1, [](uint64_t, std::string_view) { return true; });
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------- refusals

TEST(EventStoreAppend, ExpectedVersionMismatchConflictsAndWritesNothing) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("store"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Append(Batch(ArticleStream("A1"), kNoStream, {ArticleCreated(1)})).ok());
  ASSERT_TRUE(store->Append(Batch(ArticleStream("A1"), 1, {ArticleChanged(1)})).ok());
  const uint64_t last = store->LastSequence();
  const ChainHeads heads = store->Heads();

  for (uint64_t wrong : {uint64_t{1}, uint64_t{3}, uint64_t{100}}) {
    auto r = store->Append(Batch(ArticleStream("A1"), wrong, {ArticleChanged(2)}));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kConflict) << r.status().ToString();
  }
  // kNoStream on an existing stream.
  auto exists = store->Append(Batch(ArticleStream("A1"), kNoStream, {ArticleCreated(1)}));
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.status().code(), StatusCode::kConflict);
  // A version on a stream that does not exist.
  auto absent = store->Append(Batch(ArticleStream("new"), 1, {ArticleChanged(1)}));
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), StatusCode::kConflict);

  EXPECT_EQ(store->LastSequence(), last);
  EXPECT_EQ(Log(*store).size(), last);
  EXPECT_EQ(store->Heads()[store->node_id()].seq, heads.at(store->node_id()).seq);
  EXPECT_EQ(store->Heads()[store->node_id()].hash, heads.at(store->node_id()).hash);
  EXPECT_EQ(*store->StreamVersion(ArticleStream("A1")), 2u);
  EXPECT_EQ(*store->StreamVersion(ArticleStream("new")), 0u);

  // The right version still works, and the chain continues without a hole.
  auto ok = store->Append(Batch(ArticleStream("A1"), 2, {ArticleChanged(2)}));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->first_local_seq, last + 1);
  EXPECT_EQ(ok->first_origin_seq, last + 1);
  EXPECT_EQ(ok->stream_version, 3u);
  auto report = VerifyChains(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(EventStoreAppend, UnknownTypeOrMalformedPayloadIsInvalidArgumentAndWritesNothing) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("store"));
  ASSERT_TRUE(store);
  const uint64_t last = store->LastSequence();

  auto unknown = store->Append(
      Batch(ArticleStream("A1"), kNoStream, {NewEvent{static_cast<EventType>(9999), EncodeArticle(SampleArticle(1), false)}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument) << unknown.status().ToString();

  auto garbage = store->Append(
      Batch(ArticleStream("A1"), kNoStream, {NewEvent{EventType::kArticleCreated, {0x01, 0x02, 0x03}}}));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument) << garbage.status().ToString();

  auto empty_payload =
      store->Append(Batch(ArticleStream("A1"), kNoStream, {NewEvent{EventType::kArticleCreated, {}}}));
  ASSERT_FALSE(empty_payload.ok());
  EXPECT_EQ(empty_payload.status().code(), StatusCode::kInvalidArgument);

  // A truncated payload.
  std::vector<uint8_t> truncated = EncodeArticle(SampleArticle(1), false);
  truncated.resize(truncated.size() / 2);
  auto cut = store->Append(Batch(ArticleStream("A1"), kNoStream, {NewEvent{EventType::kArticleCreated, truncated}}));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kInvalidArgument);

  // One bad event refuses the whole batch, including the good events before it.
  auto mixed = store->Append(Batch(ArticleStream("A1"), kNoStream,
                                   {ArticleCreated(1), NewEvent{EventType::kArticleChanged, {0xFF, 0xFF}}}));
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.status().code(), StatusCode::kInvalidArgument);

  auto no_events = store->Append(Batch(ArticleStream("A1"), kNoStream, {}));
  ASSERT_FALSE(no_events.ok());
  EXPECT_EQ(no_events.status().code(), StatusCode::kInvalidArgument);

  for (const std::string& stream : {std::string(), std::string(257, 's'), std::string("a\0b", 3)}) {
    auto bad_stream = store->Append(Batch(stream, kAnyVersion, {ArticleCreated(1)}));
    ASSERT_FALSE(bad_stream.ok());
    EXPECT_EQ(bad_stream.status().code(), StatusCode::kInvalidArgument);
  }

  EXPECT_EQ(store->LastSequence(), last);
  EXPECT_EQ(Log(*store).size(), last);
  EXPECT_EQ(*store->StreamVersion(ArticleStream("A1")), 0u);
  EXPECT_EQ(store->Heads()[store->node_id()].seq, last);

  // Afterwards the stream can still be created at version 1 right after the last event.
  auto ok = store->Append(Batch(ArticleStream("A1"), kNoStream, {ArticleCreated(1)}));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->first_local_seq, last + 1);
  EXPECT_EQ(ok->stream_version, 1u);
}

// ---------------------------------------------------------------- concurrency

TEST(EventStoreConcurrency, ManyThreadsProduceADenseLogAndOneValidChain) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("store"));
  ASSERT_TRUE(store);
  constexpr int kThreads = 8;
  constexpr int kAppends = 200;

  std::atomic<int> failures{0};
  std::vector<std::vector<AppendReceipt>> receipts(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = ArticleStream("T" + std::to_string(t));
      for (int i = 0; i < kAppends; ++i) {
        // Even appends go to the thread's own stream with an exact expected
        // version; odd ones to a stream shared by all threads, at any version.
        auto batch = i % 2 == 0 ? Batch(own, static_cast<uint64_t>(i / 2), {ArticleChanged(t * 1000 + i)})
                                : Batch("article/shared", kAnyVersion, {ArticleChanged(t * 1000 + i)});
        auto r = store->Append(std::move(batch));
        if (!r.ok()) {
          ++failures;
          continue;
        }
        receipts[static_cast<size_t>(t)].push_back(*r);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  const uint64_t total = 1 + kThreads * kAppends;
  EXPECT_EQ(store->LastSequence(), total);

  // Every receipt names a distinct local seq; together they cover 2..total.
  std::set<uint64_t> local_seqs;
  for (int t = 0; t < kThreads; ++t) {
    const auto& mine = receipts[static_cast<size_t>(t)];
    ASSERT_EQ(mine.size(), static_cast<size_t>(kAppends));
    for (size_t i = 0; i < mine.size(); ++i) {
      EXPECT_EQ(mine[i].first_local_seq, mine[i].last_local_seq);
      EXPECT_EQ(mine[i].first_origin_seq, mine[i].first_local_seq);
      EXPECT_TRUE(local_seqs.insert(mine[i].first_local_seq).second);
      if (i > 0) {
        EXPECT_LT(mine[i - 1].first_local_seq, mine[i].first_local_seq);
      }
      if (i % 2 == 0) {
        EXPECT_EQ(mine[i].stream_version, i / 2 + 1);
      }
    }
  }
  ASSERT_EQ(local_seqs.size(), total - 1);
  EXPECT_EQ(*local_seqs.begin(), 2u);
  EXPECT_EQ(*local_seqs.rbegin(), total);

  // The log is dense and a single chain with dense origin_seq.
  auto log = Log(*store);
  ASSERT_EQ(log.size(), total);
  std::string prev_hash(kHashSize, '\0');
  std::map<std::string, uint64_t> versions;
  for (size_t i = 0; i < log.size(); ++i) {
    ASSERT_EQ(log[i].local_seq, i + 1);
    EventView event = View(log[i].bytes);
    ASSERT_EQ(event.origin_seq(), i + 1);
    ASSERT_EQ(event.prev_hash(), prev_hash) << "chain broken at " << i + 1;
    ASSERT_TRUE(event.VerifyHash().ok());
    prev_hash = std::string(event.hash());
    // Stream versions dense per stream in log order.
    EXPECT_EQ(event.stream_version(), ++versions[std::string(event.stream())]) << event.stream();
  }
  EXPECT_EQ(versions["article/shared"], static_cast<uint64_t>(kThreads * kAppends / 2));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(versions[ArticleStream("T" + std::to_string(t))], static_cast<uint64_t>(kAppends / 2));
  }
  EXPECT_EQ(store->Heads()[store->node_id()].seq, total);
  EXPECT_EQ(store->Heads()[store->node_id()].hash, prev_hash);

  auto report = VerifyChains(*store);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events_checked, total);
  EXPECT_EQ(report->origins, 1u);
}

TEST(EventStoreConcurrency, ConflictsInAGroupDoNotAffectOthers) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("store"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Append(Batch(ArticleStream("X"), kNoStream, {ArticleCreated(1)})).ok());
  // All threads race to append version 2 of the same stream: exactly one wins
  // per round, the others conflict, and nothing but the winners is written.
  constexpr int kThreads = 6;
  constexpr int kRounds = 20;
  std::atomic<int> wins{0}, conflicts{0}, other{0};
  for (int round = 0; round < kRounds; ++round) {
    const uint64_t expected = static_cast<uint64_t>(round + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto r = store->Append(Batch(ArticleStream("X"), expected, {ArticleChanged(t)}));
        if (r.ok()) {
          ++wins;
        } else if (r.status().code() == StatusCode::kConflict) {
          ++conflicts;
        } else {
          ++other;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    ASSERT_EQ(wins.load(), round + 1);
  }
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(conflicts.load(), kRounds * (kThreads - 1));
  EXPECT_EQ(store->LastSequence(), static_cast<uint64_t>(2 + kRounds));
  EXPECT_EQ(*store->StreamVersion(ArticleStream("X")), static_cast<uint64_t>(1 + kRounds));
  auto report = VerifyChains(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(EventStoreWait, WakesWhenAnotherThreadAppends) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("store"));
  ASSERT_TRUE(store);
  const uint64_t last = store->LastSequence();

  std::atomic<uint64_t> woke_with{0};
  std::atomic<bool> returned{false};
  const auto start = std::chrono::steady_clock::now();
  std::thread waiter([&] {
    woke_with = store->WaitForEventsAfter(last, std::chrono::seconds(20));
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(returned.load()) << "returned before anything was appended";
  ASSERT_TRUE(store->Append(Batch(ArticleStream("A1"), kNoStream, {ArticleCreated(1)})).ok());
  waiter.join();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(woke_with.load(), last + 1);
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(EventStoreWait, ReturnsAtOnceWhenEventsExistAndTimesOutOtherwise) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("store"));
  ASSERT_TRUE(store);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(store->WaitForEventsAfter(0, std::chrono::seconds(20)), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

  start = std::chrono::steady_clock::now();
  EXPECT_EQ(store->WaitForEventsAfter(1, std::chrono::milliseconds(150)), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(140));
}

// ---------------------------------------------------------------- replication

class EventStoreReplication : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = MustCreate(dir_.Sub("a"), "node-a");
    b_ = MustCreate(dir_.Sub("b"), "node-b");
    ASSERT_TRUE(a_ && b_);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(a_->Append(Batch(ArticleStream("A"), static_cast<uint64_t>(i), {ArticleChanged(i)})).ok());
    }
    ASSERT_TRUE(a_->Append(Batch(TaxRateStream("T"), kNoStream, {TaxRateCreated(1), TaxRateCreated(2)})).ok());
    ASSERT_TRUE(b_->Append(Batch(ArticleStream("B"), kNoStream, {ArticleCreated(50)})).ok());
    a_events_ = EventBytes(Log(*a_));
    ASSERT_EQ(a_events_.size(), 7u);
  }

  std::vector<std::string> AEvents(size_t from_seq, size_t to_seq) const {
    return {a_events_.begin() + static_cast<std::ptrdiff_t>(from_seq - 1),
            a_events_.begin() + static_cast<std::ptrdiff_t>(to_seq)};
  }

  // Asserts that b_ is unchanged from `last` and `heads`.
  void ExpectUnchanged(uint64_t last, const ChainHeads& heads) {
    EXPECT_EQ(b_->LastSequence(), last);
    EXPECT_EQ(Log(*b_).size(), last);
    auto now = b_->Heads();
    ASSERT_EQ(now.size(), heads.size());
    for (const auto& [origin, head] : heads) {
      EXPECT_EQ(now[origin].seq, head.seq);
      EXPECT_EQ(now[origin].hash, head.hash);
    }
  }

  ScratchDir dir_;
  std::unique_ptr<EventStore> a_, b_;
  std::vector<std::string> a_events_;
};

TEST_F(EventStoreReplication, CopiesEventsByteForByte) {
  const uint64_t b_before = b_->LastSequence();
  ASSERT_EQ(b_before, 2u);
  auto r = b_->AppendReplicated(a_events_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->appended, 7u);
  EXPECT_EQ(r->duplicates, 0u);
  EXPECT_EQ(r->last_local_seq, b_before + 7);
  EXPECT_EQ(b_->LastSequence(), b_before + 7);

  auto b_log = Log(*b_);
  ASSERT_EQ(b_log.size(), 9u);
  for (size_t i = 0; i < a_events_.size(); ++i) {
    EXPECT_EQ(b_log[b_before + i].local_seq, b_before + i + 1);
    EXPECT_EQ(b_log[b_before + i].bytes, a_events_[i]) << "event " << i + 1 << " not stored byte for byte";
  }
  // The origin index of B finds A's events in origin order.
  auto from_a = Origin(*b_, a_->node_id(), 1);
  ASSERT_EQ(from_a.size(), 7u);
  for (size_t i = 0; i < from_a.size(); ++i) {
    EXPECT_EQ(from_a[i].bytes, a_events_[i]);
    EXPECT_EQ(from_a[i].local_seq, b_before + i + 1);
  }
  EXPECT_EQ(Origin(*b_, b_->node_id(), 1).size(), 2u);

  // Heads (the version vector) reflect both origins.
  auto heads = b_->Heads();
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_EQ(heads[a_->node_id()].seq, 7u);
  EXPECT_EQ(heads[a_->node_id()].hash, a_->Heads()[a_->node_id()].hash);
  EXPECT_EQ(heads[b_->node_id()].seq, 2u);

  // Streams: A's article stream is readable in B; the "node" stream holds both
  // NodeInitialised events (one per origin, each at version 1).
  auto article = Stream(*b_, ArticleStream("A"));
  ASSERT_EQ(article.size(), 4u);
  for (size_t i = 0; i < article.size(); ++i) EXPECT_EQ(View(article[i].bytes).stream_version(), i + 1);
  EXPECT_EQ(Stream(*b_, "node").size(), 2u);
  EXPECT_EQ(*b_->StreamVersion(TaxRateStream("T")), 2u);

  // Local appends in B continue B's own chain after replicated events.
  auto local = b_->Append(Batch(ArticleStream("B"), 1, {ArticleChanged(51)}));
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(local->first_local_seq, 10u);
  EXPECT_EQ(local->first_origin_seq, 3u);

  auto report = VerifyChains(*b_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->origins, 2u);
  EXPECT_EQ(report->events_checked, 10u);
}

TEST_F(EventStoreReplication, InPiecesAndDuplicatesAreNoOps) {
  auto first = b_->AppendReplicated(AEvents(1, 3));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->appended, 3u);
  const uint64_t last = b_->LastSequence();
  ASSERT_EQ(last, 5u);

  // Exactly the same events again: nothing is written.
  auto again = b_->AppendReplicated(AEvents(1, 3));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->appended, 0u);
  EXPECT_EQ(again->duplicates, 3u);
  EXPECT_EQ(b_->LastSequence(), last);
  EXPECT_EQ(Log(*b_).size(), last);

  // Overlapping: 2..5 stores only 4 and 5.
  auto overlap = b_->AppendReplicated(AEvents(2, 5));
  ASSERT_TRUE(overlap.ok()) << overlap.status().ToString();
  EXPECT_EQ(overlap->appended, 2u);
  EXPECT_EQ(overlap->duplicates, 2u);
  EXPECT_EQ(b_->LastSequence(), last + 2);

  // The same event twice within one request counts as a duplicate.
  std::vector<std::string> twice = AEvents(6, 6);
  twice.push_back(a_events_[5]);
  auto dup_in_batch = b_->AppendReplicated(twice);
  ASSERT_TRUE(dup_in_batch.ok()) << dup_in_batch.status().ToString();
  EXPECT_EQ(dup_in_batch->appended, 1u);
  EXPECT_EQ(dup_in_batch->duplicates, 1u);
  EXPECT_EQ(b_->LastSequence(), last + 3);

  // An empty request is a no-op.
  auto none = b_->AppendReplicated({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->appended, 0u);
  EXPECT_EQ(b_->LastSequence(), last + 3);

  EXPECT_EQ(b_->Heads()[a_->node_id()].seq, 6u);
  auto report = VerifyChains(*b_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST_F(EventStoreReplication, GapIsRefusedAndWritesNothing) {
  ASSERT_TRUE(b_->AppendReplicated(AEvents(1, 2)).ok());
  const uint64_t last = b_->LastSequence();
  const ChainHeads heads = b_->Heads();

  // Skipping event 3.
  auto gap = b_->AppendReplicated(AEvents(4, 5));
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.status().code(), StatusCode::kCorruption) << gap.status().ToString();
  EXPECT_NE(gap.status().message().find("gap"), std::string::npos) << gap.status().message();
  ExpectUnchanged(last, heads);

  // A gap after a good event refuses the good one too (all or nothing).
  std::vector<std::string> with_hole = AEvents(3, 3);
  with_hole.push_back(a_events_[4]);  // event 5, skipping 4
  auto hole = b_->AppendReplicated(with_hole);
  ASSERT_FALSE(hole.ok());
  EXPECT_EQ(hole.status().code(), StatusCode::kCorruption);
  EXPECT_NE(hole.status().message().find("gap"), std::string::npos) << hole.status().message();
  ExpectUnchanged(last, heads);

  // Starting a new origin anywhere but at seq 1 is a gap too.
  ScratchDir other_dir;
  auto c = MustCreate(other_dir.Sub("c"), "node-c");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->Append(Batch(ArticleStream("C"), kNoStream, {ArticleCreated(9)})).ok());
  auto c_events = EventBytes(Log(*c));
  auto no_start = b_->AppendReplicated({c_events[1]});
  ASSERT_FALSE(no_start.ok());
  EXPECT_EQ(no_start.status().code(), StatusCode::kCorruption);
  EXPECT_NE(no_start.status().message().find("gap"), std::string::npos) << no_start.status().message();
  ExpectUnchanged(last, heads);

  // The proper continuation still works.
  auto ok = b_->AppendReplicated(AEvents(3, 7));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->appended, 5u);
}

TEST_F(EventStoreReplication, ModifiedByteIsRefused) {
  const uint64_t last = b_->LastSequence();
  const ChainHeads heads = b_->Heads();
  std::vector<std::string> events = AEvents(1, 3);
  // Change one character of the article name inside event 2's payload.
  std::string& victim = events[1];
  const size_t at = victim.find("Article number");
  ASSERT_NE(at, std::string::npos);
  victim[at] = 'X';
  ASSERT_TRUE(EventView::Parse(victim).ok());  // still well-formed, only the hash disagrees

  auto r = b_->AppendReplicated(events);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
  ExpectUnchanged(last, heads);

  // Bytes that are not an event at all.
  auto junk = b_->AppendReplicated({std::string("definitely not an event")});
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().code(), StatusCode::kCorruption);
  ExpectUnchanged(last, heads);
}

// Re-seals `original` with another payload: same origin, seq and prev_hash, a valid own hash.
std::string Fork(const std::string& original, int article) {
  EventView event = View(original);
  const std::vector<uint8_t> payload = EncodeArticle(SampleArticle(article), true);
  EventBodyFields fields;
  fields.origin = event.origin();
  fields.origin_seq = event.origin_seq();
  fields.stream = event.stream();
  fields.stream_version = event.stream_version();
  fields.type = static_cast<uint32_t>(EventType::kArticleChanged);
  fields.hlc = event.hlc();
  fields.wall_time_us = event.wall_time_us();
  fields.user = event.user();
  fields.prev_hash = event.prev_hash();
  fields.payload = payload;
  return SealEvent(fields).bytes;
}

TEST_F(EventStoreReplication, ForkedEventIsRefused) {
  ASSERT_TRUE(b_->AppendReplicated(AEvents(1, 4)).ok());
  const uint64_t last = b_->LastSequence();
  const ChainHeads heads = b_->Heads();

  // A fork of an event B already holds (seq 3): same origin/seq, other body.
  const std::string fork3 = Fork(a_events_[2], 777);
  EventView fork_view = View(fork3);
  ASSERT_TRUE(fork_view.VerifyHash().ok());
  ASSERT_EQ(fork_view.origin_seq(), 3u);
  ASSERT_NE(fork_view.hash(), View(a_events_[2]).hash());

  auto stored_fork = b_->AppendReplicated({fork3});
  ASSERT_FALSE(stored_fork.ok());
  EXPECT_EQ(stored_fork.status().code(), StatusCode::kCorruption) << stored_fork.status().ToString();
  ExpectUnchanged(last, heads);

  // A fork mixed into a request with new events refuses them all.
  std::vector<std::string> mixed = AEvents(5, 6);
  mixed.insert(mixed.begin(), fork3);
  auto mixed_r = b_->AppendReplicated(mixed);
  ASSERT_FALSE(mixed_r.ok());
  EXPECT_EQ(mixed_r.status().code(), StatusCode::kCorruption);
  ExpectUnchanged(last, heads);

  // Within one request: the real event 5 and then a fork of it.
  std::vector<std::string> both = AEvents(5, 5);
  both.push_back(Fork(a_events_[4], 778));
  auto in_batch = b_->AppendReplicated(both);
  ASSERT_FALSE(in_batch.ok());
  EXPECT_EQ(in_batch.status().code(), StatusCode::kCorruption) << in_batch.status().ToString();
  ExpectUnchanged(last, heads);

  // A next event (seq 5) whose prev_hash does not link to the stored head.
  EventView e5 = View(a_events_[4]);
  const std::vector<uint8_t> payload = EncodeArticle(SampleArticle(5), true);
  const std::string wrong_prev(kHashSize, '\x42');
  EventBodyFields fields;
  fields.origin = e5.origin();
  fields.origin_seq = 5;
  fields.stream = e5.stream();
  fields.stream_version = e5.stream_version();
  fields.type = static_cast<uint32_t>(EventType::kArticleChanged);
  fields.hlc = e5.hlc();
  fields.wall_time_us = e5.wall_time_us();
  fields.prev_hash = wrong_prev;
  fields.payload = payload;
  auto unlinked = b_->AppendReplicated({SealEvent(fields).bytes});
  ASSERT_FALSE(unlinked.ok());
  EXPECT_EQ(unlinked.status().code(), StatusCode::kCorruption) << unlinked.status().ToString();
  ExpectUnchanged(last, heads);

  auto report = VerifyChains(*b_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST_F(EventStoreReplication, ReplicatingBackToTheOriginIsAllDuplicates) {
  ASSERT_TRUE(b_->AppendReplicated(a_events_).ok());
  // A receives everything B holds: its own events are duplicates, B's are new.
  const uint64_t a_last = a_->LastSequence();
  auto r = a_->AppendReplicated(EventBytes(Log(*b_)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->appended, 2u);
  EXPECT_EQ(r->duplicates, 7u);
  EXPECT_EQ(a_->LastSequence(), a_last + 2);
  auto heads = a_->Heads();
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_EQ(heads[b_->node_id()].seq, 2u);
  EXPECT_EQ(heads[a_->node_id()].seq, 7u);
}

// ---------------------------------------------------------------- reopen

TEST(EventStoreReopen, KeepsEverything) {
  ScratchDir dir;
  std::string node_id, a_id;
  uint64_t last = 0;
  ChainHeads heads;
  std::vector<std::string> log_before;
  {
    auto a = MustCreate(dir.Sub("a"), "node-a");
    auto b = MustCreate(dir.Sub("b"), "node-b");
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(a->Append(Batch(ArticleStream("A"), kNoStream, {ArticleCreated(1), ArticleChanged(2)})).ok());
    ASSERT_TRUE(b->AppendReplicated(EventBytes(Log(*a))).ok());
    ASSERT_TRUE(b->Append(Batch(ArticleStream("B"), kNoStream, {ArticleCreated(3)})).ok());
    node_id = b->node_id();
    a_id = a->node_id();
    last = b->LastSequence();
    heads = b->Heads();
    log_before = EventBytes(Log(*b));
  }
  auto store = MustOpen(dir.Sub("b"));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->node_id(), node_id);
  EXPECT_EQ(store->node_name(), "node-b");
  EXPECT_EQ(store->LastSequence(), last);
  EXPECT_EQ(EventBytes(Log(*store)), log_before);
  auto now = store->Heads();
  ASSERT_EQ(now.size(), 2u);
  for (const auto& [origin, head] : heads) {
    EXPECT_EQ(now[origin].seq, head.seq);
    EXPECT_EQ(now[origin].hash, head.hash);
  }
  EXPECT_EQ(*store->StreamVersion(ArticleStream("A")), 2u);

  // Appending continues every sequence where it was.
  auto r = store->Append(Batch(ArticleStream("B"), 1, {ArticleChanged(4)}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_local_seq, last + 1);
  EXPECT_EQ(r->first_origin_seq, heads[node_id].seq + 1);
  EXPECT_EQ(r->stream_version, 2u);
  auto appended_bytes = store->ReadEvent(last + 1);
  ASSERT_TRUE(appended_bytes.ok());
  EXPECT_EQ(View(*appended_bytes).prev_hash(), heads[node_id].hash);
  // Replicated duplicates are still recognised after reopening.
  auto dup = store->AppendReplicated({log_before[2]});
  ASSERT_TRUE(dup.ok()) << dup.status().ToString();
  EXPECT_EQ(dup->duplicates, 1u);
  EXPECT_EQ(store->LastSequence(), last + 1);

  auto report = VerifyChains(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events_checked, last + 1);
}

// ---------------------------------------------------------------- open errors

TEST(EventStoreOpen, MissingDirectoryIsNotFound) {
  ScratchDir dir;
  auto opened = EventStore::Open(dir.Sub("nothing"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kNotFound) << opened.status().ToString();
  EXPECT_FALSE(fs::exists(dir.Sub("nothing")));
}

TEST(EventStoreOpen, EmptyDirectoryIsInvalidArgumentAndStaysEmpty) {
  ScratchDir dir;
  auto opened = EventStore::Open(dir.path().string());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument) << opened.status().ToString();
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(EventStoreOpen, DirectoryWithOtherFilesIsInvalidArgumentAndUntouched) {
  ScratchDir dir;
  { std::ofstream(dir.path() / "readme.txt") << "not a store"; }
  fs::create_directory(dir.path() / "sub");
  { std::ofstream(dir.path() / "sub" / "data.bin") << "1234"; }
  const auto before = DirectoryListing(dir.path());
  auto opened = EventStore::Open(dir.path().string());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument) << opened.status().ToString();
  EXPECT_EQ(DirectoryListing(dir.path()), before);
}

TEST(EventStoreOpen, RegularFileIsInvalidArgument) {
  ScratchDir dir;
  { std::ofstream(dir.path() / "file") << "x"; }
  auto opened = EventStore::Open(dir.Sub("file"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument) << opened.status().ToString();
}

TEST(EventStoreOpen, PlainRocksDbIsInvalidArgument) {
  ScratchDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.Sub("plain"), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "key", "value").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto opened = EventStore::Open(dir.Sub("plain"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument) << opened.status().ToString();
}

TEST(EventStoreOpen, SecondOpenIsBusy) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("store"));
  ASSERT_TRUE(store);
  auto second = EventStore::Open(dir.Sub("store"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy) << second.status().ToString();
  EXPECT_NE(second.status().message().find("another process"), std::string::npos) << second.status().message();
  // The first instance is unaffected.
  EXPECT_TRUE(store->Append(Batch(ArticleStream("A"), kNoStream, {ArticleCreated(1)})).ok());
  // After closing, it opens again.
  store.reset();
  auto third = EventStore::Open(dir.Sub("store"));
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ((*third)->LastSequence(), 2u);
}

TEST(EventStoreOpen, NewerSchemaIsUnsupported) {
  ScratchDir dir;
  {
    auto store = MustCreate(dir.Sub("store"));
    ASSERT_TRUE(store);
  }
  {
    RawDb raw(dir.Sub("store"));
    ASSERT_TRUE(raw.ok());
    std::string version;
    AppendBigEndian32(version, layout::kSchemaVersion + 1);
    ASSERT_TRUE(raw.db()
                    ->Put(rocksdb::WriteOptions(), raw.Family(layout::kMetaFamily),
                          std::string(layout::kMetaSchemaVersion), version)
                    .ok());
  }
  auto opened = EventStore::Open(dir.Sub("store"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnsupported) << opened.status().ToString();

  // Putting the version back makes it open again (the failed open harmed nothing).
  {
    RawDb raw(dir.Sub("store"));
    ASSERT_TRUE(raw.ok());
    std::string version;
    AppendBigEndian32(version, layout::kSchemaVersion);
    ASSERT_TRUE(raw.db()
                    ->Put(rocksdb::WriteOptions(), raw.Family(layout::kMetaFamily),
                          std::string(layout::kMetaSchemaVersion), version)
                    .ok());
  }
  auto again = EventStore::Open(dir.Sub("store"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->LastSequence(), 1u);
}

// ---------------------------------------------------------------- pipelining

TEST(EventStorePipelined, SealedBytesAreFinalAndDurabilityIsReportedInOrder) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("db"));
  ASSERT_NE(store, nullptr);
  const uint64_t head = store->Heads().at(store->node_id()).seq;
  std::mutex mutex;
  std::vector<std::pair<int, Result<AppendReceipt>>> reported;
  std::vector<SealedAppend> sealed;
  // Three appends to one stream, each expecting the version the previous one
  // leads to although none is durable yet: the check counts in-flight appends.
  for (int i = 0; i < 3; ++i) {
    const uint64_t expected = i == 0 ? kNoStream : static_cast<uint64_t>(i);
    auto result = store->AppendPipelined(
        Batch(ArticleStream("A1"), expected, {i == 0 ? ArticleCreated(1) : ArticleChanged(1)}),
        [&, i](const Result<AppendReceipt>& outcome) {
          std::lock_guard lock(mutex);
          reported.emplace_back(i, outcome);
        });
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->first_origin_seq, head + 1 + static_cast<uint64_t>(i));
    EXPECT_EQ(result->stream_version, static_cast<uint64_t>(i) + 1);
    sealed.push_back(std::move(result).value());
  }
  // A stale expectation is refused at once and queues nothing.
  auto stale = store->AppendPipelined(Batch(ArticleStream("A1"), 1, {ArticleChanged(1)}), {});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kConflict);
  // A plain Append after them waits for its own durability, hence theirs.
  auto after = store->Append(Batch(ArticleStream("A2"), kNoStream, {ArticleCreated(2)}));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(reported.size(), 3u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(reported[i].first, i);
      ASSERT_TRUE(reported[i].second.ok()) << reported[i].second.status().ToString();
    }
  }
  // What was sealed is exactly what is stored, chained in order.
  const auto stream = Stream(*store, ArticleStream("A1"));
  ASSERT_EQ(stream.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(sealed[i].events.size(), 1u);
    EXPECT_EQ(stream[i].bytes, sealed[i].events[0]);
  }
  auto report = VerifyChains(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(EventStorePipelined, AFailedCommitStopsTheStoreUntilReopenedAndLosesNothingDurable) {
  ScratchDir dir;
  const std::string path = dir.Sub("db");
  uint64_t durable_events = 0;
  {
    auto store = MustCreate(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Append(Batch(ArticleStream("A1"), kNoStream, {ArticleCreated(1)})).ok());
    durable_events = store->LastSequence();
    std::atomic<bool> fail{true};
    store->SetPreCommitHook([&] { return fail ? Status::IoError("the TSE journal is on a full disk") : Status::Ok(); });
    std::promise<Status> first_outcome;
    auto sealed = store->AppendPipelined(Batch(ArticleStream("A2"), kNoStream, {ArticleCreated(2)}),
                                         [&](const Result<AppendReceipt>& outcome) {
                                           first_outcome.set_value(outcome.status());
                                         });
    ASSERT_TRUE(sealed.ok());
    const Status failed = first_outcome.get_future().get();
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.message().find("full disk"), std::string::npos) << failed.ToString();
    // Fail-stop: later appends are refused, even once the hook would pass.
    fail = false;
    auto later = store->Append(Batch(ArticleStream("A3"), kNoStream, {ArticleCreated(3)}));
    ASSERT_FALSE(later.ok());
    EXPECT_NE(later.status().message().find("reopen"), std::string::npos) << later.status().ToString();
    EXPECT_EQ(store->LastSequence(), durable_events);
  }
  auto reopened = MustOpen(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->LastSequence(), durable_events);
  EXPECT_EQ(*reopened->StreamVersion(ArticleStream("A2")), 0u);
  auto again = reopened->Append(Batch(ArticleStream("A2"), kNoStream, {ArticleCreated(2)}));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto report = VerifyChains(*reopened);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(EventStorePipelined, ThePreCommitHookRunsBeforeTheEventsAreWritten) {
  ScratchDir dir;
  auto store = MustCreate(dir.Sub("db"));
  ASSERT_NE(store, nullptr);
  std::atomic<uint64_t> seen_at_hook{UINT64_MAX};
  EventStore* raw = store.get();
  store->SetPreCommitHook([&] {
    seen_at_hook = raw->LastSequence();
    return Status::Ok();
  });
  const uint64_t before = store->LastSequence();
  auto appended = store->Append(Batch(ArticleStream("A1"), kNoStream, {ArticleCreated(1)}));
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(seen_at_hook.load(), before);  // the hook ran while the event was not yet committed
  EXPECT_EQ(store->LastSequence(), before + 1);
}

TEST(EventStorePipelined, ReplicatingThisNodesOwnUnknownEventsBackIsRefused) {
  ScratchDir dir;
  std::string later_event;
  {
    auto original = MustCreate(dir.Sub("a"));
    ASSERT_NE(original, nullptr);
    ASSERT_TRUE(original->Append(Batch(ArticleStream("A1"), kNoStream, {ArticleCreated(1)})).ok());
  }
  // An old copy of the node (as after restoring an old backup), then the original goes on.
  fs::copy(dir.Sub("a"), dir.Sub("old-copy"), fs::copy_options::recursive);
  {
    auto original = MustOpen(dir.Sub("a"));
    ASSERT_NE(original, nullptr);
    ASSERT_TRUE(original->Append(Batch(ArticleStream("A2"), kNoStream, {ArticleCreated(2)})).ok());
    later_event = Log(*original).back().bytes;
  }
  auto old_copy = MustOpen(dir.Sub("old-copy"));
  ASSERT_NE(old_copy, nullptr);
  const uint64_t before = old_copy->LastSequence();
  // Sealing locally would fork the chain at the same seq: its own events never come back by replication.
  auto refused = old_copy->AppendReplicated({later_event});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption);
  EXPECT_NE(refused.status().message().find("own origin"), std::string::npos) << refused.status().ToString();
  EXPECT_EQ(old_copy->LastSequence(), before);
}

}  // namespace
}  // namespace pos
