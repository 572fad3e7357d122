// The domain rules of sync on real RocksDB stores (docs/sync.md): master data
// last-writer-wins by (HLC, origin) in any arrival order, the HLC after ingest
// and restart, receipt hand-over through the hub's arbiter (including a race of
// two tills for one receipt), the stale till, and the hub's projections.
//
// Replication between the stores is done here by copying each origin's chain
// with AppendReplicated, as the sync protocol does over the wire.
#include <gtest/gtest.h>

#include <barrier>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "domain/fiscal/kassenbeleg.h"
#include "domain/master_data_service.h"
#include "domain/receipt_handover.h"
#include "domain/register_service.h"
#include "engine/bytes.h"
#include "engine/pin_hash.h"
#include "events/backup_generated.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/handover_generated.h"
#include "events/master_data_generated.h"
#include "projections/hub_projections.h"
#include "projections/builtin_projections.h"
#include "projections/catalog.h"
#include "projections/receipt_journal.h"
#include "projections/site_totals.h"
#include "projections/till_status.h"
#include "projections/z_reports.h"
#include "sync/handover_arbiter.h"
#include "sync/local_history.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using testing::ScratchDir;

constexpr int64_t kDay = 1'763'942'400'000'000;  // 2025-11-24T00:00:00Z in µs
constexpr int64_t kSecond = 1'000'000;

// One node (till or hub) on a real store, with its projections and, for a till, its register.
struct Node {
  std::string path;
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<ProjectionRunner> runner;
  std::unique_ptr<RegisterService> svc;
  bool hub = false;

  Status Start() {
    runner = std::make_unique<ProjectionRunner>(*store);
    POS_RETURN_IF_ERROR(hub ? RegisterHubProjections(*runner) : RegisterBuiltinProjections(*runner));
    POS_RETURN_IF_ERROR(runner->CatchUp());
    if (!hub) {
      POS_ASSIGN_OR_RETURN(svc, RegisterService::Load(*store, *runner, clock));
    }
    return Status::Ok();
  }
  void Close() {
    svc.reset();
    runner.reset();
    store.reset();
  }
  Status Reopen() {
    Close();
    POS_ASSIGN_OR_RETURN(store, EventStore::Open(path, {.clock = clock}));
    return Start();
  }
  CatalogView Catalog() const { return CatalogView(*runner->Reader(CatalogProjection::kName)); }
};

std::unique_ptr<Node> MakeNode(const ScratchDir& dir, const std::string& name, int64_t now_us, bool hub = false) {
  auto node = std::make_unique<Node>();
  node->path = dir.Sub(name);
  node->clock = std::make_shared<ManualClock>(now_us);
  node->hub = hub;
  auto store = EventStore::Create(node->path, {.node_name = name, .hub = hub}, {.clock = node->clock});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return nullptr;
  node->store = std::move(store).value();
  Status started = node->Start();
  EXPECT_TRUE(started.ok()) << started.ToString();
  return started.ok() ? std::move(node) : nullptr;
}

// Copies to `to` every event of `from` it lacks, one origin chain after the
// other in `origin_order` (node ids; origins not named follow in id order).
// Hub accounts never leave the hub.
Status Replicate(Node& from, Node& to, const std::vector<std::string>& origin_order = {}) {
  const ChainHeads theirs = from.store->Heads();
  const ChainHeads ours = to.store->Heads();
  std::vector<std::string> origins = origin_order;
  for (const auto& [origin, head] : theirs) {
    if (std::find(origins.begin(), origins.end(), origin) == origins.end()) origins.push_back(origin);
  }
  for (const std::string& origin : origins) {
    if (!theirs.contains(origin)) continue;
    auto held = ours.find(origin);
    const uint64_t from_seq = held == ours.end() ? 1 : held->second.seq + 1;
    std::vector<std::string> events;
    POS_RETURN_IF_ERROR(from.store->ScanOrigin(origin, from_seq, [&](uint64_t, std::string_view bytes) {
      auto view = EventView::Parse(bytes);
      const EventTypeInfo* info = view.ok() ? FindEventType(view->type()) : nullptr;
      if (info == nullptr || info->category != EventCategory::kAccount) events.emplace_back(bytes);
      return true;
    }));
    if (events.empty()) continue;
    POS_RETURN_IF_ERROR(to.store->AppendReplicated(std::move(events)).status());
  }
  POS_RETURN_IF_ERROR(to.runner->CatchUp());
  return Status::Ok();
}

