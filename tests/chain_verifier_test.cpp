// VerifyChains on real stores: an untouched store verifies; tampering with the
// RocksDB underneath (changed bytes, deleted, swapped or forged events, a wrong
// chain head) is found at exactly the first bad position.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/bytes.h"
#include "engine/chain_verifier.h"
#include "engine/event_store.h"
#include "engine/store_layout.h"
#include "events/event_encoding.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/master_data.h"
#include "tests/raw_db.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using pos::testing::ScratchDir;

Article SampleArticle(int i) {
  Article article;
  article.code = "A" + std::to_string(i);
  article.name = "Article number " + std::to_string(i);
  article.gross_price = 250 + i;
  article.tax_rate = "STD";
  article.group = "drinks";
  return article;
}

NewEvent ArticleChanged(int i) { return NewEvent{EventType::kArticleChanged, EncodeArticle(SampleArticle(i), true)}; }

AppendBatch Batch(const std::string& stream, std::vector<NewEvent> events) {
  AppendBatch batch;
  batch.stream = stream;
  batch.expected_version = kAnyVersion;
  batch.events = std::move(events);
  return batch;
}

std::unique_ptr<EventStore> MustCreate(const std::string& path, const std::string& name) {
  CreateStoreOptions create;
  create.node_name = name;
  auto created = EventStore::Create(path, create);
  if (!created.ok()) {
    ADD_FAILURE() << created.status().ToString();
    return nullptr;
  }
  return std::move(created).value();
}

std::unique_ptr<EventStore> MustOpen(const std::string& path) {
  auto opened = EventStore::Open(path);
  if (!opened.ok()) {
    ADD_FAILURE() << opened.status().ToString();
    return nullptr;
  }
  return std::move(opened).value();
}

std::vector<std::string> LogBytes(const EventStore& store) {
  std::vector<std::string> out;
  EXPECT_TRUE(store.ScanLog(1, UINT64_MAX, [&](uint64_t, std::string_view bytes) {
                     out.emplace_back(bytes);
                     return true;
                   })
                  .ok());
  return out;
}

// Appends `count` single-event batches over a few streams.
void AppendMany(EventStore& store, int count, int salt = 0) {
  for (int i = 0; i < count; ++i) {
    auto r = store.Append(Batch(ArticleStream("S" + std::to_string(i % 3)), {ArticleChanged(salt + i)}));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

ChainVerification MustVerify(const EventStore& store) {
  auto report = VerifyChains(store);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  if (!report.ok()) return ChainVerification{};
  return *report;
}

using testing::RawDb;

// A single-origin store of 1 + 24 events at dir/store, closed.
class ChainVerifierTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kEvents = 25;

  void SetUp() override {
    path_ = dir_.Sub("store");
    auto store = MustCreate(path_, "till-1");
    ASSERT_TRUE(store);
    AppendMany(*store, static_cast<int>(kEvents - 1));
    ASSERT_EQ(store->LastSequence(), kEvents);
    node_id_ = store->node_id();
    original_ = LogBytes(*store);
  }

  ScratchDir dir_;
  std::string path_;
  std::string node_id_;
  std::vector<std::string> original_;
};

TEST_F(ChainVerifierTest, UntouchedStoreVerifies) {
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  uint64_t progress_checked = 0, progress_last = 0;
  int progress_calls = 0;
  auto report = VerifyChains(*store, [&](uint64_t checked, uint64_t last) {
    progress_checked = checked;
    progress_last = last;
    ++progress_calls;
  });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events_checked, store->LastSequence());
  EXPECT_EQ(report->events_checked, kEvents);
  EXPECT_EQ(report->origins, 1u);
  EXPECT_TRUE(report->problem.empty());
  EXPECT_EQ(report->bad_local_seq, 0u);
  EXPECT_GE(progress_calls, 1);
  EXPECT_EQ(progress_checked, kEvents);
  EXPECT_EQ(progress_last, kEvents);
}

