// The till's register through RegisterService on a real store: sales, payments,
// parking, voids, discounts, refunds, cash movements, X and Z reports,
// permissions, refusals that write nothing, and gap-free receipt numbers across
// restarts and SIGKILL.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "domain/tax_calculator.h"
#include "engine/pin_hash.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/receipts_generated.h"
#include "events/register_generated.h"
#include "projections/builtin_projections.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using testing::ScratchDir;

Approval Sam() { return {"sam", "2222"}; }
Payment Cash(int64_t amount) { return {PaymentType::kCash, amount, ""}; }
Payment Card(int64_t amount) { return {PaymentType::kCard, amount, "card-4711"}; }
Payment Voucher(int64_t amount) { return {PaymentType::kVoucher, amount, "voucher-1"}; }

// Tax rates A 19 % and B 7 %; four articles; users anna (cashier, 1111), ben
// (cashier, 4444), sam (supervisor, 2222), root (admin, 3333).
//   1001 Coffee 2.50 A  barcode 4000001
//   1002 Bread  3.90 B  barcode 4000002
//   1003 Wine  11.90 A  barcode 4000003
//   1004 Apple  1.07 B  (no barcode)
Status SeedCatalog(EventStore& store, ProjectionRunner& runner) {
  MasterDataService master(store, runner);
  POS_RETURN_IF_ERROR(master.AddTaxRate({"A", "Standard", 1900}, "root"));
  POS_RETURN_IF_ERROR(master.AddTaxRate({"B", "Reduced", 700}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1001", "Coffee", 250, "A", "drinks", {"4000001"}}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1002", "Bread", 390, "B", "bakery", {"4000002"}}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1003", "Wine", 1190, "A", "drinks", {"4000003"}}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1004", "Apple", 107, "B", "fruit", {}}, "root"));
  struct Person {
    const char* id;
    const char* name;
    UserRole role;
    const char* pin;
  };
  for (const Person& p : {Person{"anna", "Anna", UserRole::kCashier, "1111"},
                          Person{"ben", "Ben", UserRole::kCashier, "4444"},
                          Person{"sam", "Sam", UserRole::kSupervisor, "2222"},
                          Person{"root", "Root", UserRole::kAdmin, "3333"}}) {
    POS_ASSIGN_OR_RETURN(std::string hash, HashSecret(p.pin, 1000));
    POS_RETURN_IF_ERROR(master.AddUser({p.id, p.name, p.role, hash}, "root"));
  }
  return Status::Ok();
}

// The figures of a ReceiptClosed payload, copied out of the event bytes.
struct ClosedFigures {
  uint64_t number = 0;
  std::string cashier;
  int64_t total = 0;
  int64_t change = 0;
  std::vector<TaxLineTotal> tax_lines;
  std::map<PaymentType, int64_t> payments;
  uint32_t line_count = 0;
  uint32_t voided_lines = 0;
  uint64_t refund_of_number = 0;
};

// The payload as `Table` when the event is of `type`. (PayloadAs alone only
// verifies the buffer's structure, and a payload of another type can pass.)
template <typename Table>
const Table* PayloadOf(const EventView& view, EventType type) {
  return view.type() == static_cast<uint32_t>(type) ? view.PayloadAs<Table>() : nullptr;
}

ClosedFigures CopyClosed(const fb::ReceiptClosed& p) {
  ClosedFigures f;
  f.number = p.number();
  f.cashier = p.cashier() ? p.cashier()->str() : "";
  f.total = p.total();
  f.change = p.change();
  if (p.tax_lines()) {
    for (const auto* t : *p.tax_lines()) {
      f.tax_lines.push_back({t->tax_rate()->str(), t->basis_points(), t->gross(), t->net(), t->tax()});
    }
  }
  if (p.payments()) {
    for (const auto* pay : *p.payments()) f.payments[static_cast<PaymentType>(pay->type())] += pay->amount();
  }
  f.line_count = p.line_count();
  f.voided_lines = p.voided_lines();
  f.refund_of_number = p.refund_of_number();
  return f;
}

class RegisterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Create(StorePath(), {.node_name = "till-1"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_NO_FATAL_FAILURE(StartRunner());
    Status seeded = SeedCatalog(*store_, *runner_);
    ASSERT_TRUE(seeded.ok()) << seeded.ToString();
    ASSERT_NO_FATAL_FAILURE(LoadService());
  }

  std::string StorePath() const { return dir_.Sub("store"); }

  void StartRunner() {
    runner_ = std::make_unique<ProjectionRunner>(*store_);
    ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
    Status caught_up = runner_->CatchUp();
    ASSERT_TRUE(caught_up.ok()) << caught_up.ToString();
  }

  void LoadService() {
    auto service = RegisterService::Load(*store_, *runner_);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    svc_ = std::move(service).value();
    ASSERT_TRUE(svc_->hardware_status().ok()) << svc_->hardware_status().ToString();
  }

  void CloseStore() {
    svc_.reset();
    runner_.reset();
    store_.reset();
  }

  void Reopen() {
    CloseStore();
    auto store = EventStore::Open(StorePath());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_NO_FATAL_FAILURE(StartRunner());
    ASSERT_NO_FATAL_FAILURE(LoadService());
  }

  void SignOn(const std::string& user, const std::string& pin) {
    Status s = svc_->SignOn(user, pin);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::string Open() {
    auto id = svc_->Open();
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : std::string("no-receipt");
  }

  ReceiptLine Add(const std::string& id, const std::string& article, int64_t quantity) {
    auto line = svc_->AddLine(id, article, quantity);
    EXPECT_TRUE(line.ok()) << article << " x " << quantity << ": " << line.status().ToString();
    return line.ok() ? *line : ReceiptLine{};
  }

  void Pay(const std::string& id, const Payment& payment) {
    Status s = svc_->Pay(id, payment);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  CloseOutcome Close(const std::string& id) {
    auto closed = svc_->Close(id);
    EXPECT_TRUE(closed.ok()) << closed.status().ToString();
    return closed.ok() ? *closed : CloseOutcome{};
  }

  // Total still due on an open receipt, from the register's own state.
  int64_t Due(const std::string& id) const {
    const Receipt* receipt = svc_->state().FindReceipt(id);
    EXPECT_NE(receipt, nullptr) << id;
    return receipt == nullptr ? 0 : ComputeTotals(*receipt).total - receipt->Paid();
  }

  // One coffee, paid in cash: returns the receipt number.
  uint64_t SellCoffee() {
    const std::string id = Open();
    Add(id, "1001", 1);
    Pay(id, Cash(250));
    return Close(id).number;
  }

  uint64_t Seq() const { return store_->LastSequence(); }

  std::vector<std::string> LogBytes() const {
    std::vector<std::string> events;
    Status s = store_->ScanLog(1, store_->LastSequence(), [&](uint64_t, std::string_view bytes) {
      events.emplace_back(bytes);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return events;
  }

  EventType LastType() const {
    auto bytes = store_->ReadEvent(store_->LastSequence());
    EXPECT_TRUE(bytes.ok());
    auto view = EventView::Parse(*bytes);
    EXPECT_TRUE(view.ok());
    return static_cast<EventType>(view->type());
  }

  // The ReceiptClosed of a receipt, read back from its stream.
  std::optional<ClosedFigures> ClosedEvent(const std::string& receipt_id) const {
    std::optional<ClosedFigures> found;
    Status s = store_->ScanStream(ReceiptStream(receipt_id), 1, [&](uint64_t, std::string_view bytes) {
      auto view = EventView::Parse(bytes);
      if (!view.ok()) return false;
      if (const auto* p = PayloadOf<fb::ReceiptClosed>(*view, EventType::kReceiptClosed)) {
        EXPECT_FALSE(found.has_value()) << "one ReceiptClosed per receipt";
        found = CopyClosed(*p);
      }
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return found;
  }

  // Receipt numbers of every ReceiptClosed in the log, in log order.
  std::vector<uint64_t> NumbersInLog() const {
    std::vector<uint64_t> numbers;
    for (const std::string& bytes : LogBytes()) {
      auto view = EventView::Parse(bytes);
      EXPECT_TRUE(view.ok());
      if (view.ok() && view->type() == static_cast<uint32_t>(EventType::kReceiptClosed)) {
        const auto* p = view->PayloadAs<fb::ReceiptClosed>();
        EXPECT_NE(p, nullptr);
        if (p != nullptr) numbers.push_back(p->number());
      }
    }
    return numbers;
  }

  // A refusal for lack of permission: the code, and exactly one PermissionDenied
  // event naming the user, the command and the required role.
  void ExpectDenied(const Status& s, uint64_t before, const std::string& command,
                    const std::string& user = "anna") {
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << command << ": " << s.ToString();
    ASSERT_EQ(Seq(), before + 1) << command << ": exactly one event is written";
    ASSERT_EQ(LastType(), EventType::kPermissionDenied) << command;
    auto bytes = store_->ReadEvent(Seq());
    ASSERT_TRUE(bytes.ok());
    auto view = EventView::Parse(*bytes);
    ASSERT_TRUE(view.ok());
    const auto* p = PayloadOf<fb::PermissionDenied>(*view, EventType::kPermissionDenied);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->user()->str(), user);
    EXPECT_EQ(p->command()->str(), command);
    EXPECT_EQ(p->required_role()->str(), "supervisor");
    EXPECT_EQ(view->stream(), svc_->state().stream());
  }

  // Any other refusal: the code, a message naming the problem, and no event.
  void ExpectRefused(const Status& s, StatusCode code, const std::string& needle, uint64_t before) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_NE(s.message().find(needle), std::string::npos) << "'" << s.message() << "' lacks '" << needle << "'";
    EXPECT_EQ(Seq(), before) << s.ToString() << ": a refused command writes nothing";
  }

  ScratchDir dir_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::unique_ptr<RegisterService> svc_;
};

// ---------------------------------------------------------------------------
// Sales

TEST_F(RegisterTest, SalesCloseWithDenseNumbersAndTheirFiguresInTheLog) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  EXPECT_EQ(svc_->state().signed_on(), "anna");

  // 1: two coffees by code, a bread by barcode; card 5.00 + cash 10.00 for 8.90.
  const std::string first = Open();
  const ReceiptLine coffee = Add(first, "1001", 2);
  EXPECT_EQ(coffee.line_no, 1u);
  EXPECT_EQ(coffee.unit_price, 250);
  EXPECT_EQ(coffee.tax_rate, "A");
  EXPECT_EQ(coffee.tax_basis_points, 1900u);
  const ReceiptLine bread = Add(first, "4000002", 1);
  EXPECT_EQ(bread.line_no, 2u);
  EXPECT_EQ(bread.article_code, "1002");
  EXPECT_EQ(bread.name, "Bread");
  EXPECT_EQ(bread.group, "bakery");
  EXPECT_EQ(bread.unit_price, 390);
  EXPECT_EQ(bread.tax_rate, "B");
  EXPECT_EQ(bread.tax_basis_points, 700u);
  EXPECT_FALSE(bread.price_overridden);
  Pay(first, Card(500));
  EXPECT_EQ(Due(first), 390);
  Pay(first, Cash(1000));
  const CloseOutcome one = Close(first);
  EXPECT_EQ(one.number, 1u);
  EXPECT_EQ(one.totals.total, 890);
  EXPECT_EQ(one.change, 610);
  ASSERT_EQ(one.totals.tax_lines.size(), 2u);
  EXPECT_EQ(one.totals.tax_lines[0], (TaxLineTotal{"A", 1900, 500, 420, 80}));
  EXPECT_EQ(one.totals.tax_lines[1], (TaxLineTotal{"B", 700, 390, 364, 26}));
  EXPECT_EQ(svc_->state().FindReceipt(first), nullptr);

  // 2: a wine by barcode, card for exactly the total.
  const std::string second = Open();
  Add(second, "4000003", 1);
  Pay(second, Card(1190));
  const CloseOutcome two = Close(second);
  EXPECT_EQ(two.number, 2u);
  EXPECT_EQ(two.change, 0);
  ASSERT_EQ(two.totals.tax_lines.size(), 1u);
  EXPECT_EQ(two.totals.tax_lines[0], (TaxLineTotal{"A", 1900, 1190, 1000, 190}));

  // 3: three apples, two cash payments and change.
  const std::string third = Open();
  Add(third, "1004", 3);
  Pay(third, Cash(200));
  Pay(third, Cash(200));
  const CloseOutcome three = Close(third);
  EXPECT_EQ(three.number, 3u);
  EXPECT_EQ(three.totals.total, 321);
  EXPECT_EQ(three.change, 79);
  EXPECT_EQ(three.totals.tax_lines[0], (TaxLineTotal{"B", 700, 321, 300, 21}));

  EXPECT_EQ(svc_->state().last_receipt_number(), 3u);
  EXPECT_NE(first, second);
  EXPECT_NE(second, third);

  // The ReceiptClosed events carry the same figures; cash is kept net of change.
  auto e1 = ClosedEvent(first);
  ASSERT_TRUE(e1.has_value());
  EXPECT_EQ(e1->number, 1u);
  EXPECT_EQ(e1->cashier, "anna");
  EXPECT_EQ(e1->total, 890);
  EXPECT_EQ(e1->change, 610);
  EXPECT_EQ(e1->tax_lines, one.totals.tax_lines);
  EXPECT_EQ(e1->payments, (std::map<PaymentType, int64_t>{{PaymentType::kCash, 390}, {PaymentType::kCard, 500}}));
  EXPECT_EQ(e1->line_count, 2u);
  EXPECT_EQ(e1->voided_lines, 0u);
  EXPECT_EQ(e1->refund_of_number, 0u);
  auto e2 = ClosedEvent(second);
  ASSERT_TRUE(e2.has_value());
  EXPECT_EQ(e2->number, 2u);
  EXPECT_EQ(e2->payments, (std::map<PaymentType, int64_t>{{PaymentType::kCard, 1190}}));
  auto e3 = ClosedEvent(third);
  ASSERT_TRUE(e3.has_value());
  EXPECT_EQ(e3->number, 3u);
  EXPECT_EQ(e3->change, 79);
  EXPECT_EQ(e3->payments, (std::map<PaymentType, int64_t>{{PaymentType::kCash, 321}}));
  EXPECT_EQ(NumbersInLog(), (std::vector<uint64_t>{1, 2, 3}));

  // The register remembers what was sold, for refunds.
  const ClosedReceiptRecord* record = svc_->state().FindClosed(1);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->receipt_id, first);
  EXPECT_EQ(record->total, 890);
  EXPECT_EQ(record->lines.size(), 2u);
}

TEST_F(RegisterTest, ParkAndResume) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string parked = Open();
  Add(parked, "1003", 1);
  ASSERT_TRUE(svc_->Park(parked).ok());
  ASSERT_NE(svc_->state().FindReceipt(parked), nullptr);
  EXPECT_EQ(svc_->state().FindReceipt(parked)->status, ReceiptStatus::kParked);

  // Another customer is served meanwhile and gets number 1.
  EXPECT_EQ(SellCoffee(), 1u);

  // Ben resumes the parked receipt, finishes it and is its cashier.
  ASSERT_NO_FATAL_FAILURE(SignOn("ben", "4444"));
  ASSERT_TRUE(svc_->Resume(parked).ok());
  EXPECT_EQ(svc_->state().FindReceipt(parked)->status, ReceiptStatus::kOpen);
  EXPECT_EQ(svc_->state().FindReceipt(parked)->cashier, "ben");
  Add(parked, "1001", 1);
  Pay(parked, Card(1440));
  const CloseOutcome closed = Close(parked);
  EXPECT_EQ(closed.number, 2u);
  EXPECT_EQ(closed.totals.total, 1440);
  auto event = ClosedEvent(parked);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->cashier, "ben");
  EXPECT_EQ(event->line_count, 2u);
}

TEST_F(RegisterTest, VoidLine) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string id = Open();
  Add(id, "1001", 1);
  Add(id, "1002", 2);
  ASSERT_TRUE(svc_->VoidLine(id, 1).ok());
  EXPECT_TRUE(svc_->state().FindReceipt(id)->lines[0].voided);
  EXPECT_EQ(Due(id), 780);
  uint64_t before = Seq();
  ExpectRefused(svc_->VoidLine(id, 1), StatusCode::kFailedPrecondition, "voided already", before);
  ExpectRefused(svc_->VoidLine(id, 7), StatusCode::kNotFound, "no line 7", before);
  Pay(id, Cash(800));
  before = Seq();
  ExpectRefused(svc_->VoidLine(id, 2), StatusCode::kFailedPrecondition, "has payments", before);
  const CloseOutcome closed = Close(id);
  EXPECT_EQ(closed.totals.total, 780);
  EXPECT_EQ(closed.change, 20);
  ASSERT_EQ(closed.totals.tax_lines.size(), 1u) << "the voided line's rate is gone";
  EXPECT_EQ(closed.totals.tax_lines[0], (TaxLineTotal{"B", 700, 780, 729, 51}));
  auto event = ClosedEvent(id);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->line_count, 1u);
  EXPECT_EQ(event->voided_lines, 1u);
}