// Every key and value of the catalog projection, without the runner's reserved keys.
std::map<std::string, std::string> CatalogContents(const Node& node) {
  std::map<std::string, std::string> out;
  auto reader = node.runner->Reader(CatalogProjection::kName);
  EXPECT_TRUE(reader.ok());
  Status s = reader->ScanPrefix("", [&](std::string_view key, std::string_view value) {
    if (!key.empty() && key[0] != '\0') out.emplace(key, value);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// The names of every ArticleCreated/ArticleChanged of `code` in the log.
std::vector<std::string> ArticleNamesInLog(const EventStore& store, const std::string& code) {
  std::vector<std::string> names;
  Status s = store.ScanStream(ArticleStream(code), 1, [&](uint64_t, std::string_view bytes) {
    auto view = EventView::Parse(bytes);
    if (!view.ok()) return false;
    auto article = DecodeArticle(view->type(), view->payload());
    if (article.ok()) names.push_back(article->name);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return names;
}

Status SeedCatalog(Node& node) {
  MasterDataService master(*node.store, *node.runner);
  POS_RETURN_IF_ERROR(master.AddTaxRate({"A", "Standard", 1900}, "root"));
  POS_RETURN_IF_ERROR(master.AddTaxRate({"B", "Reduced", 700}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1001", "Coffee", 250, "A", "drinks", {"4000001"}}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1002", "Bread", 390, "B", "bakery", {"4000002"}}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1003", "Wine", 1190, "A", "drinks", {}}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1004", "Apple", 107, "B", "fruit", {}}, "root"));
  for (const auto& [id, pin, role] : std::vector<std::tuple<std::string, std::string, UserRole>>{
           {"anna", "1111", UserRole::kCashier}, {"ben", "4444", UserRole::kCashier}, {"root", "3333", UserRole::kAdmin}}) {
    POS_ASSIGN_OR_RETURN(std::string hash, HashSecret(pin, 1000));
    POS_RETURN_IF_ERROR(master.AddUser({id, id, role, hash}, "root"));
  }
  return Status::Ok();
}

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

// ---- Master data: last writer wins by (HLC, origin), in any arrival order ----

class MasterDataConvergenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two writers (tills X and Y) and two readers (P and Q) of the same events.
    x_ = MakeNode(dir_, "till-x", kDay + 8 * 3600 * kSecond);
    y_ = MakeNode(dir_, "till-y", kDay + 8 * 3600 * kSecond);
    p_ = MakeNode(dir_, "till-p", kDay + 8 * 3600 * kSecond);
    q_ = MakeNode(dir_, "till-q", kDay + 8 * 3600 * kSecond);
    ASSERT_TRUE(x_ && y_ && p_ && q_);
    Status seeded = SeedCatalog(*x_);
    ASSERT_TRUE(seeded.ok()) << seeded.ToString();
    ASSERT_TRUE(Replicate(*x_, *y_).ok());
  }

  Status Change(Node& node, const Article& article) {
    MasterDataService master(*node.store, *node.runner);
    return master.ChangeArticle(article, "root");
  }

  ScratchDir dir_;
  std::unique_ptr<Node> x_, y_, p_, q_;
};

TEST_F(MasterDataConvergenceTest, TwoTillsReceivingTheSameEventsInDifferentOrdersHoldTheSameCatalog) {
  // Concurrent changes (neither till has seen the other's): Y's are later by HLC.
  x_->clock->Advance(10 * kSecond);
  y_->clock->Advance(20 * kSecond);
  ASSERT_TRUE(Change(*x_, {"1001", "Coffee small", 220, "A", "drinks", {"4000001"}}).ok());
  ASSERT_TRUE(Change(*y_, {"1001", "Coffee large", 300, "A", "drinks", {"4000001"}}).ok());
  // Both give barcode 777 to a different article: the later change owns it.
  ASSERT_TRUE(Change(*x_, {"1003", "Wine", 1190, "A", "drinks", {"777"}}).ok());
  ASSERT_TRUE(Change(*y_, {"1004", "Apple", 107, "B", "fruit", {"777"}}).ok());
  // X retires the bread after Y changed it: the retirement wins, the change cannot revive it.
  ASSERT_TRUE(Change(*y_, {"1002", "Bread brown", 410, "B", "bakery", {"4000002"}}).ok());
  x_->clock->Advance(60 * kSecond);
  ASSERT_TRUE(MasterDataService(*x_->store, *x_->runner).RetireArticle("1002", "root").ok());

  const std::string x = x_->store->node_id();
  const std::string y = y_->store->node_id();
  ASSERT_TRUE(Replicate(*x_, *p_, {x, y}).ok());
  ASSERT_TRUE(Replicate(*y_, *p_, {x, y}).ok());
  ASSERT_TRUE(Replicate(*y_, *q_, {y, x}).ok());  // Y's changes arrive before the articles exist
  ASSERT_TRUE(Replicate(*x_, *q_, {y, x}).ok());

  const auto p_catalog = CatalogContents(*p_);
  EXPECT_FALSE(p_catalog.empty());
  EXPECT_EQ(p_catalog, CatalogContents(*q_));

  for (Node* node : {p_.get(), q_.get()}) {
    auto coffee = node->Catalog().FindArticle("1001");
    ASSERT_TRUE(coffee.ok() && coffee->has_value());
    EXPECT_EQ((*coffee)->name, "Coffee large");
    EXPECT_EQ((*coffee)->gross_price, 300);
    auto by_barcode = node->Catalog().FindArticleByBarcode("777");
    ASSERT_TRUE(by_barcode.ok() && by_barcode->has_value());
    EXPECT_EQ((*by_barcode)->code, "1004");
    auto bread = node->Catalog().FindArticle("1002");
    ASSERT_TRUE(bread.ok());
    EXPECT_FALSE(bread->has_value());
    EXPECT_TRUE(*node->Catalog().IsRetired(ArticleStream("1002")));
    // The losing change stays in the log.
    const auto names = ArticleNamesInLog(*node->store, "1001");
    EXPECT_NE(std::find(names.begin(), names.end(), "Coffee small"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "Coffee large"), names.end());
  }
  // The writers converge too once they have each other's events.
  ASSERT_TRUE(Replicate(*y_, *x_).ok());
  ASSERT_TRUE(Replicate(*x_, *y_).ok());
  EXPECT_EQ(CatalogContents(*x_), p_catalog);
  EXPECT_EQ(CatalogContents(*y_), p_catalog);

  // `pos log` shows the losing change.
  const std::string p_path = p_->path;
  p_->Close();
  const std::string out = RunCommand(testing::BinaryDir() + "/tools/pos/pos --data '" + p_path +
                                     "' log --stream article/1001 2>&1");
  EXPECT_NE(out.find("Coffee small"), std::string::npos) << out;
  EXPECT_NE(out.find("Coffee large"), std::string::npos) << out;
}

TEST_F(MasterDataConvergenceTest, EqualClocksAreOrderedByOriginNodeId) {
  // Both writers at the same wall time with the same HLC history: the HLCs can tie.
  const int64_t same = kDay + 9 * 3600 * kSecond;
  x_->clock->Set(same);
  y_->clock->Set(same);
  ASSERT_TRUE(Change(*x_, {"1004", "Apple red", 107, "B", "fruit", {}}).ok());
  ASSERT_TRUE(Change(*y_, {"1004", "Apple green", 107, "B", "fruit", {}}).ok());
  ASSERT_TRUE(Replicate(*x_, *p_).ok());
  ASSERT_TRUE(Replicate(*y_, *p_).ok());
  ASSERT_TRUE(Replicate(*y_, *q_).ok());
  ASSERT_TRUE(Replicate(*x_, *q_).ok());
  EXPECT_EQ(CatalogContents(*p_), CatalogContents(*q_));
  auto apple = p_->Catalog().FindArticle("1004");
  ASSERT_TRUE(apple.ok() && apple->has_value());
  // The winner is the change with the higher (HLC, origin) pair.
  uint64_t x_hlc = 0, y_hlc = 0;
  for (auto [node, hlc] : {std::pair{x_.get(), &x_hlc}, std::pair{y_.get(), &y_hlc}}) {
    auto bytes = node->store->ReadEvent(node->store->LastSequence());
    ASSERT_TRUE(bytes.ok());
    *hlc = EventView::Parse(*bytes)->hlc();
  }
  const bool x_wins = std::pair{x_hlc, x_->store->node_id()} > std::pair{y_hlc, y_->store->node_id()};
  EXPECT_EQ((*apple)->name, x_wins ? "Apple red" : "Apple green");
}

TEST_F(MasterDataConvergenceTest, ATillOrdersItsLaterChangesAfterRemoteOnesAlsoAfterARestart) {
  // X's clock runs an hour ahead; Y receives X's change, restarts, then changes the article.
  x_->clock->Advance(3600 * kSecond);
  ASSERT_TRUE(Change(*x_, {"1003", "Wine red", 1290, "A", "drinks", {}}).ok());
  ASSERT_TRUE(Replicate(*x_, *y_).ok());
  ASSERT_TRUE(y_->Reopen().ok());
  y_->clock->Advance(kSecond);  // Y's wall clock is still an hour behind X's
  ASSERT_TRUE(Change(*y_, {"1003", "Wine white", 1290, "A", "drinks", {}}).ok());
  ASSERT_TRUE(Replicate(*y_, *x_).ok());
  for (Node* node : {x_.get(), y_.get()}) {
    auto wine = node->Catalog().FindArticle("1003");
    ASSERT_TRUE(wine.ok() && wine->has_value());
    EXPECT_EQ((*wine)->name, "Wine white") << node->path;
  }
}

// ---- Receipt hand-over -------------------------------------------------------

// The in-process stand-in for the sync client: asks the hub's arbiter directly.
class FakeHubClaimer final : public HandoverClaimer {
 public:
  FakeHubClaimer(HandoverArbiter* arbiter, std::string till_node_id)
      : arbiter_(arbiter), till_(std::move(till_node_id)) {}
  Result<ClaimOutcome> Claim(const std::string& receipt_stream) override {
    ++calls;
    if (arbiter_ == nullptr) return Status::Unavailable("no connection to the hub at tcp://127.0.0.1:7400");
    return arbiter_->Claim(receipt_stream, till_);
  }
  void GoOffline() { arbiter_ = nullptr; }
  int calls = 0;

 private:
  HandoverArbiter* arbiter_;
  std::string till_;
};

// Records what the register asks of its fiscal module (it writes no events).
class RecordingFiscal final : public FiscalModule {
 public:
  Result<std::vector<NewEvent>> StartReceipt(const std::string& receipt_id, int64_t) override {
    started.push_back(receipt_id);
    return std::vector<NewEvent>();
  }
  Result<std::vector<NewEvent>> FinishReceipt(const FiscalReceipt& receipt, int64_t) override {
    finished.push_back(receipt);
    return std::vector<NewEvent>();
  }
  std::vector<std::string> started;
  std::vector<FiscalReceipt> finished;
};

class HandoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const int64_t morning = kDay + 8 * 3600 * kSecond;
    hub_ = MakeNode(dir_, "hub", morning, /*hub=*/true);
    a_ = MakeNode(dir_, "till-a", morning);
    b_ = MakeNode(dir_, "till-b", morning);
    c_ = MakeNode(dir_, "till-c", morning);
    ASSERT_TRUE(hub_ && a_ && b_ && c_);
    ASSERT_TRUE(SeedCatalog(*a_).ok());
    ASSERT_NO_FATAL_FAILURE(Sync());
    auto arbiter = HandoverArbiter::Rebuild(*hub_->store);
    ASSERT_TRUE(arbiter.ok()) << arbiter.status().ToString();
    arbiter_ = std::move(arbiter).value();
    for (Node* till : {a_.get(), b_.get(), c_.get()}) {
      claimers_[till] = std::make_unique<FakeHubClaimer>(arbiter_.get(), till->store->node_id());
      till->svc->SetHandoverClaimer(claimers_[till].get());
      ASSERT_TRUE(till->svc->SignOn(till == b_.get() ? "ben" : "anna", till == b_.get() ? "4444" : "1111").ok());
    }
  }

  // Every till's archive to the hub, then the hub's log to every till (masterdata+receipts).
  void Sync() {
    for (Node* till : {a_.get(), b_.get(), c_.get()}) ASSERT_TRUE(Replicate(*till, *hub_).ok());
    for (Node* till : {a_.get(), b_.get(), c_.get()}) ASSERT_TRUE(Replicate(*hub_, *till).ok());
  }

  // A receipt on `till` with coffee x2 (line discount 0.50) and bread, parked to the site.
  std::string ParkCoffeeAndBread(Node& till) {
    auto id = till.svc->Open();
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_TRUE(till.svc->AddLine(*id, "1001", 2).ok());
    EXPECT_TRUE(till.svc->AddLine(*id, "1004", 1).ok());
    EXPECT_TRUE(till.svc->VoidLine(*id, 2).ok());
    EXPECT_TRUE(till.svc->AddLine(*id, "1002", 1).ok());
    Status parked = till.svc->ParkToSite(*id);
    EXPECT_TRUE(parked.ok()) << parked.ToString();
    return *id;
  }

  ScratchDir dir_;
  std::unique_ptr<Node> hub_, a_, b_, c_;
  std::unique_ptr<HandoverArbiter> arbiter_;
  std::map<Node*, std::unique_ptr<FakeHubClaimer>> claimers_;
};