TEST_F(ChainVerifierTest, ChangedPayloadByteIsTampering) {
  constexpr uint64_t k = 13;
  {
    RawDb raw(path_);
    std::string value = raw.Get(layout::kLogFamily, layout::LogKey(k));
    ASSERT_EQ(value, original_[k - 1]);
    const size_t at = value.find("Article number");
    ASSERT_NE(at, std::string::npos);
    value[at + 3] = static_cast<char>(value[at + 3] ^ 0x01);
    ASSERT_TRUE(EventView::Parse(value).ok());  // still well-formed
    raw.Put(layout::kLogFamily, layout::LogKey(k), value);
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, k);
  EXPECT_EQ(report.bad_origin, node_id_);
  EXPECT_EQ(report.bad_origin_seq, k);
  EXPECT_EQ(report.events_checked, k - 1);
  EXPECT_NE(report.problem.find("tampered"), std::string::npos) << report.problem;
}

TEST_F(ChainVerifierTest, ChangedHashByteIsTampering) {
  constexpr uint64_t k = 7;
  {
    RawDb raw(path_);
    std::string value = raw.Get(layout::kLogFamily, layout::LogKey(k));
    auto parsed = EventView::Parse(value);
    ASSERT_TRUE(parsed.ok());
    const size_t at = value.find(std::string(parsed->hash()));
    ASSERT_NE(at, std::string::npos);
    value[at + 31] = static_cast<char>(value[at + 31] ^ 0x80);
    raw.Put(layout::kLogFamily, layout::LogKey(k), value);
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, k);
  EXPECT_EQ(report.bad_origin, node_id_);
  EXPECT_EQ(report.bad_origin_seq, k);
}

TEST_F(ChainVerifierTest, UnparsableEventIsFoundWithUnknownOrigin) {
  constexpr uint64_t k = 10;
  {
    RawDb raw(path_);
    std::string value = raw.Get(layout::kLogFamily, layout::LogKey(k));
    value.resize(value.size() / 3);
    raw.Put(layout::kLogFamily, layout::LogKey(k), value);
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, k);
  // Named through the by_origin index, which still points at the damaged event.
  EXPECT_EQ(report.bad_origin, node_id_);
  EXPECT_EQ(report.bad_origin_seq, k);
}

TEST_F(ChainVerifierTest, DeletedEventIsMissing) {
  constexpr uint64_t k = 11;
  {
    RawDb raw(path_);
    raw.Delete(layout::kLogFamily, layout::LogKey(k));
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->LastSequence(), kEvents);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, k);
  // The log alone does not say whose event is missing; the by_origin index does.
  EXPECT_EQ(report.bad_origin, node_id_);
  EXPECT_EQ(report.bad_origin_seq, k);
  EXPECT_EQ(report.events_checked, k - 1);
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;
}

TEST_F(ChainVerifierTest, DeletedFirstEventIsMissing) {
  {
    RawDb raw(path_);
    raw.Delete(layout::kLogFamily, layout::LogKey(1));
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, 1u);
  EXPECT_EQ(report.events_checked, 0u);
}

TEST_F(ChainVerifierTest, DeletedLastEventIsMissingAtTheChainsEnd) {
  {
    RawDb raw(path_);
    raw.Delete(layout::kLogFamily, layout::LogKey(kEvents));
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  // The log now ends one earlier, but the stored chain head still says kEvents.
  EXPECT_EQ(store->LastSequence(), kEvents - 1);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, 0u);
  EXPECT_EQ(report.bad_origin, node_id_);
  EXPECT_EQ(report.bad_origin_seq, kEvents);
  EXPECT_EQ(report.events_checked, kEvents - 1);
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;
}

TEST_F(ChainVerifierTest, SwappedEventsAreReordered) {
  constexpr uint64_t k = 16;
  {
    RawDb raw(path_);
    const std::string a = raw.Get(layout::kLogFamily, layout::LogKey(k));
    const std::string b = raw.Get(layout::kLogFamily, layout::LogKey(k + 1));
    raw.Put(layout::kLogFamily, layout::LogKey(k), b);
    raw.Put(layout::kLogFamily, layout::LogKey(k + 1), a);
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, k);
  EXPECT_EQ(report.bad_origin, node_id_);
  EXPECT_EQ(report.bad_origin_seq, k);  // seq k was expected there
  EXPECT_EQ(report.events_checked, k - 1);
}