TEST_F(RegisterTest, LineAndReceiptDiscountsWithApproval) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string id = Open();
  Add(id, "1003", 2);  // 23.80
  uint64_t before = Seq();
  ExpectRefused(svc_->DiscountLine(id, 1, 0, Sam()), StatusCode::kInvalidArgument, "more than 0", before);
  ExpectRefused(svc_->DiscountLine(id, 1, 2381, Sam()), StatusCode::kInvalidArgument, "at most the line amount",
                before);
  ASSERT_TRUE(svc_->DiscountLine(id, 1, 380, Sam()).ok());
  EXPECT_EQ(svc_->state().FindReceipt(id)->lines[0].discount, 380);
  Add(id, "1002", 1);  // 3.90
  EXPECT_EQ(Due(id), 2390);
  before = Seq();
  ExpectRefused(svc_->DiscountReceipt(id, 2391, Sam()), StatusCode::kInvalidArgument, "at most the total", before);
  ASSERT_TRUE(svc_->DiscountReceipt(id, 390, Sam()).ok());
  EXPECT_EQ(Due(id), 2000);
  Pay(id, Card(2000));
  const CloseOutcome closed = Close(id);
  EXPECT_EQ(closed.totals.total, 2000);
  // A 20.00 and B 3.90 share the 3.90 off: 3.26 (A) + 0.64 (B, the larger remainder).
  ASSERT_EQ(closed.totals.tax_lines.size(), 2u);
  EXPECT_EQ(closed.totals.tax_lines[0], (TaxLineTotal{"A", 1900, 1674, 1407, 267}));
  EXPECT_EQ(closed.totals.tax_lines[1], (TaxLineTotal{"B", 700, 326, 305, 21}));

  // The approver is recorded in the discount events.
  std::vector<std::string> approvers;
  Status s = store_->ScanStream(ReceiptStream(id), 1, [&](uint64_t, std::string_view bytes) {
    auto view = EventView::Parse(bytes);
    if (const auto* p = PayloadOf<fb::LineDiscountGranted>(*view, EventType::kLineDiscountGranted)) {
      EXPECT_EQ(p->amount(), 380);
      EXPECT_EQ(p->line_no(), 1u);
      approvers.push_back("line:" + p->approved_by()->str());
    }
    if (const auto* p = PayloadOf<fb::ReceiptDiscountGranted>(*view, EventType::kReceiptDiscountGranted)) {
      EXPECT_EQ(p->amount(), 390);
      approvers.push_back("receipt:" + p->approved_by()->str());
    }
    return true;
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(approvers, (std::vector<std::string>{"line:sam", "receipt:sam"}));
  auto event = ClosedEvent(id);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->tax_lines, closed.totals.tax_lines);
}

TEST_F(RegisterTest, SupervisorNeedsNoApproval) {
  ASSERT_NO_FATAL_FAILURE(SignOn("sam", "2222"));
  const std::string id = Open();
  Add(id, "1001", 2);
  ASSERT_TRUE(svc_->DiscountLine(id, 1, 100).ok());
  auto line = svc_->AddLine(id, "1002", 1, 300);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_TRUE(line->price_overridden);
  Pay(id, Cash(700));
  EXPECT_EQ(Close(id).totals.total, 700);
}

TEST_F(RegisterTest, PriceOverrideWithApproval) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string id = Open();
  auto overridden = svc_->AddLine(id, "1001", 2, 199, Sam());
  ASSERT_TRUE(overridden.ok()) << overridden.status().ToString();
  EXPECT_EQ(overridden->unit_price, 199);
  EXPECT_TRUE(overridden->price_overridden);
  // The catalog price given explicitly is no override and needs no approval.
  auto same = svc_->AddLine(id, "1001", 1, 250);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_FALSE(same->price_overridden);
  const uint64_t before = Seq();
  ExpectRefused(svc_->AddLine(id, "1001", 1, -5, Sam()).status(), StatusCode::kInvalidArgument, "negative", before);

  std::string approved_by;
  Status s = store_->ScanStream(ReceiptStream(id), 1, [&](uint64_t, std::string_view bytes) {
    auto view = EventView::Parse(bytes);
    if (const auto* p = PayloadOf<fb::LineAdded>(*view, EventType::kLineAdded); p != nullptr && p->line_no() == 1) {
      EXPECT_TRUE(p->price_overridden());
      EXPECT_EQ(p->unit_price(), 199);
      approved_by = p->approved_by()->str();
    }
    return true;
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(approved_by, "sam");
  Pay(id, Cash(648));
  EXPECT_EQ(Close(id).totals.total, 648);
}

TEST_F(RegisterTest, CancelWithApproval) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string open = Open();
  Add(open, "1003", 1);
  ASSERT_TRUE(svc_->Cancel(open, "customer left", Sam()).ok());
  EXPECT_EQ(svc_->state().FindReceipt(open), nullptr);
  EXPECT_EQ(LastType(), EventType::kReceiptCancelled);

  const std::string parked = Open();
  Add(parked, "1001", 1);
  ASSERT_TRUE(svc_->Park(parked).ok());
  ASSERT_TRUE(svc_->Cancel(parked, "forgotten", Sam()).ok()) << "a parked receipt can be cancelled too";
  EXPECT_EQ(svc_->state().FindReceipt(parked), nullptr);

  // Cancelled receipts take no number; the next sale is number 1.
  EXPECT_EQ(SellCoffee(), 1u);
  auto x = svc_->XReport();
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->figures.cancelled, 2u);
  EXPECT_EQ(x->figures.receipts, 1u);
  const uint64_t before = Seq();
  ExpectRefused(svc_->Cancel(open, "again", Sam()), StatusCode::kNotFound, open, before);
}

// ---------------------------------------------------------------------------
// Refunds

TEST_F(RegisterTest, RefundsTakeBackAtMostWhatWasSold) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string sale = Open();
  Add(sale, "1001", 3);  // 7.50
  Add(sale, "1002", 1);  // 3.90
  Pay(sale, Cash(1140));
  ASSERT_EQ(Close(sale).number, 1u);

  auto refund = svc_->Open(Sam(), 1);
  ASSERT_TRUE(refund.ok()) << refund.status().ToString();
  EXPECT_TRUE(svc_->state().FindReceipt(*refund)->is_refund());
  uint64_t before = Seq();
  ExpectRefused(svc_->AddLine(*refund, "1001", 1).status(), StatusCode::kInvalidArgument, "negative quantities",
                before);
  ExpectRefused(svc_->AddLine(*refund, "1004", -1).status(), StatusCode::kInvalidArgument, "not on receipt number 1",
                before);
  ExpectRefused(svc_->AddLine(*refund, "1002", -2).status(), StatusCode::kFailedPrecondition, "only 1", before);
  ExpectRefused(svc_->AddLine(*refund, "1001", -1, 100, Sam()).status(), StatusCode::kInvalidArgument,
                "original price", before);
  const ReceiptLine back = Add(*refund, "1001", -2);
  EXPECT_EQ(back.quantity, -2);
  EXPECT_EQ(back.unit_price, 250);
  EXPECT_EQ(back.tax_rate, "A");
  before = Seq();
  ExpectRefused(svc_->AddLine(*refund, "1001", -2).status(), StatusCode::kFailedPrecondition, "only 1", before);
  EXPECT_EQ(Due(*refund), -500);
  before = Seq();
  ExpectRefused(svc_->Pay(*refund, Cash(500)), StatusCode::kInvalidArgument, "negative", before);
  ExpectRefused(svc_->Pay(*refund, Cash(-600)), StatusCode::kInvalidArgument, "negative", before);
  ExpectRefused(svc_->DiscountReceipt(*refund, 10, Sam()), StatusCode::kFailedPrecondition, "refund", before);
  Pay(*refund, Cash(-500));
  const CloseOutcome refunded = Close(*refund);
  EXPECT_EQ(refunded.number, 2u);
  EXPECT_EQ(refunded.totals.total, -500);
  EXPECT_EQ(refunded.change, 0);
  ASSERT_EQ(refunded.totals.tax_lines.size(), 1u);
  EXPECT_EQ(refunded.totals.tax_lines[0], (TaxLineTotal{"A", 1900, -500, -420, -80}));
  auto event = ClosedEvent(*refund);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->number, 2u);
  EXPECT_EQ(event->refund_of_number, 1u);
  EXPECT_EQ(event->total, -500);
  EXPECT_EQ(event->payments, (std::map<PaymentType, int64_t>{{PaymentType::kCash, -500}}));

  // A second refund of receipt 1 may take only the one coffee left and the bread.
  auto second = svc_->Open(Sam(), 1);
  ASSERT_TRUE(second.ok());
  before = Seq();
  ExpectRefused(svc_->AddLine(*second, "1001", -2).status(), StatusCode::kFailedPrecondition,
                "only 1 of article 1001 can still be refunded from receipt number 1", before);
  Add(*second, "1001", -1);
  Add(*second, "4000002", -1);
  before = Seq();
  ExpectRefused(svc_->AddLine(*second, "1001", -1).status(), StatusCode::kFailedPrecondition, "only 0", before);
  Pay(*second, Cash(-640));
  EXPECT_EQ(Close(*second).number, 3u);
  const ClosedReceiptRecord* original = svc_->state().FindClosed(1);
  ASSERT_NE(original, nullptr);
  EXPECT_EQ(original->refunded.at("1001"), 3);
  EXPECT_EQ(original->refunded.at("1002"), 1);

  // Nothing is left; refunds of refunds and of unknown numbers are refused.
  auto third = svc_->Open(Sam(), 1);
  ASSERT_TRUE(third.ok());
  before = Seq();
  ExpectRefused(svc_->AddLine(*third, "1001", -1).status(), StatusCode::kFailedPrecondition, "only 0", before);
  ASSERT_TRUE(svc_->Cancel(*third, "nothing left", Sam()).ok());
  before = Seq();
  ExpectRefused(svc_->Open(Sam(), 2).status(), StatusCode::kFailedPrecondition, "itself a refund", before);
  ExpectRefused(svc_->Open(Sam(), 99).status(), StatusCode::kNotFound, "99", before);
}