TEST_F(HandoverTest, AReceiptParkedOnOneTillIsFinishedOnAnotherExactlyOnce) {
  RecordingFiscal fiscal_a, fiscal_b;
  a_->svc->SetFiscalModule(&fiscal_a);
  b_->svc->SetFiscalModule(&fiscal_b);
  const std::string source = ParkCoffeeAndBread(*a_);
  // Parked to the site, the receipt has left till A: its fiscal transaction is
  // finished as a transfer and A's day is not held open by it.
  EXPECT_EQ(a_->svc->state().FindReceipt(source), nullptr);
  ASSERT_EQ(fiscal_a.finished.size(), 1u);
  EXPECT_TRUE(fiscal_a.finished[0].handed_over);
  EXPECT_EQ(fiscal_a.finished[0].totals.total, 2 * 250 + 390);
  EXPECT_EQ(fiscal::KassenbelegProcessData(fiscal_a.finished[0]).substr(0, 11), "AVTransfer^");

  ASSERT_NO_FATAL_FAILURE(Sync());
  auto offered = ListSiteParkedReceipts(*b_->store);
  ASSERT_TRUE(offered.ok());
  EXPECT_EQ(*offered, std::vector<std::string>{source});

  auto taken = b_->svc->ResumeFromSite(source);
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_NE(*taken, source);
  EXPECT_EQ(fiscal_b.started, std::vector<std::string>{*taken});
  const Receipt* receipt = b_->svc->state().FindReceipt(*taken);
  ASSERT_NE(receipt, nullptr);
  ASSERT_EQ(receipt->lines.size(), 2u);  // the voided line stays behind
  EXPECT_EQ(receipt->lines[0].article_code, "1001");
  EXPECT_EQ(receipt->lines[0].quantity, 2);
  EXPECT_EQ(receipt->lines[1].article_code, "1002");
  EXPECT_EQ(receipt->lines[1].line_no, 2u);
  EXPECT_EQ(receipt->cashier, "ben");
  ASSERT_TRUE(b_->svc->Pay(*taken, {PaymentType::kCash, 1000, ""}).ok());
  auto closed = b_->svc->Close(*taken);
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(closed->totals.total, 890);
  EXPECT_EQ(closed->number, 1u);

  // Nobody else gets it: not C, not A (the parking till), not B a second time.
  ASSERT_NO_FATAL_FAILURE(Sync());
  auto by_c = c_->svc->ResumeFromSite(source);
  ASSERT_FALSE(by_c.ok());
  EXPECT_EQ(by_c.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(by_c.status().message().find(ToHex(b_->store->node_id())), std::string::npos) << by_c.status().ToString();
  EXPECT_FALSE(a_->svc->ResumeFromSite(source).ok());
  auto again = b_->svc->ResumeFromSite(source);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(ListSiteParkedReceipts(*c_->store)->empty());

  // The hub's grant is in its log and in every till's; the journals agree.
  EXPECT_EQ(arbiter_->Grants().at(ReceiptStream(source)), ToHex(b_->store->node_id()));
  ASSERT_TRUE(hub_->runner->CatchUp().ok());
  ReceiptJournalView hub_journal(*hub_->runner->Reader(ReceiptJournalProjection::kName));
  auto b_receipts = hub_journal.ClosedOfTill(ToHex(b_->store->node_id()));
  ASSERT_TRUE(b_receipts.ok());
  ASSERT_EQ(b_receipts->size(), 1u);
  EXPECT_EQ((*b_receipts)[0].total, 890);
  EXPECT_TRUE(hub_journal.ClosedOfTill(ToHex(a_->store->node_id()))->empty());
  // A may close its day: nothing of the handed-over receipt is left open there.
  EXPECT_TRUE(a_->svc->state().OpenReceipts().empty());
  auto z = a_->svc->CloseDay(0, Approval{"root", "3333"});
  EXPECT_TRUE(z.ok()) << z.status().ToString();
}

TEST_F(HandoverTest, TheParkingTillClaimsToo_AndAGrantSurvivesAHubRestart) {
  const std::string source = ParkCoffeeAndBread(*a_);
  ASSERT_NO_FATAL_FAILURE(Sync());
  // Plain Resume does not take a receipt parked to the site back: it left the register.
  EXPECT_FALSE(a_->svc->Resume(source).ok());
  auto own = a_->svc->ResumeFromSite(source);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(claimers_[a_.get()]->calls, 1);

  // Restart the hub: the arbiter is rebuilt from its log and still says A.
  arbiter_.reset();
  ASSERT_TRUE(hub_->Reopen().ok());
  auto rebuilt = HandoverArbiter::Rebuild(*hub_->store);
  ASSERT_TRUE(rebuilt.ok());
  auto for_b = (*rebuilt)->Claim(ReceiptStream(source), b_->store->node_id());
  ASSERT_TRUE(for_b.ok());
  EXPECT_FALSE(for_b->granted);
  EXPECT_EQ(for_b->holder_till, ToHex(a_->store->node_id()));
  auto for_a = (*rebuilt)->Claim(ReceiptStream(source), a_->store->node_id());
  ASSERT_TRUE(for_a.ok());
  EXPECT_TRUE(for_a->granted);  // idempotent for the holder
  // One grant event in the hub's log, however often it was asked.
  uint64_t grants = 0;
  ASSERT_TRUE(hub_->store->ScanLog(1, hub_->store->LastSequence(), [&](uint64_t, std::string_view bytes) {
    grants += EventView::Parse(bytes)->type() == static_cast<uint32_t>(EventType::kReceiptClaimGranted);
    return true;
  }).ok());
  EXPECT_EQ(grants, 1u);
}

TEST_F(HandoverTest, ResumingOfflineOrALocallyParkedReceiptIsRefusedAndWritesNothing) {
  const std::string source = ParkCoffeeAndBread(*a_);
  ASSERT_NO_FATAL_FAILURE(Sync());
  claimers_[b_.get()]->GoOffline();
  const uint64_t before = b_->store->LastSequence();
  auto offline = b_->svc->ResumeFromSite(source);
  ASSERT_FALSE(offline.ok());
  EXPECT_EQ(offline.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(offline.status().message().find("offline"), std::string::npos) << offline.status().ToString();
  EXPECT_EQ(b_->store->LastSequence(), before);
  // Without any hub connection the till says so.
  b_->svc->SetHandoverClaimer(nullptr);
  auto no_hub = b_->svc->ResumeFromSite(source);
  ASSERT_FALSE(no_hub.ok());
  EXPECT_NE(no_hub.status().message().find("pos sync join"), std::string::npos);

  // A receipt parked locally stays with its till.
  auto local = a_->svc->Open();
  ASSERT_TRUE(local.ok());
  ASSERT_TRUE(a_->svc->AddLine(*local, "1003", 1).ok());
  ASSERT_TRUE(a_->svc->Park(*local).ok());
  ASSERT_NO_FATAL_FAILURE(Sync());
  auto by_c = c_->svc->ResumeFromSite(*local);
  ASSERT_FALSE(by_c.ok());
  EXPECT_EQ(by_c.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(by_c.status().message().find("parked on its till only"), std::string::npos) << by_c.status().ToString();
  auto at_hub = arbiter_->Claim(ReceiptStream(*local), c_->store->node_id());
  EXPECT_FALSE(at_hub.ok());
  // A receipt the hub has not received yet: retry later.
  auto unknown = arbiter_->Claim("receipt/deadbeef-99", c_->store->node_id());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(arbiter_->Claim("article/1001", c_->store->node_id()).ok());
  EXPECT_FALSE(arbiter_->Claim(ReceiptStream(source), "short").ok());
}

TEST_F(HandoverTest, AMovedTillWithoutItsNewTseMayNotTakeAReceiptOver) {
  const std::string source = ParkCoffeeAndBread(*a_);
  ASSERT_NO_FATAL_FAILURE(Sync());
  // Till B was moved to new hardware (`pos migrate import`) and had a TSE: until a
  // TSE is in service here, it may start no receipt, a taken-over one included.
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateTillMigratedDirect(b, "old-machine", "new-machine", 1, "0123456789abcdef", "00"));
  AppendBatch migrated;
  migrated.stream = "node";
  migrated.user = "migration";
  migrated.events.push_back({EventType::kTillMigrated, {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()}});
  ASSERT_TRUE(b_->store->Append(std::move(migrated)).ok());
  b_->svc.reset();
  ASSERT_TRUE(b_->Start().ok());
  b_->svc->SetHandoverClaimer(claimers_[b_.get()].get());  // ben is still signed on (from the log)
  const uint64_t before = b_->store->LastSequence();
  const int claims_before = claimers_[b_.get()]->calls;
  auto refused = b_->svc->ResumeFromSite(source);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("TSE"), std::string::npos) << refused.status().ToString();
  EXPECT_EQ(b_->store->LastSequence(), before);
  EXPECT_EQ(claimers_[b_.get()]->calls, claims_before);  // the hub was not even asked
  // Another till still takes it.
  auto taken = c_->svc->ResumeFromSite(source);
  EXPECT_TRUE(taken.ok()) << taken.status().ToString();
}

TEST_F(HandoverTest, TwoTillsRacingForTheSameReceipts_ExactlyOneWinsEach) {
  constexpr int kReceipts = 12;
  std::vector<std::string> sources;
  for (int i = 0; i < kReceipts; ++i) sources.push_back(ParkCoffeeAndBread(*a_));
  ASSERT_NO_FATAL_FAILURE(Sync());
  std::vector<Result<std::string>> by_b, by_c;
  std::barrier start(2);
  auto race = [&](Node* till, std::vector<Result<std::string>>* mine) {
    for (const std::string& source : sources) {
      start.arrive_and_wait();  // both tills ask for the same receipt at the same moment
      mine->push_back(till->svc->ResumeFromSite(source));
    }
  };
  std::thread tb(race, b_.get(), &by_b);
  std::thread tc(race, c_.get(), &by_c);
  tb.join();
  tc.join();
  ASSERT_EQ(by_b.size(), sources.size());
  ASSERT_EQ(by_c.size(), sources.size());
  for (int i = 0; i < kReceipts; ++i) {
    EXPECT_NE(by_b[i].ok(), by_c[i].ok()) << "receipt " << sources[i] << ": " << by_b[i].status().ToString()
                                          << " / " << by_c[i].status().ToString();
    const auto& loser = by_b[i].ok() ? by_c[i] : by_b[i];
    if (!loser.ok()) {
      EXPECT_EQ(loser.status().code(), StatusCode::kFailedPrecondition) << loser.status().ToString();
    }
  }
  EXPECT_EQ(arbiter_->Grants().size(), static_cast<size_t>(kReceipts));
  // Each receipt was taken over once in the whole site.
  ASSERT_NO_FATAL_FAILURE(Sync());
  std::map<std::string, int> taken_over;
  ASSERT_TRUE(hub_->store->ScanLog(1, hub_->store->LastSequence(), [&](uint64_t, std::string_view bytes) {
    auto view = EventView::Parse(bytes);
    if (view->type() == static_cast<uint32_t>(EventType::kReceiptTakenOver)) {
      ++taken_over[view->PayloadAs<fb::ReceiptTakenOver>()->source_receipt_id()->str()];
    }
    return true;
  }).ok());
  EXPECT_EQ(taken_over.size(), static_cast<size_t>(kReceipts));
  for (const auto& [id, count] : taken_over) EXPECT_EQ(count, 1) << id;
}

TEST_F(HandoverTest, ATillWithoutASiteHubCannotParkToTheSiteAndKeepsTheReceipt) {
  a_->svc->SetHandoverClaimer(nullptr);
  auto id = a_->svc->Open();
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(a_->svc->AddLine(*id, "1001", 1).ok());
  const uint64_t before = a_->store->LastSequence();
  Status parked = a_->svc->ParkToSite(*id);
  EXPECT_EQ(parked.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(parked.message().find("pos sync join"), std::string::npos) << parked.ToString();
  EXPECT_EQ(a_->store->LastSequence(), before);
  // Still this till's open receipt: it sells on.
  EXPECT_TRUE(a_->svc->AddLine(*id, "1002", 1).ok());
}

TEST_F(HandoverTest, RefundReceiptsAndReceiptsWithPaymentsAreNotHandedOver) {
  auto sale = a_->svc->Open();
  ASSERT_TRUE(sale.ok());
  ASSERT_TRUE(a_->svc->AddLine(*sale, "1001", 1).ok());
  ASSERT_TRUE(a_->svc->Pay(*sale, {PaymentType::kCash, 100, ""}).ok());
  const uint64_t before = a_->store->LastSequence();
  EXPECT_EQ(a_->svc->ParkToSite(*sale).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(a_->store->LastSequence(), before);
}

// ---- The stale till ---------------------------------------------------------

TEST(StaleTillTest, LocalHistoryTheAccountLacksIsRefusedUnlessImportedOrDiscarded) {
  ScratchDir dir;
  auto till = MakeNode(dir, "till-old", kDay);
  auto hub = MakeNode(dir, "hub", kDay, /*hub=*/true);
  ASSERT_TRUE(till && hub);
  ASSERT_TRUE(SeedCatalog(*till).ok());
  ASSERT_TRUE(till->svc->SignOn("anna", "1111").ok());
  auto id = till->svc->Open();
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(till->svc->AddLine(*id, "1001", 1).ok());

  auto history = AssessLocalHistory(*till->store, {});
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->master_data_events, 9u);  // 2 tax rates, 4 articles, 3 users
  EXPECT_EQ(history->own_master_data, 9u);
  EXPECT_EQ(history->receipt_events, 2u);
  EXPECT_FALSE(history->clean());
  EXPECT_EQ(history->unknown_origins, std::vector<std::string>{ToHex(till->store->node_id())});
  Status refused = CheckJoinAllowed(*history, JoinChoice::kRefuse);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("--import-local"), std::string::npos);
  EXPECT_NE(refused.message().find("--discard-local"), std::string::npos);
  EXPECT_TRUE(CheckJoinAllowed(*history, JoinChoice::kImportLocal).ok());
  EXPECT_EQ(JoinChoiceFromFlags(true, true).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*JoinChoiceFromFlags(false, true), JoinChoice::kDiscardLocal);

  // Once the account holds everything (imported), the till is clean.
  ASSERT_TRUE(Replicate(*till, *hub).ok());
  AccountHeads account;
  for (const auto& [origin, head] : hub->store->Heads()) account[origin] = head.seq;
  auto after_import = AssessLocalHistory(*till->store, account);
  ASSERT_TRUE(after_import.ok());
  EXPECT_TRUE(after_import->clean());
  // Master data the till received from the account is not its own history.
  auto fresh = MakeNode(dir, "till-new", kDay);
  ASSERT_TRUE(Replicate(*hub, *fresh).ok());
  account.clear();
  for (const auto& [origin, head] : hub->store->Heads()) account[origin] = head.seq;
  EXPECT_TRUE(AssessLocalHistory(*fresh->store, account)->clean());
}

TEST(StaleTillTest, DiscardKeepsTheOldStoreIntactAndStartsAFreshNode) {
  ScratchDir dir;
  auto till = MakeNode(dir, "till-old", kDay);
  ASSERT_TRUE(till);
  ASSERT_TRUE(SeedCatalog(*till).ok());
  const std::string old_id = till->store->node_id();
  const uint64_t old_last = till->store->LastSequence();
  const std::string path = till->path;
  // Open stores cannot be discarded.
  EXPECT_FALSE(DiscardLocalStore(path, kDay).ok());
  ASSERT_TRUE(std::filesystem::exists(path));
  till->Close();

  auto discarded = DiscardLocalStore(path, kDay + 3723 * kSecond);
  ASSERT_TRUE(discarded.ok()) << discarded.status().ToString();
  EXPECT_EQ(discarded->kept_at, path + ".discarded-" + ToHex(old_id).substr(0, 8) + "-20251124T010203Z");
  EXPECT_EQ(discarded->old_node_id, ToHex(old_id));
  auto old_store = EventStore::Open(discarded->kept_at);
  ASSERT_TRUE(old_store.ok());
  EXPECT_EQ((*old_store)->node_id(), old_id);
  EXPECT_EQ((*old_store)->LastSequence(), old_last);
  old_store->reset();
  auto fresh = EventStore::Open(path);
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE((*fresh)->node_id(), old_id);
  EXPECT_EQ(ToHex((*fresh)->node_id()), discarded->new_node_id);
  EXPECT_EQ((*fresh)->node_name(), "till-old");
  EXPECT_TRUE(AssessLocalHistory(**fresh, {})->clean());
  fresh->reset();
  // Not a store: a clear error, nothing moved.
  auto missing = DiscardLocalStore(dir.Sub("nothing-here"), kDay);
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("nothing-here")));
}