TEST_F(ChainVerifierTest, ResealedForgeryBreaksTheLinkOfTheNextEvent) {
  constexpr uint64_t k = 9;
  {
    RawDb raw(path_);
    const std::string value = raw.Get(layout::kLogFamily, layout::LogKey(k));
    auto parsed = EventView::Parse(value);
    ASSERT_TRUE(parsed.ok());
    const EventView& event = *parsed;
    // A forger rewrites the event with another payload and a correct own hash.
    const std::vector<uint8_t> payload = EncodeArticle(SampleArticle(999), true);
    EventBodyFields fields;
    fields.origin = event.origin();
    fields.origin_seq = event.origin_seq();
    fields.stream = event.stream();
    fields.stream_version = event.stream_version();
    fields.type = event.type();
    fields.hlc = event.hlc();
    fields.wall_time_us = event.wall_time_us();
    fields.user = event.user();
    fields.prev_hash = event.prev_hash();
    fields.payload = payload;
    const std::string forged = SealEvent(fields).bytes;
    ASSERT_NE(forged, value);
    raw.Put(layout::kLogFamily, layout::LogKey(k), forged);
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, k + 1);
  EXPECT_EQ(report.bad_origin, node_id_);
  EXPECT_EQ(report.bad_origin_seq, k + 1);
  EXPECT_EQ(report.events_checked, k);
  EXPECT_NE(report.problem.find("previous hash"), std::string::npos) << report.problem;
}

TEST_F(ChainVerifierTest, WrongChainHeadIsFound) {
  {
    RawDb raw(path_);
    std::string head = raw.Get(layout::kMetaFamily, layout::HeadKey(node_id_));
    ASSERT_EQ(head.size(), 8 + kHashSize);
    head[8] = static_cast<char>(head[8] ^ 0x01);
    raw.Put(layout::kMetaFamily, layout::HeadKey(node_id_), head);
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, 0u);
  EXPECT_EQ(report.bad_origin, node_id_);
  EXPECT_EQ(report.bad_origin_seq, kEvents);
  EXPECT_EQ(report.events_checked, kEvents);
}

TEST_F(ChainVerifierTest, OnlyTheFirstOfSeveralProblemsIsReported) {
  {
    RawDb raw(path_);
    raw.Delete(layout::kLogFamily, layout::LogKey(20));
    std::string value = raw.Get(layout::kLogFamily, layout::LogKey(5));
    const size_t at = value.find("Article number");
    ASSERT_NE(at, std::string::npos);
    value[at] = 'a';
    raw.Put(layout::kLogFamily, layout::LogKey(5), value);
  }
  auto store = MustOpen(path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, 5u);
  EXPECT_EQ(report.bad_origin_seq, 5u);
}

// Store B holds its own events and, interleaved, replicated events of A.
class ReplicatedChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    b_path_ = dir_.Sub("b");
    auto a = MustCreate(dir_.Sub("a"), "node-a");
    auto b = MustCreate(b_path_, "node-b");
    ASSERT_TRUE(a && b);
    AppendMany(*a, 11, 100);  // A: seq 1..12
    const std::vector<std::string> a_events = LogBytes(*a);
    ASSERT_EQ(a_events.size(), 12u);
    AppendMany(*b, 3, 200);  // B: seq 1..4 at local 1..4
    ASSERT_TRUE(b->AppendReplicated({a_events.begin(), a_events.begin() + 5}).ok());  // A 1..5 at local 5..9
    AppendMany(*b, 2, 300);  // B 5..6 at local 10..11
    ASSERT_TRUE(b->AppendReplicated({a_events.begin() + 5, a_events.end()}).ok());  // A 6..12 at local 12..18
    AppendMany(*b, 2, 400);  // B 7..8 at local 19..20
    ASSERT_EQ(b->LastSequence(), 20u);
    a_id_ = a->node_id();
    b_id_ = b->node_id();
    ChainVerification clean = MustVerify(*b);
    ASSERT_TRUE(clean.ok) << clean.problem;
    ASSERT_EQ(clean.origins, 2u);
    // Where B stores A's seq 8.
    ASSERT_TRUE(b->ScanOrigin(a_id_, 8, [&](uint64_t local, std::string_view) {
                   a8_local_ = local;
                   return false;
                 }).ok());
    ASSERT_EQ(a8_local_, 14u);
  }

  ScratchDir dir_;
  std::string b_path_;
  std::string a_id_, b_id_;
  uint64_t a8_local_ = 0;
};