// Two refunds of the same receipt open at once (one parked) may not take back
// more pieces together than were sold.
TEST_F(RegisterTest, ConcurrentRefundsCannotOverRefund) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string sale = Open();
  Add(sale, "1001", 3);
  Pay(sale, Cash(750));
  ASSERT_EQ(Close(sale).number, 1u);

  auto first = svc_->Open(Sam(), 1);
  ASSERT_TRUE(first.ok());
  Add(*first, "1001", -2);
  ASSERT_TRUE(svc_->Park(*first).ok());
  auto second = svc_->Open(Sam(), 1);
  ASSERT_TRUE(second.ok());
  const uint64_t before = Seq();
  ExpectRefused(svc_->AddLine(*second, "1001", -2).status(), StatusCode::kFailedPrecondition, "only 1", before);
  Add(*second, "1001", -1);
  Pay(*second, Cash(-250));
  EXPECT_EQ(Close(*second).number, 2u);
  ASSERT_TRUE(svc_->Resume(*first).ok());
  Pay(*first, Cash(-500));
  EXPECT_EQ(Close(*first).number, 3u);
  EXPECT_EQ(svc_->state().FindClosed(1)->refunded.at("1001"), 3);
}

// A receipt discount may never end up larger than the lines it was granted on: a
// later void, line discount or return line must not turn it into a payout.
TEST_F(RegisterTest, ReceiptDiscountCannotExceedTheLinesAfterward) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string id = Open();
  Add(id, "1001", 1);  // 2.50
  Add(id, "1003", 1);  // 11.90
  ASSERT_TRUE(svc_->DiscountReceipt(id, 1000, Sam()).ok());
  EXPECT_EQ(Due(id), 440);
  const uint64_t before = Seq();
  ExpectRefused(svc_->VoidLine(id, 2), StatusCode::kFailedPrecondition, "receipt discount", before);
  ExpectRefused(svc_->DiscountLine(id, 2, 1000, Sam()), StatusCode::kFailedPrecondition, "receipt discount", before);
  ExpectRefused(svc_->AddLine(id, "1003", -1, std::nullopt, Sam()).status(), StatusCode::kFailedPrecondition,
                "receipt discount", before);
  EXPECT_EQ(Due(id), 440);
  // Within the discount's cover these still work.
  ASSERT_TRUE(svc_->VoidLine(id, 1).ok());
  EXPECT_EQ(Due(id), 190);
  ASSERT_TRUE(svc_->DiscountLine(id, 2, 190, Sam()).ok());
  EXPECT_EQ(Due(id), 0);
  const CloseOutcome closed = Close(id);
  EXPECT_EQ(closed.number, 1u);
  EXPECT_EQ(closed.totals.total, 0);
}

// ---------------------------------------------------------------------------
// Cash movements, X and Z reports

TEST_F(RegisterTest, CashMovements) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  ASSERT_TRUE(svc_->CashMovement(true, 10000, "float", Sam()).ok());
  ASSERT_TRUE(svc_->CashMovement(false, 2500, "to the bank", Sam()).ok());
  uint64_t before = Seq();
  ExpectRefused(svc_->CashMovement(false, 7501, "too much", Sam()), StatusCode::kFailedPrecondition,
                "exceeds the 75.00 expected", before);
  ExpectRefused(svc_->CashMovement(true, 0, "nothing", Sam()), StatusCode::kInvalidArgument, "more than 0", before);
  auto x = svc_->XReport();
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->figures.cash_in, 10000);
  EXPECT_EQ(x->figures.cash_out, 2500);
  EXPECT_EQ(x->expected_cash, 7500);
  EXPECT_EQ(x->counted_cash, 7500);
  EXPECT_EQ(x->difference, 0);

  std::vector<std::string> seen;
  Status s = store_->ScanStream(svc_->state().stream(), 1, [&](uint64_t, std::string_view bytes) {
    auto view = EventView::Parse(bytes);
    if (const auto* p = PayloadOf<fb::CashMovementRecorded>(*view, EventType::kCashMovementRecorded)) {
      seen.push_back(std::string(p->kind() == fb::CashMovementKind::In ? "in " : "out ") +
                     std::to_string(p->amount()) + " " + p->reason()->str() + " by " + p->approved_by()->str());
    }
    return true;
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"in 10000 float by sam", "out 2500 to the bank by sam"}));
}

TEST_F(RegisterTest, DayCloseFixesTheDayFiguresAndStartsAFreshDay) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  ASSERT_TRUE(svc_->CashMovement(true, 5000, "float", Sam()).ok());
  // 1 (anna): 8.90, card 5.00 + cash 10.00, change 6.10.
  const std::string r1 = Open();
  Add(r1, "1001", 2);
  Add(r1, "1002", 1);
  Pay(r1, Card(500));
  Pay(r1, Cash(1000));
  ASSERT_EQ(Close(r1).number, 1u);
  // 2 (anna): apple voided, wine paid in cash.
  const std::string r2 = Open();
  Add(r2, "1004", 1);
  Add(r2, "1003", 1);
  ASSERT_TRUE(svc_->VoidLine(r2, 1).ok());
  Pay(r2, Cash(1190));
  ASSERT_EQ(Close(r2).number, 2u);
  // A cancelled receipt.
  const std::string cancelled = Open();
  Add(cancelled, "1001", 1);
  ASSERT_TRUE(svc_->Cancel(cancelled, "changed mind", Sam()).ok());
  // 3 (ben): two breads by voucher.
  ASSERT_NO_FATAL_FAILURE(SignOn("ben", "4444"));
  const std::string r3 = Open();
  Add(r3, "1002", 2);
  Pay(r3, Voucher(780));
  ASSERT_EQ(Close(r3).number, 3u);
  // 4 (ben): refund of one coffee of receipt 1, paid out in cash.
  auto r4 = svc_->Open(Sam(), 1);
  ASSERT_TRUE(r4.ok());
  Add(*r4, "1001", -1);
  Pay(*r4, Cash(-250));
  ASSERT_EQ(Close(*r4).number, 4u);
  ASSERT_TRUE(svc_->CashMovement(false, 1000, "to the bank", Sam()).ok());

  // The X report shows the day so far and writes nothing.
  uint64_t before = Seq();
  auto x = svc_->XReport();
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  EXPECT_EQ(Seq(), before);
  EXPECT_EQ(x->z_number, 1u);
  EXPECT_EQ(x->expected_cash, 5330);
  EXPECT_EQ(x->counted_cash, 5330);

  auto z = svc_->CloseDay(5300, Sam());
  ASSERT_TRUE(z.ok()) << z.status().ToString();
  EXPECT_EQ(LastType(), EventType::kDayClosed);
  EXPECT_EQ(z->z_number, 1u);
  const DayFigures& f = z->figures;
  EXPECT_EQ(f, x->figures) << "the Z report fixes what the X report showed";
  EXPECT_EQ(f.first_receipt, 1u);
  EXPECT_EQ(f.last_receipt, 4u);
  EXPECT_EQ(f.receipts, 4u);
  EXPECT_EQ(f.refunds, 1u);
  EXPECT_EQ(f.cancelled, 1u);
  EXPECT_EQ(f.voided_lines, 1u);
  EXPECT_EQ(f.total, 890 + 1190 + 780 - 250);
  // Per rate, the sum of each receipt's rounded figures.
  EXPECT_EQ(f.tax, (std::map<std::string, TaxLineTotal>{{"A", {"A", 1900, 1440, 1210, 230}},
                                                         {"B", {"B", 700, 1170, 1093, 77}}}));
  EXPECT_EQ(f.payments, (std::map<PaymentType, int64_t>{
                            {PaymentType::kCash, 390 + 1190 - 250}, {PaymentType::kCard, 500}, {PaymentType::kVoucher, 780}}));
  EXPECT_EQ(f.cashiers, (std::map<std::string, CashierFigures>{{"anna", {2, 890 + 1190}}, {"ben", {2, 780 - 250}}}));
  EXPECT_EQ(f.cash_in, 5000);
  EXPECT_EQ(f.cash_out, 1000);
  EXPECT_GT(f.opened_at_us, 0);
  EXPECT_EQ(z->expected_cash, 5330);
  EXPECT_EQ(z->counted_cash, 5300);
  EXPECT_EQ(z->difference, -30);
  EXPECT_EQ(z->approved_by, "sam");

  // The DayClosed event carries the same report.
  auto bytes = store_->ReadEvent(Seq());
  ASSERT_TRUE(bytes.ok());
  auto view = EventView::Parse(*bytes);
  ASSERT_TRUE(view.ok());
  const auto* day = PayloadOf<fb::DayClosed>(*view, EventType::kDayClosed);
  ASSERT_NE(day, nullptr);
  EXPECT_EQ(day->z_number(), 1u);
  EXPECT_EQ(day->first_receipt(), 1u);
  EXPECT_EQ(day->last_receipt(), 4u);
  EXPECT_EQ(day->receipts(), 4u);
  EXPECT_EQ(day->refunds(), 1u);
  EXPECT_EQ(day->cancelled(), 1u);
  EXPECT_EQ(day->voided_lines(), 1u);
  EXPECT_EQ(day->total(), 2610);
  EXPECT_EQ(day->expected_cash(), 5330);
  EXPECT_EQ(day->counted_cash(), 5300);
  EXPECT_EQ(day->difference(), -30);
  EXPECT_EQ(day->approved_by()->str(), "sam");
  ASSERT_EQ(day->cashiers()->size(), 2u);
  EXPECT_EQ(day->cashiers()->Get(1)->cashier()->str(), "ben");
  EXPECT_EQ(day->cashiers()->Get(1)->total(), 530);

  // A fresh day: nothing counted yet, the next Z number is 2.
  auto fresh = svc_->XReport();
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->z_number, 2u);
  EXPECT_EQ(fresh->figures.receipts, 0u);
  EXPECT_EQ(fresh->figures.total, 0);
  EXPECT_EQ(fresh->figures.first_receipt, 0u);
  EXPECT_TRUE(fresh->figures.tax.empty());
  EXPECT_TRUE(fresh->figures.payments.empty());
  EXPECT_EQ(fresh->expected_cash, 0);
  before = Seq();
  ExpectRefused(svc_->CashMovement(false, 100, "no cash left", Sam()), StatusCode::kFailedPrecondition, "exceeds",
                before);

  EXPECT_EQ(SellCoffee(), 5u) << "receipt numbers run on across days";
  auto z2 = svc_->CloseDay(250, Sam());
  ASSERT_TRUE(z2.ok()) << z2.status().ToString();
  EXPECT_EQ(z2->z_number, 2u);
  EXPECT_EQ(z2->figures.first_receipt, 5u);
  EXPECT_EQ(z2->figures.last_receipt, 5u);
  EXPECT_EQ(z2->figures.receipts, 1u);
  EXPECT_EQ(z2->figures.total, 250);
  EXPECT_EQ(z2->figures.cancelled, 0u);
  EXPECT_EQ(z2->difference, 0);
  auto z3 = svc_->CloseDay(0, Sam());
  ASSERT_TRUE(z3.ok()) << "an empty day closes too: " << z3.status().ToString();
  EXPECT_EQ(z3->z_number, 3u);
  EXPECT_EQ(z3->figures.receipts, 0u);

  // Z numbers in the log are dense, also after a restart.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(svc_->state().last_z_number(), 3u);
  auto z4 = svc_->CloseDay(0, Sam());
  ASSERT_TRUE(z4.ok());
  EXPECT_EQ(z4->z_number, 4u);
  std::vector<uint64_t> z_numbers;
  for (const std::string& event : LogBytes()) {
    auto v = EventView::Parse(event);
    if (const auto* p = PayloadOf<fb::DayClosed>(*v, EventType::kDayClosed)) z_numbers.push_back(p->z_number());
  }
  EXPECT_EQ(z_numbers, (std::vector<uint64_t>{1, 2, 3, 4}));
}