// ---- Hub projections ------------------------------------------------------------

TEST(HubProjectionsTest, SiteTotalsZReportsAndTillStatusCoverEveryTill) {
  ScratchDir dir;
  const int64_t morning = kDay + 8 * 3600 * kSecond;
  auto hub = MakeNode(dir, "hub", morning, /*hub=*/true);
  auto a = MakeNode(dir, "till-a", morning);
  auto b = MakeNode(dir, "till-b", morning);
  ASSERT_TRUE(hub && a && b);
  ASSERT_TRUE(SeedCatalog(*a).ok());
  ASSERT_TRUE(Replicate(*a, *b).ok());
  auto sell = [](Node& till, const std::string& article, int64_t paid) {
    auto id = till.svc->Open();
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(till.svc->AddLine(*id, article, 1).ok());
    ASSERT_TRUE(till.svc->Pay(*id, {PaymentType::kCash, paid, ""}).ok());
    ASSERT_TRUE(till.svc->Close(*id).ok());
  };
  ASSERT_TRUE(a->svc->SignOn("anna", "1111").ok());
  ASSERT_TRUE(b->svc->SignOn("ben", "4444").ok());
  sell(*a, "1001", 250);
  sell(*a, "1002", 500);
  sell(*b, "1003", 1190);
  auto z = b->svc->CloseDay(1190, Approval{"root", "3333"});
  ASSERT_TRUE(z.ok()) << z.status().ToString();
  b->clock->Advance(24 * 3600 * kSecond);
  sell(*b, "1004", 107);

  ASSERT_TRUE(Replicate(*a, *hub).ok());
  ASSERT_TRUE(Replicate(*b, *hub).ok());
  const std::string ta = ToHex(a->store->node_id());
  const std::string tb = ToHex(b->store->node_id());

  SiteTotalsView site(*hub->runner->Reader(SiteTotalsProjection::kName));
  auto day = site.Day("2025-11-24");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->at("all").receipts, 3u);
  EXPECT_EQ(day->at("all").total, 250 + 390 + 1190);
  EXPECT_EQ(day->at(ta).total, 250 + 390);
  EXPECT_EQ(day->at(tb).total, 1190);
  EXPECT_EQ(day->at("all").payments.at("cash"), 250 + 390 + 1190);
  auto days = site.Days();
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ(days->at("2025-11-25").total, 107);
  EXPECT_EQ(site.Day("yesterday").status().code(), StatusCode::kInvalidArgument);

  ZReportsView zs(*hub->runner->Reader(ZReportsProjection::kName));
  auto all_z = zs.All();
  ASSERT_TRUE(all_z.ok());
  ASSERT_EQ(all_z->size(), 1u);
  EXPECT_EQ((*all_z)[0].till, tb);
  EXPECT_EQ((*all_z)[0].total, 1190);

  TillStatusView status(*hub->runner->Reader(TillStatusProjection::kName));
  auto nodes = status.All();
  ASSERT_TRUE(nodes.ok());
  std::map<std::string, TillStatusRecord> by_node;
  for (const auto& n : *nodes) by_node[n.node] = n;
  ASSERT_EQ(by_node.size(), 3u);  // hub, a, b
  EXPECT_EQ(by_node.at(ta).name, "till-a");
  EXPECT_EQ(by_node.at(ta).last_seq, a->store->Heads().at(a->store->node_id()).seq);
  EXPECT_EQ(by_node.at(ta).events, by_node.at(ta).last_seq);
  EXPECT_EQ(by_node.at(ta).last_receipt, 2u);
  EXPECT_EQ(by_node.at(tb).last_z, 1u);
  EXPECT_EQ(by_node.at(tb).last_event_us, b->clock->NowMicros());
  EXPECT_TRUE(by_node.at(ToHex(hub->store->node_id())).hub);
}

}  // namespace
}  // namespace pos