TEST_F(ReplicatedChainTest, TamperedReplicatedEventNamesItsOrigin) {
  {
    RawDb raw(b_path_);
    std::string value = raw.Get(layout::kLogFamily, layout::LogKey(a8_local_));
    auto parsed = EventView::Parse(value);
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(parsed->origin(), a_id_);
    ASSERT_EQ(parsed->origin_seq(), 8u);
    const size_t at = value.find("Article number");
    ASSERT_NE(at, std::string::npos);
    value[at + 1] = 'R';
    raw.Put(layout::kLogFamily, layout::LogKey(a8_local_), value);
  }
  auto store = MustOpen(b_path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, a8_local_);
  EXPECT_EQ(report.bad_origin, a_id_);
  EXPECT_EQ(report.bad_origin_seq, 8u);
  EXPECT_EQ(report.events_checked, a8_local_ - 1);
}

TEST_F(ReplicatedChainTest, DeletedReplicatedEventIsMissing) {
  {
    RawDb raw(b_path_);
    raw.Delete(layout::kLogFamily, layout::LogKey(a8_local_));
  }
  auto store = MustOpen(b_path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, a8_local_);
}

TEST_F(ReplicatedChainTest, SwappingEventsOfTwoOriginsBreaksTheOriginIndex) {
  // Local 11 is B's seq 6 and local 12 is A's seq 6: swapped, each chain still
  // sees its own events in order, but the origin index no longer points at them.
  {
    RawDb raw(b_path_);
    const std::string b6 = raw.Get(layout::kLogFamily, layout::LogKey(11));
    const std::string a6 = raw.Get(layout::kLogFamily, layout::LogKey(12));
    auto b6_view = EventView::Parse(b6);
    auto a6_view = EventView::Parse(a6);
    ASSERT_TRUE(b6_view.ok() && a6_view.ok());
    ASSERT_EQ(b6_view->origin(), b_id_);
    ASSERT_EQ(b6_view->origin_seq(), 6u);
    ASSERT_EQ(a6_view->origin(), a_id_);
    ASSERT_EQ(a6_view->origin_seq(), 6u);
    raw.Put(layout::kLogFamily, layout::LogKey(11), a6);
    raw.Put(layout::kLogFamily, layout::LogKey(12), b6);
  }
  auto store = MustOpen(b_path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_local_seq, 11u);
  EXPECT_EQ(report.bad_origin, a_id_);
  EXPECT_EQ(report.bad_origin_seq, 6u);
  EXPECT_EQ(report.events_checked, 10u);
}

TEST_F(ReplicatedChainTest, MissingTailOfAReplicatedChain) {
  // Drop A's last event (local 18) from the log and the origin index.
  {
    RawDb raw(b_path_);
    raw.Delete(layout::kLogFamily, layout::LogKey(18));
    raw.Delete(layout::kByOriginFamily, layout::OriginKey(a_id_, 12));
  }
  auto store = MustOpen(b_path_);
  ASSERT_TRUE(store);
  ChainVerification report = MustVerify(*store);
  EXPECT_FALSE(report.ok);
  // The log has a hole at local 18 (local 19 and 20 follow).
  EXPECT_EQ(report.bad_local_seq, 18u);
}

}  // namespace
}  // namespace pos