// ---------------------------------------------------------------------------
// The Z reports against an independent recomputation from the journal.

// Per day figures recomputed from the raw events of the log.
struct Recomputed {
  uint64_t first_receipt = 0;
  uint64_t last_receipt = 0;
  int64_t opened_at_us = 0;
  uint32_t receipts = 0;
  uint32_t refunds = 0;
  uint32_t cancelled = 0;
  uint32_t voided_lines = 0;
  int64_t total = 0;
  std::map<std::string, TaxLineTotal> tax;
  std::map<PaymentType, int64_t> payments;
  std::map<std::string, CashierFigures> cashiers;
  int64_t cash_in = 0;
  int64_t cash_out = 0;
};

// A receipt as rebuilt from its line, discount and payment events.
struct ReceiptTrace {
  uint64_t refund_of = 0;
  std::vector<int64_t> line_amounts;
  std::vector<bool> voided;
  int64_t receipt_discount = 0;
  std::map<PaymentType, int64_t> paid;
  uint32_t voids = 0;
};

TEST_F(RegisterTest, ZReportsEqualARecomputationFromTheJournal) {
  std::mt19937_64 rng(424242);
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const std::vector<std::string> refs = {"1001", "1002", "1003", "1004", "4000001", "4000002", "4000003"};
  std::map<uint64_t, std::map<std::string, int64_t>> refundable;  // sale number -> article -> pieces left
  std::vector<ZReport> reports;
  int refunds = 0, cancels = 0, voids = 0, discounts = 0, parks = 0;

  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  for (int day = 0; day < 2; ++day) {
    ASSERT_TRUE(svc_->CashMovement(true, 2000 + day * 500, "float", Sam()).ok());
    for (int n = 0; n < 14; ++n) {
      SCOPED_TRACE("day " + std::to_string(day) + " receipt " + std::to_string(n));
      if (uniform(0, 4) == 0) {
        const std::string next = svc_->state().signed_on() == "anna" ? "ben" : "anna";
        ASSERT_NO_FATAL_FAILURE(SignOn(next, next == "anna" ? "1111" : "4444"));
      }
      const int64_t kind = uniform(0, 9);
      if (kind == 0 && !refundable.empty()) {  // a refund of some earlier sale
        auto it = refundable.begin();
        std::advance(it, uniform(0, static_cast<int64_t>(refundable.size()) - 1));
        std::vector<std::string> left;
        for (const auto& [code, pieces] : it->second) {
          if (pieces > 0) left.push_back(code);
        }
        if (left.empty()) continue;
        auto id = svc_->Open(Sam(), it->first);
        ASSERT_TRUE(id.ok()) << id.status().ToString();
        const std::string code = left[uniform(0, static_cast<int64_t>(left.size()) - 1)];
        const int64_t pieces = std::min<int64_t>(it->second[code], uniform(1, 2));
        Add(*id, code, -pieces);
        it->second[code] -= pieces;
        Pay(*id, Cash(Due(*id)));
        const CloseOutcome out = Close(*id);
        EXPECT_EQ(out.number, svc_->state().last_receipt_number());
        ++refunds;
        continue;
      }
      const std::string id = Open();
      std::map<std::string, int64_t> sold;
      const int64_t lines = uniform(1, 5);
      for (int64_t i = 0; i < lines; ++i) {
        const ReceiptLine line = Add(id, refs[uniform(0, static_cast<int64_t>(refs.size()) - 1)], uniform(1, 3));
        sold[line.article_code] += line.quantity;
      }
      if (lines > 1 && uniform(0, 3) == 0) {
        const auto line_no = static_cast<uint32_t>(uniform(1, lines));
        ASSERT_TRUE(svc_->VoidLine(id, line_no).ok());
        sold[svc_->state().FindReceipt(id)->lines[line_no - 1].article_code] -=
            svc_->state().FindReceipt(id)->lines[line_no - 1].quantity;
        ++voids;
      }
      if (kind == 1) {
        ASSERT_TRUE(svc_->Cancel(id, "test", Sam()).ok());
        ++cancels;
        continue;
      }
      if (uniform(0, 3) == 0) {
        const ReceiptLine& first = svc_->state().FindReceipt(id)->lines[0];
        if (!first.voided && first.Amount() > 1) {
          ASSERT_TRUE(svc_->DiscountLine(id, 1, uniform(1, first.Amount() / 2), Sam()).ok());
          ++discounts;
        }
      }
      if (uniform(0, 3) == 0) {
        ASSERT_TRUE(svc_->DiscountReceipt(id, uniform(1, Due(id) / 3 + 1), Sam()).ok());
        ++discounts;
      }
      if (uniform(0, 5) == 0) {
        ASSERT_TRUE(svc_->Park(id).ok());
        ASSERT_TRUE(svc_->Resume(id).ok());
        ++parks;
      }
      const int64_t due = Due(id);
      switch (uniform(0, 3)) {
        case 0: Pay(id, Card(due)); break;
        case 1: Pay(id, Cash(due + uniform(0, 999))); break;
        case 2:
          if (due > 1) {
            Pay(id, Card(due / 2));
            Pay(id, Cash(due - due / 2 + uniform(0, 500)));
          } else {
            Pay(id, Cash(due));
          }
          break;
        default: Pay(id, Voucher(due)); break;
      }
      const CloseOutcome out = Close(id);
      ASSERT_NE(out.number, 0u);
      refundable[out.number] = sold;
    }
    if (uniform(0, 1) == 1) {
      const int64_t drawer = svc_->state().day().ExpectedCash();
      if (drawer > 100) {
        ASSERT_TRUE(svc_->CashMovement(false, drawer / 2, "bank", Sam()).ok());
      }
    }
    const int64_t counted = std::max<int64_t>(0, svc_->state().day().ExpectedCash() + uniform(-50, 50));
    auto z = svc_->CloseDay(counted, Sam());
    ASSERT_TRUE(z.ok()) << z.status().ToString();
    reports.push_back(*z);
  }
  // The script really exercised what the report counts.
  EXPECT_GT(refunds, 0);
  EXPECT_GT(cancels, 0);
  EXPECT_GT(parks, 0);
  EXPECT_GT(voids, 0);
  EXPECT_GT(discounts, 0);

  // Recompute from the raw log, independently of the register's state.
  std::map<std::string, ReceiptTrace> receipts;  // by stream
  Recomputed day;
  std::vector<uint64_t> numbers;
  size_t days_checked = 0;
  const std::string node = store_->node_id();
  for (const std::string& bytes : LogBytes()) {
    auto view = EventView::Parse(bytes);
    ASSERT_TRUE(view.ok());
    if (view->origin() != node) continue;
    const std::string stream(view->stream());
    const auto type = static_cast<EventType>(view->type());
    auto start_day = [&] {
      if (day.opened_at_us == 0) day.opened_at_us = view->wall_time_us();
    };
    switch (type) {
      case EventType::kCashierSignedOn: start_day(); break;
      case EventType::kReceiptOpened: {
        start_day();
        receipts[stream].refund_of = view->PayloadAs<fb::ReceiptOpened>()->refund_of_number();
        break;
      }
      case EventType::kLineAdded: {
        const auto* p = view->PayloadAs<fb::LineAdded>();
        receipts[stream].line_amounts.push_back(p->quantity() * p->unit_price());
        receipts[stream].voided.push_back(false);
        break;
      }
      case EventType::kLineVoided:
        receipts[stream].voided.at(view->PayloadAs<fb::LineVoided>()->line_no() - 1) = true;
        ++receipts[stream].voids;
        break;
      case EventType::kLineDiscountGranted: {
        const auto* p = view->PayloadAs<fb::LineDiscountGranted>();
        receipts[stream].line_amounts.at(p->line_no() - 1) -= p->amount();
        break;
      }
      case EventType::kReceiptDiscountGranted:
        receipts[stream].receipt_discount += view->PayloadAs<fb::ReceiptDiscountGranted>()->amount();
        break;
      case EventType::kPaymentAdded: {
        const auto* p = view->PayloadAs<fb::PaymentAdded>();
        receipts[stream].paid[static_cast<PaymentType>(p->type())] += p->amount();
        break;
      }
      case EventType::kReceiptCancelled: ++day.cancelled; break;
      case EventType::kReceiptClosed: {
        const ClosedFigures closed = CopyClosed(*view->PayloadAs<fb::ReceiptClosed>());
        const ReceiptTrace& trace = receipts.at(stream);
        SCOPED_TRACE("receipt number " + std::to_string(closed.number));
        // The receipt's figures against its own line events.
        int64_t lines_total = 0;
        for (size_t i = 0; i < trace.line_amounts.size(); ++i) lines_total += trace.voided[i] ? 0 : trace.line_amounts[i];
        EXPECT_EQ(closed.total, lines_total - trace.receipt_discount);
        int64_t gross = 0;
        for (const TaxLineTotal& t : closed.tax_lines) {
          EXPECT_EQ(t.net + t.tax, t.gross);
          gross += t.gross;
        }
        EXPECT_EQ(gross, closed.total);
        std::map<PaymentType, int64_t> kept = trace.paid;
        kept[PaymentType::kCash] -= closed.change;
        std::erase_if(kept, [](const auto& entry) { return entry.second == 0; });
        EXPECT_EQ(closed.payments, kept);
        EXPECT_EQ(closed.voided_lines, trace.voids);
        EXPECT_EQ(closed.refund_of_number, trace.refund_of);
        numbers.push_back(closed.number);
        // The day's sums.
        if (day.first_receipt == 0) day.first_receipt = closed.number;
        day.last_receipt = closed.number;
        ++day.receipts;
        if (trace.refund_of != 0) ++day.refunds;
        day.voided_lines += trace.voids;
        day.total += closed.total;
        for (const TaxLineTotal& t : closed.tax_lines) {
          TaxLineTotal& sum = day.tax[t.tax_rate];
          sum.tax_rate = t.tax_rate;
          sum.basis_points = t.basis_points;
          sum.gross += t.gross;
          sum.net += t.net;
          sum.tax += t.tax;
        }
        for (const auto& [payment_type, amount] : closed.payments) day.payments[payment_type] += amount;
        ++day.cashiers[closed.cashier].receipts;
        day.cashiers[closed.cashier].total += closed.total;
        break;
      }
      case EventType::kCashMovementRecorded: {
        start_day();
        const auto* p = view->PayloadAs<fb::CashMovementRecorded>();
        (p->kind() == fb::CashMovementKind::In ? day.cash_in : day.cash_out) += p->amount();
        break;
      }
      case EventType::kDayClosed: {
        const auto* p = view->PayloadAs<fb::DayClosed>();
        ASSERT_NE(p, nullptr);
        ASSERT_LT(days_checked, reports.size());
        SCOPED_TRACE("Z " + std::to_string(p->z_number()));
        EXPECT_EQ(p->z_number(), days_checked + 1);
        EXPECT_EQ(p->first_receipt(), day.first_receipt);
        EXPECT_EQ(p->last_receipt(), day.last_receipt);
        EXPECT_EQ(p->opened_at_us(), day.opened_at_us);
        EXPECT_EQ(p->receipts(), day.receipts);
        EXPECT_EQ(p->refunds(), day.refunds);
        EXPECT_EQ(p->cancelled(), day.cancelled);
        EXPECT_EQ(p->voided_lines(), day.voided_lines);
        EXPECT_EQ(p->total(), day.total);
        std::map<std::string, TaxLineTotal> tax;
        for (const auto* t : *p->tax_lines()) {
          tax[t->tax_rate()->str()] = {t->tax_rate()->str(), t->basis_points(), t->gross(), t->net(), t->tax()};
        }
        EXPECT_EQ(tax, day.tax);
        std::map<PaymentType, int64_t> payments;
        for (const auto* t : *p->payments()) payments[static_cast<PaymentType>(t->type())] += t->amount();
        EXPECT_EQ(payments, day.payments);
        std::map<std::string, CashierFigures> cashiers;
        for (const auto* c : *p->cashiers()) cashiers[c->cashier()->str()] = {c->receipts(), c->total()};
        EXPECT_EQ(cashiers, day.cashiers);
        EXPECT_EQ(p->cash_in(), day.cash_in);
        EXPECT_EQ(p->cash_out(), day.cash_out);
        const auto cash = day.payments.find(PaymentType::kCash);
        const int64_t expected = (cash == day.payments.end() ? 0 : cash->second) + day.cash_in - day.cash_out;
        EXPECT_EQ(p->expected_cash(), expected);
        EXPECT_EQ(p->difference(), p->counted_cash() - expected);
        EXPECT_EQ(p->approved_by()->str(), "sam");
        // And the report the service returned is the one in the log.
        const ZReport& report = reports[days_checked];
        EXPECT_EQ(report.z_number, p->z_number());
        EXPECT_EQ(report.counted_cash, p->counted_cash());
        EXPECT_EQ(report.expected_cash, p->expected_cash());
        EXPECT_EQ(report.figures.total, p->total());
        EXPECT_EQ(report.figures.tax, day.tax);
        EXPECT_EQ(report.figures.payments, day.payments);
        EXPECT_EQ(report.figures.cashiers, day.cashiers);
        ++days_checked;
        day = Recomputed{};
        break;
      }
      default: break;
    }
  }
  EXPECT_EQ(days_checked, 2u);
  for (size_t i = 0; i < numbers.size(); ++i) EXPECT_EQ(numbers[i], i + 1) << "numbers are dense in log order";
}

// ---------------------------------------------------------------------------
// Permissions

TEST_F(RegisterTest, CashierIsRefusedPermissionedCommandsAndEachRefusalIsRecorded) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  EXPECT_EQ(SellCoffee(), 1u);
  const std::string id = Open();
  Add(id, "1003", 1);

  uint64_t before = Seq();
  ExpectDenied(svc_->Cancel(id, "no reason"), before, "cancel receipt");
  ASSERT_NE(svc_->state().FindReceipt(id), nullptr) << "the receipt is still open";
  before = Seq();
  ExpectDenied(svc_->DiscountLine(id, 1, 100), before, "line discount");
  before = Seq();
  ExpectDenied(svc_->DiscountReceipt(id, 100), before, "receipt discount");
  before = Seq();
  ExpectDenied(svc_->AddLine(id, "1001", 1, 199).status(), before, "add line");
  before = Seq();
  ExpectDenied(svc_->AddLine(id, "1001", -1).status(), before, "add line");
  EXPECT_EQ(svc_->state().FindReceipt(id)->lines.size(), 1u);
  EXPECT_EQ(svc_->state().FindReceipt(id)->lines[0].discount, 0);
  EXPECT_EQ(svc_->state().FindReceipt(id)->receipt_discount, 0);
  before = Seq();
  ExpectDenied(svc_->Open(std::nullopt, 1).status(), before, "open refund");
  before = Seq();
  ExpectDenied(svc_->CashMovement(true, 100, "float"), before, "cash in");
  before = Seq();
  ExpectDenied(svc_->CashMovement(false, 100, "bank"), before, "cash out");
  ASSERT_TRUE(svc_->Cancel(id, "done", Sam()).ok());
  before = Seq();
  ExpectDenied(svc_->CloseDay(250).status(), before, "day close");
  EXPECT_EQ(svc_->state().last_z_number(), 0u);

  // The X report is every cashier's right.
  EXPECT_TRUE(svc_->XReport().ok());
}

TEST_F(RegisterTest, ApprovalNeedsTheRightPinAndASupervisor) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string id = Open();
  Add(id, "1003", 1);

  // A wrong PIN or an unknown approver fails authentication: refused, and (like a
  // failed sign-on) nothing is written.
  uint64_t before = Seq();
  Status wrong_pin = svc_->DiscountLine(id, 1, 100, Approval{"sam", "2223"});
  EXPECT_EQ(wrong_pin.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(wrong_pin.message().find("wrong PIN"), std::string::npos) << wrong_pin.message();
  EXPECT_EQ(Seq(), before);
  Status unknown = svc_->Cancel(id, "x", Approval{"nobody", "2222"});
  EXPECT_EQ(unknown.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Seq(), before);
  Status wrong_sign_on = svc_->SignOn("sam", "0000");
  EXPECT_EQ(wrong_sign_on.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Seq(), before);
  EXPECT_EQ(svc_->state().signed_on(), "anna");

  // Another cashier's valid approval does not lend a permission they lack.
  before = Seq();
  Status by_cashier = svc_->DiscountLine(id, 1, 100, Approval{"ben", "4444"});
  ExpectDenied(by_cashier, before, "line discount");
  EXPECT_NE(by_cashier.message().find("ben is a cashier"), std::string::npos) << by_cashier.message();
  before = Seq();
  ExpectDenied(svc_->Cancel(id, "x", Approval{"ben", "4444"}), before, "cancel receipt");
  EXPECT_EQ(svc_->state().FindReceipt(id)->lines[0].discount, 0);

  // The supervisor's and the admin's approvals work.
  ASSERT_TRUE(svc_->DiscountLine(id, 1, 100, Sam()).ok());
  ASSERT_TRUE(svc_->Cancel(id, "x", Approval{"root", "3333"}).ok());
}

// ---------------------------------------------------------------------------
// Refusals that write nothing

TEST_F(RegisterTest, BadCommandsAreRefusedClearlyAndWriteNothing) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  const std::string id = Open();
  uint64_t before = Seq();
  ExpectRefused(svc_->AddLine(id, "9999", 1).status(), StatusCode::kNotFound, "no article with code or barcode '9999'",
                before);
  ExpectRefused(svc_->AddLine(id, "1001", 0).status(), StatusCode::kInvalidArgument, "quantity 0", before);
  ExpectRefused(svc_->AddLine(id, "1001", 10000).status(), StatusCode::kInvalidArgument, "quantity 10000", before);
  ExpectRefused(svc_->AddLine("ffffffff-99", "1001", 1).status(), StatusCode::kNotFound, "ffffffff-99", before);
  ExpectRefused(svc_->Close(id).status(), StatusCode::kFailedPrecondition, "empty", before);
  ExpectRefused(svc_->Pay(id, Cash(100)), StatusCode::kFailedPrecondition, "no lines", before);
  ExpectRefused(svc_->Park(id), StatusCode::kFailedPrecondition, "empty", before);

  // A negative quantity on a sale is a refund: for a cashier a permission
  // refusal, recorded as exactly one PermissionDenied event.
  ExpectDenied(svc_->AddLine(id, "1001", -1).status(), before, "add line");

  Add(id, "1003", 1);  // 11.90
  before = Seq();
  ExpectRefused(svc_->Pay(id, Card(1191)), StatusCode::kInvalidArgument, "only cash gives change", before);
  ExpectRefused(svc_->Pay(id, Cash(0)), StatusCode::kInvalidArgument, "more than 0", before);
  ExpectRefused(svc_->Pay(id, Cash(-10)), StatusCode::kInvalidArgument, "more than 0", before);
  ExpectRefused(svc_->Close(id).status(), StatusCode::kFailedPrecondition, "11.90 still due", before);
  Pay(id, Card(1000));
  before = Seq();
  ExpectRefused(svc_->Close(id).status(), StatusCode::kFailedPrecondition, "1.90 still due", before);
  ExpectRefused(svc_->Pay(id, Voucher(191)), StatusCode::kInvalidArgument, "exceeds the 1.90 due", before);
  ExpectRefused(svc_->Park(id), StatusCode::kFailedPrecondition, "payments", before);
  Pay(id, Cash(200));
  before = Seq();
  ExpectRefused(svc_->Pay(id, Cash(100)), StatusCode::kFailedPrecondition, "paid in full", before);
  EXPECT_EQ(Close(id).number, 1u);
  before = Seq();
  ExpectRefused(svc_->Close(id).status(), StatusCode::kNotFound, "no open receipt", before);

  // Day close with an open and a parked receipt: refused, both listed.
  const std::string open = Open();
  Add(open, "1001", 1);
  const std::string parked = Open();
  Add(parked, "1002", 1);
  ASSERT_TRUE(svc_->Park(parked).ok());
  before = Seq();
  Status day = svc_->CloseDay(0, Sam()).status();
  ExpectRefused(day, StatusCode::kFailedPrecondition, open + " (open)", before);
  EXPECT_NE(day.message().find(parked + " (parked)"), std::string::npos) << day.message();

  // A parked receipt takes no commands but resume and cancel.
  const std::string resume_first = "parked; resume it first";
  ExpectRefused(svc_->AddLine(parked, "1001", 1).status(), StatusCode::kFailedPrecondition, resume_first, before);
  ExpectRefused(svc_->Pay(parked, Cash(390)), StatusCode::kFailedPrecondition, resume_first, before);
  ExpectRefused(svc_->Close(parked).status(), StatusCode::kFailedPrecondition, resume_first, before);
  ExpectRefused(svc_->VoidLine(parked, 1), StatusCode::kFailedPrecondition, resume_first, before);
  ExpectRefused(svc_->DiscountLine(parked, 1, 10, Sam()), StatusCode::kFailedPrecondition, resume_first, before);
  ExpectRefused(svc_->DiscountReceipt(parked, 10, Sam()), StatusCode::kFailedPrecondition, resume_first, before);
  ExpectRefused(svc_->Park(parked), StatusCode::kFailedPrecondition, resume_first, before);
  ExpectRefused(svc_->Resume(open), StatusCode::kFailedPrecondition, "not parked", before);
  ExpectRefused(svc_->Resume("ffffffff-1"), StatusCode::kNotFound, "ffffffff-1", before);

  // Nobody signed on: every till command is refused.
  ASSERT_TRUE(svc_->SignOff().ok());
  EXPECT_FALSE(svc_->state().signed_on().has_value());
  before = Seq();
  const std::string nobody = "nobody is signed on";
  ExpectRefused(svc_->SignOff(), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->Open().status(), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->AddLine(open, "1001", 1).status(), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->VoidLine(open, 1), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->Pay(open, Cash(250)), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->Park(open), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->Resume(parked), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->Cancel(open, "x", Sam()), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->Close(open).status(), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->CashMovement(true, 100, "x", Sam()), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->XReport().status(), StatusCode::kFailedPrecondition, nobody, before);
  ExpectRefused(svc_->CloseDay(0, Sam()).status(), StatusCode::kFailedPrecondition, nobody, before);

  // Signing on again: the same user twice is refused, a change of user is fine.
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  before = Seq();
  ExpectRefused(svc_->SignOn("anna", "1111"), StatusCode::kFailedPrecondition, "signed on already", before);
}

// ---------------------------------------------------------------------------
// Gap-free numbering

TEST_F(RegisterTest, NumbersContinueDenselyAcrossRestarts) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  for (uint64_t n = 1; n <= 3; ++n) EXPECT_EQ(SellCoffee(), n);
  // A receipt left open over the restart is finished afterwards.
  const std::string left_open = Open();
  Add(left_open, "1002", 1);
  const std::string cancelled = Open();
  Add(cancelled, "1002", 1);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(svc_->state().last_receipt_number(), 3u);
  EXPECT_EQ(svc_->state().signed_on(), "anna");
  ASSERT_NE(svc_->state().FindReceipt(left_open), nullptr);
  ASSERT_TRUE(svc_->Cancel(cancelled, "restart", Sam()).ok());
  Pay(left_open, Cash(390));
  EXPECT_EQ(Close(left_open).number, 4u);
  EXPECT_EQ(SellCoffee(), 5u);
  const std::string fresh = Open();
  EXPECT_NE(fresh, left_open);
  EXPECT_NE(fresh, cancelled) << "receipt ids are not reused either";

  ASSERT_NO_FATAL_FAILURE(Reopen());
  Add(fresh, "1001", 1);
  Pay(fresh, Cash(250));
  EXPECT_EQ(Close(fresh).number, 6u);
  EXPECT_EQ(NumbersInLog(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  // The refund bookkeeping survives restarts too.
  ASSERT_NE(svc_->state().FindClosed(4), nullptr);
  EXPECT_EQ(svc_->state().FindClosed(4)->lines[0].article_code, "1002");
}


// ---------------------------------------------------------------------------
// Start-up snapshot (domain/till_snapshot.h)

// The register's whole state as bytes: two registers are equal when these are.
std::string StateBytes(const RegisterService& service) {
  std::string bytes;
  service.state().EncodeState(bytes);
  return bytes;
}

TEST_F(RegisterTest, StartsFromItsSnapshotPlusTheEventsAfterItAndEqualsAFullReplay) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  for (int i = 0; i < 3; ++i) SellCoffee();
  const std::string parked = Open();
  Add(parked, "1003", 2);
  ASSERT_TRUE(svc_->Park(parked).ok());
  const std::string refund = [&] {
    auto id = svc_->Open(Sam(), 2);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : std::string();
  }();
  Add(refund, "1001", -1);
  Pay(refund, Cash(-250));
  Close(refund);
  ASSERT_TRUE(svc_->CashMovement(true, 5000, "float", Sam()).ok());
  ASSERT_TRUE(svc_->SaveSnapshot().ok());
  const uint64_t snapshot_seq = Seq();

  // After the snapshot: more sales, a receipt left open, a cancellation.
  SellCoffee();
  const std::string open = Open();
  Add(open, "1002", 3);
  const std::string cancelled = Open();
  Add(cancelled, "1004", 1);
  ASSERT_TRUE(svc_->Cancel(cancelled, "changed mind", Sam()).ok());
  const std::string live = StateBytes(*svc_);
  const uint64_t after = Seq() - snapshot_seq;

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(svc_->load_report().from_snapshot) << svc_->load_report().snapshot_refused;
  EXPECT_EQ(svc_->load_report().replayed_events, after) << "only the own events after the snapshot";
  EXPECT_EQ(StateBytes(*svc_), live);

  ASSERT_TRUE(store_->DeleteSnapshot(RegisterService::kSnapshotName).ok());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_FALSE(svc_->load_report().from_snapshot);
  EXPECT_EQ(svc_->load_report().snapshot_refused, "missing");
  EXPECT_EQ(StateBytes(*svc_), live) << "a full replay builds the same state";
  EXPECT_EQ(SellCoffee(), 6u);
}

TEST_F(RegisterTest, StaleOrDamagedSnapshotsAreRefusedAndTheFullHistoryReplayed) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  for (int i = 0; i < 4; ++i) SellCoffee();
  // The state after four receipts: trusted with a head it does not belong to, it
  // would lose the four receipts sold after it.
  const std::string early_state = StateBytes(*svc_);
  for (int i = 0; i < 4; ++i) SellCoffee();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  const std::string truth = StateBytes(*svc_);
  const uint64_t own_events = svc_->load_report().replayed_events;
  ASSERT_EQ(svc_->state().last_receipt_number(), 8u);
  ASSERT_NE(early_state, truth);

  auto head_event = store_->ReadEvent(Seq());
  ASSERT_TRUE(head_event.ok());
  auto head_view = EventView::Parse(*head_event);
  ASSERT_TRUE(head_view.ok());
  ASSERT_EQ(head_view->origin(), store_->node_id());
  const uint64_t head_seq = head_view->origin_seq();
  const std::string head_hash(head_view->hash());

  struct Case {
    std::string name;
    std::string bytes;
    std::string refused;  // the start of the reason
  };
  const std::vector<Case> cases = {
      {"names an event beyond the log", EncodeSnapshot(1, {head_seq + 5, std::string(32, 'x')}, early_state),
       "stale: it names own event"},
      {"names a held event with another hash", EncodeSnapshot(1, {head_seq, std::string(32, 'x')}, early_state),
       "stale: own event"},
      {"is cut short", EncodeSnapshot(1, {head_seq, head_hash}, truth.substr(0, truth.size() / 2)),
       "damaged: the register snapshot does not decode"},
      {"has trailing bytes", EncodeSnapshot(1, {head_seq, head_hash}, truth + "x"),
       "damaged: the register snapshot does not decode"},
      {"is of another format", EncodeSnapshot(99, {head_seq, head_hash}, truth), "damaged: format 99"},
      {"is garbage", "garbage", "damaged: 7 bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("a snapshot that " + c.name);
    ASSERT_TRUE(store_->PutSnapshot(RegisterService::kSnapshotName, c.bytes).ok());
    ASSERT_NO_FATAL_FAILURE(Reopen());
    EXPECT_FALSE(svc_->load_report().from_snapshot);
    EXPECT_EQ(svc_->load_report().snapshot_refused.rfind(c.refused, 0), 0u) << svc_->load_report().snapshot_refused;
    EXPECT_EQ(svc_->load_report().replayed_events, own_events) << "the whole history";
    EXPECT_EQ(StateBytes(*svc_), truth);
    EXPECT_EQ(svc_->state().last_receipt_number(), 8u);
  }
  // And a sound one is used again: the head proved, nothing after it.
  ASSERT_TRUE(store_->PutSnapshot(RegisterService::kSnapshotName,
                                  EncodeSnapshot(1, {head_seq, head_hash}, truth)).ok());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(svc_->load_report().from_snapshot) << svc_->load_report().snapshot_refused;
  EXPECT_EQ(svc_->load_report().replayed_events, 0u);
  EXPECT_EQ(SellCoffee(), 9u);
}

// The child: opens the store, loads the register and closes receipts until it is
// killed, writing each acknowledged receipt number to `fd`.
int SellUntilKilled(const std::string& path, int fd) {
  auto store = EventStore::Open(path);
  if (!store.ok()) return 2;
  ProjectionRunner runner(**store);
  if (!RegisterBuiltinProjections(runner).ok() || !runner.CatchUp().ok()) return 3;
  auto loaded = RegisterService::Load(**store, runner);
  if (!loaded.ok()) return 4;
  RegisterService& service = **loaded;
  if (service.state().signed_on() != "anna" && !service.SignOn("anna", "1111").ok()) return 5;
  for (int i = 0; i < 1'000'000; ++i) {
    auto id = service.Open();
    if (!id.ok()) return 6;
    if (!service.AddLine(*id, i % 2 ? "1001" : "4000002", 1).ok()) return 7;
    if (!service.Pay(*id, Cash(500)).ok()) return 8;
    auto closed = service.Close(*id);
    if (!closed.ok()) return 9;
    const uint64_t number = closed->number;
    if (write(fd, &number, sizeof number) != static_cast<ssize_t>(sizeof number)) return 10;
  }
  return 0;
}

TEST_F(RegisterTest, NumbersStayDenseAcrossSigkill) {
  ASSERT_NO_FATAL_FAILURE(SignOn("anna", "1111"));
  uint64_t closed_before = 0;  // the highest number known to be in the log
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    CloseStore();  // nothing of the store may be open across fork()
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      _exit(SellUntilKilled(StorePath(), fds[1]));
    }
    close(fds[1]);

    // Read acknowledgements until at least 20 (plus a few random extra) arrived.
    std::vector<uint64_t> acked;
    std::string pending;
    const size_t wanted = 20 + static_cast<size_t>(round) * 7;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool eof = false;
    while (acked.size() < wanted && !eof && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{fds[0], POLLIN, 0};
      if (poll(&pfd, 1, 100) <= 0) continue;
      char buffer[256];
      const ssize_t got = read(fds[0], buffer, sizeof buffer);
      if (got <= 0) {
        eof = true;
        break;
      }
      pending.append(buffer, static_cast<size_t>(got));
      while (pending.size() >= sizeof(uint64_t)) {
        uint64_t number = 0;
        std::memcpy(&number, pending.data(), sizeof number);
        acked.push_back(number);
        pending.erase(0, sizeof number);
      }
    }
    kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    // Acknowledgements written before the kill are still in the pipe.
    for (;;) {
      char buffer[256];
      const ssize_t got = read(fds[0], buffer, sizeof buffer);
      if (got <= 0) break;
      pending.append(buffer, static_cast<size_t>(got));
    }
    close(fds[0]);
    for (size_t at = 0; at + sizeof(uint64_t) <= pending.size(); at += sizeof(uint64_t)) {
      uint64_t number = 0;
      std::memcpy(&number, pending.data() + at, sizeof number);
      acked.push_back(number);
    }
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child stopped by itself with exit code "
                                     << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    ASSERT_GE(acked.size(), 20u);
    for (size_t i = 0; i < acked.size(); ++i) {
      ASSERT_EQ(acked[i], closed_before + i + 1) << "the child acknowledged numbers densely";
    }

    ASSERT_NO_FATAL_FAILURE(Reopen());
    const std::vector<uint64_t> numbers = NumbersInLog();
    const uint64_t n = numbers.size();
    for (size_t i = 0; i < numbers.size(); ++i) ASSERT_EQ(numbers[i], i + 1) << "dense, no duplicates";
    const std::set<uint64_t> in_log(numbers.begin(), numbers.end());
    for (uint64_t number : acked) EXPECT_TRUE(in_log.contains(number)) << "acknowledged " << number << " is lost";
    EXPECT_GE(n, acked.back());
    EXPECT_LE(n, acked.back() + 1) << "at most the close in flight at the kill is durable but unacknowledged";
    EXPECT_EQ(svc_->state().last_receipt_number(), n);

    // The reloaded register closes the next receipt as N+1 (a receipt the kill
    // left open stays open; it does not hold a number).
    EXPECT_EQ(SellCoffee(), n + 1);
    closed_before = n + 1;
  }
  EXPECT_EQ(NumbersInLog().size(), closed_before);
}

}  // namespace
}  // namespace pos
