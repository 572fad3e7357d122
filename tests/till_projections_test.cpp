// The till's read models: receipt journal, Z reports, period totals and article
// sales, built from a register's real events (RegisterService) and checked
// against what the register decided, against each other, and against a rebuild.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "engine/bytes.h"
#include "engine/pin_hash.h"
#include "events/register_generated.h"
#include "projections/article_sales.h"
#include "projections/builtin_projections.h"
#include "projections/period_totals.h"
#include "projections/receipt_journal.h"
#include "projections/z_reports.h"
#include "tests/test_support.h"

namespace pos {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kHour = 3600 * kSecond;
// 2024-01-31 23:00:00 UTC: an hour before the month (not the year) changes.
constexpr int64_t kStart = 1'706'742'000 * kSecond;
const Approval kSue{"sue", "2222"};

constexpr std::string_view kTillNames[] = {ReceiptJournalProjection::kName, ZReportsProjection::kName,
                                           PeriodTotalsProjection::kName, ArticleSalesProjection::kName};

TEST(TillProjectionHelpersTest, UtcDaysAndPeriodFormats) {
  EXPECT_EQ(UtcDay(0), "1970-01-01");
  EXPECT_EQ(UtcDay(-1), "1969-12-31");
  EXPECT_EQ(UtcDay(kStart), "2024-01-31");
  EXPECT_EQ(UtcDay(kStart + kHour), "2024-02-01");
  EXPECT_EQ(UtcDay(1'709'164'800 * kSecond), "2024-02-29");      // leap day
  EXPECT_EQ(UtcDay(951'868'800 * kSecond - 1), "2000-02-29");    // 2000 is a leap year
  EXPECT_EQ(UtcDay(4'102'444'800 * kSecond), "2100-01-01");
  EXPECT_TRUE(IsDay("2024-02-29"));
  EXPECT_FALSE(IsDay("2024-2-29"));
  EXPECT_FALSE(IsDay("2024-13-01"));
  EXPECT_FALSE(IsDay("2024-02-00"));
  EXPECT_TRUE(IsMonth("2024-12"));
  EXPECT_FALSE(IsMonth("2024-00"));
  EXPECT_TRUE(IsYear("2024"));
  EXPECT_FALSE(IsYear("24"));
  EXPECT_EQ(PaymentTypeLabel(0), "cash");
  EXPECT_EQ(PaymentTypeLabel(2), "voucher");
  EXPECT_EQ(PaymentTypeLabel(9), "type9");
  EXPECT_EQ(TillKey("ABcd"), "abcd");
}

class TillProjectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(kStart);
    auto store = EventStore::Create(dir_.Sub("store"), {.node_name = "till-1"}, {.clock = clock_});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    till_ = ToHex(store_->node_id());
    // Small chunks, so a receipt's events span several write batches.
    runner_ = std::make_unique<ProjectionRunner>(*store_, RunnerOptions{.events_per_batch = 3});
    ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
    ASSERT_TRUE(runner_->CatchUp().ok());
    MasterDataService master(*store_, *runner_);
    ASSERT_TRUE(master.AddTaxRate({"A", "Standard", 1900}, "admin").ok());
    ASSERT_TRUE(master.AddTaxRate({"B", "Reduced", 700}, "admin").ok());
    ASSERT_TRUE(master.AddArticle({"1", "Coffee", 250, "A", "drinks", {}}, "admin").ok());
    ASSERT_TRUE(master.AddArticle({"2", "Bread", 390, "B", "bakery", {}}, "admin").ok());
    ASSERT_TRUE(master.AddArticle({"3", "Cake", 300, "A", "bakery", {}}, "admin").ok());
    for (const auto& [id, role, pin] : {std::tuple{"ann", UserRole::kCashier, "1111"},
                                        std::tuple{"sue", UserRole::kSupervisor, "2222"}}) {
      auto hash = HashSecret(pin, 1000);
      ASSERT_TRUE(hash.ok());
      ASSERT_TRUE(master.AddUser({id, id, role, *hash}, "admin").ok());
    }
    auto service = RegisterService::Load(*store_, *runner_, clock_);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(service).value();
    ASSERT_TRUE(runner_->StartTailing().ok());
  }

  // Sells the whole scenario; numbers 1-4 and Z report 1 on 2024-01-31/02-01,
  // number 5 on 2025-01-02, and one receipt left open.
  void SellScenario() {
    RegisterService& s = *service_;
    ASSERT_TRUE(s.SignOn("ann", "1111").ok());
    // 1: two coffees, a bread, a cake voided; 10.00 cash, 1.10 change.
    auto r1 = s.Open();
    ASSERT_TRUE(r1.ok()) << r1.status().ToString();
    ASSERT_TRUE(s.AddLine(*r1, "1", 2).ok());
    ASSERT_TRUE(s.AddLine(*r1, "2", 1).ok());
    ASSERT_TRUE(s.AddLine(*r1, "3", 1).ok());
    ASSERT_TRUE(s.VoidLine(*r1, 3).ok());
    ASSERT_TRUE(s.Pay(*r1, {PaymentType::kCash, 1000, ""}).ok());
    auto c1 = s.Close(*r1);
    ASSERT_TRUE(c1.ok()) << c1.status().ToString();
    outcomes_[c1->number] = *c1;
    receipt_ids_[c1->number] = *r1;
    // A cancelled receipt: five cakes, never sold.
    clock_->Advance(kSecond);
    auto cancelled = s.Open();
    ASSERT_TRUE(cancelled.ok());
    ASSERT_TRUE(s.AddLine(*cancelled, "3", 5).ok());
    ASSERT_TRUE(s.Cancel(*cancelled, "customer left", kSue).ok());
    cancelled_id_ = *cancelled;
    // 2: three coffees with 0.50 off the line, two breads, 1.00 off the receipt; by card.
    clock_->Advance(kSecond);
    auto r2 = s.Open();
    ASSERT_TRUE(r2.ok());
    ASSERT_TRUE(s.AddLine(*r2, "1", 3).ok());
    ASSERT_TRUE(s.DiscountLine(*r2, 1, 50, kSue).ok());
    ASSERT_TRUE(s.AddLine(*r2, "2", 2).ok());
    ASSERT_TRUE(s.DiscountReceipt(*r2, 100, kSue).ok());
    ASSERT_TRUE(s.Pay(*r2, {PaymentType::kCard, 1380, "visa"}).ok());
    auto c2 = s.Close(*r2);
    ASSERT_TRUE(c2.ok()) << c2.status().ToString();
    outcomes_[c2->number] = *c2;
    receipt_ids_[c2->number] = *r2;
    // After midnight (February): 3 refunds one coffee of receipt 1.
    clock_->Advance(kHour);
    auto r3 = s.Open(kSue, 1);
    ASSERT_TRUE(r3.ok()) << r3.status().ToString();
    ASSERT_TRUE(s.AddLine(*r3, "1", -1).ok());
    ASSERT_TRUE(s.Pay(*r3, {PaymentType::kCash, -250, ""}).ok());
    auto c3 = s.Close(*r3);
    ASSERT_TRUE(c3.ok()) << c3.status().ToString();
    outcomes_[c3->number] = *c3;
    receipt_ids_[c3->number] = *r3;
    // 4: parked and resumed, one bread, exact cash.
    clock_->Advance(kSecond);
    auto r4 = s.Open();
    ASSERT_TRUE(r4.ok());
    ASSERT_TRUE(s.AddLine(*r4, "2", 1).ok());
    ASSERT_TRUE(s.Park(*r4).ok());
    ASSERT_TRUE(s.Resume(*r4).ok());
    ASSERT_TRUE(s.Pay(*r4, {PaymentType::kCash, 390, ""}).ok());
    auto c4 = s.Close(*r4);
    ASSERT_TRUE(c4.ok());
    outcomes_[c4->number] = *c4;
    receipt_ids_[c4->number] = *r4;
    // Z report 1, with a cash movement and a 0.10 shortfall.
    clock_->Advance(kSecond);
    ASSERT_TRUE(s.CashMovement(true, 5000, "float", kSue).ok());
    auto z = s.CloseDay(890 - 250 + 390 + 5000 - 10, kSue);
    ASSERT_TRUE(z.ok()) << z.status().ToString();
    z_report_ = *z;
    // Next year: 5 sells a coffee and two cakes by voucher and cash.
    clock_->Set(kStart + 337 * 24 * kHour);  // 2025-01-02
    auto r5 = s.Open();
    ASSERT_TRUE(r5.ok());
    ASSERT_TRUE(s.AddLine(*r5, "1", 1).ok());
    ASSERT_TRUE(s.AddLine(*r5, "3", 2).ok());
    ASSERT_TRUE(s.Pay(*r5, {PaymentType::kVoucher, 500, "V-1"}).ok());
    ASSERT_TRUE(s.Pay(*r5, {PaymentType::kCash, 500, ""}).ok());
    auto c5 = s.Close(*r5);
    ASSERT_TRUE(c5.ok());
    outcomes_[c5->number] = *c5;
    receipt_ids_[c5->number] = *r5;
    // Left open: ten breads, counted nowhere yet.
    auto open = s.Open();
    ASSERT_TRUE(open.ok());
    ASSERT_TRUE(s.AddLine(*open, "2", 10).ok());
    open_id_ = *open;
    ASSERT_TRUE(runner_->WaitUntilApplied(store_->LastSequence(), std::chrono::seconds(20)));
    ASSERT_TRUE(runner_->TailStatus().ok()) << runner_->TailStatus().ToString();
  }

  template <typename View>
  View ViewOf(std::string_view name) const {
    auto reader = runner_->Reader(name);
    EXPECT_TRUE(reader.ok());
    return View(*reader);
  }
  ReceiptJournalView Journal() const { return ViewOf<ReceiptJournalView>(ReceiptJournalProjection::kName); }
  ZReportsView ZReports() const { return ViewOf<ZReportsView>(ZReportsProjection::kName); }
  PeriodTotalsView Periods() const { return ViewOf<PeriodTotalsView>(PeriodTotalsProjection::kName); }
  ArticleSalesView Articles() const { return ViewOf<ArticleSalesView>(ArticleSalesProjection::kName); }

  std::map<std::string, std::string> Dump(std::string_view name) const {
    std::map<std::string, std::string> all;
    auto reader = runner_->Reader(name);
    EXPECT_TRUE(reader.ok());
    EXPECT_TRUE(reader->ScanPrefix("", [&](std::string_view k, std::string_view v) {
      all.emplace(k, v);
      return true;
    }).ok());
    return all;
  }

  testing::ScratchDir dir_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::unique_ptr<RegisterService> service_;
  std::string till_;
  std::map<uint64_t, CloseOutcome> outcomes_;
  std::map<uint64_t, std::string> receipt_ids_;
  std::string cancelled_id_;
  std::string open_id_;
  ZReport z_report_;
};

std::vector<uint64_t> Numbers(const std::vector<JournalReceipt>& receipts) {
  std::vector<uint64_t> out;
  for (const JournalReceipt& r : receipts) out.push_back(r.number);
  return out;
}

std::vector<TaxFigures> ToFigures(const std::vector<TaxLineTotal>& lines) {
  std::vector<TaxFigures> out;
  for (const TaxLineTotal& t : lines) out.push_back({t.tax_rate, t.basis_points, t.gross, t.net, t.tax});
  return out;
}

// What the period totals should be: the sum of the journal's closed receipts.
PeriodTotals SumOf(const std::vector<JournalReceipt>& receipts) {
  PeriodTotals sum;
  for (const JournalReceipt& r : receipts) {
    ++sum.receipts;
    if (r.refund_of_number != 0) ++sum.refunds;
    sum.total += r.total;
    for (const TaxFigures& t : r.tax_lines) {
      TaxFigures& s = sum.tax[t.tax_rate];
      s.tax_rate = t.tax_rate;
      s.basis_points = t.basis_points;
      s.gross += t.gross;
      s.net += t.net;
      s.tax += t.tax;
    }
    for (const auto& [type, amount] : r.kept) sum.payments[type] += amount;
  }
  return sum;
}

TEST_F(TillProjectionsTest, JournalHoldsClosedAndCancelledReceiptsAsSold) {
  ASSERT_NO_FATAL_FAILURE(SellScenario());
  ReceiptJournalView journal = Journal();

  auto all = journal.ClosedOfTill(till_);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Numbers(*all), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  for (const JournalReceipt& r : *all) {
    SCOPED_TRACE(r.number);
    const CloseOutcome& outcome = outcomes_.at(r.number);
    EXPECT_EQ(r.status, JournalStatus::kClosed);
    EXPECT_EQ(r.till, till_);
    EXPECT_EQ(r.receipt_id, receipt_ids_.at(r.number));
    EXPECT_EQ(r.total, outcome.totals.total);
    EXPECT_EQ(r.change, outcome.change);
    EXPECT_EQ(r.tax_lines, ToFigures(outcome.totals.tax_lines));
    EXPECT_EQ(r.cashier, "ann");
    int64_t line_sum = 0;
    for (const JournalLine& line : r.lines) line_sum += line.Amount();
    EXPECT_EQ(line_sum - r.receipt_discount, r.total);
  }

  auto first = journal.Find(till_, 1);
  ASSERT_TRUE(first.ok() && first->has_value());
  const JournalReceipt& r1 = **first;
  EXPECT_EQ(r1.opened_at_us, kStart);
  EXPECT_EQ(r1.closed_at_us, kStart);
  ASSERT_EQ(r1.lines.size(), 3u);
  EXPECT_EQ(r1.lines[0], (JournalLine{1, "1", "Coffee", "drinks", 2, 250, 0, false, false, "A", 1900}));
  EXPECT_EQ(r1.lines[1].article_code, "2");
  EXPECT_EQ(r1.lines[1].tax_rate, "B");
  EXPECT_EQ(r1.lines[1].tax_basis_points, 700u);
  EXPECT_TRUE(r1.lines[2].voided);
  EXPECT_EQ(r1.line_count, 2u);
  EXPECT_EQ(r1.voided_lines, 1u);
  EXPECT_EQ(r1.payments, (std::vector<JournalPayment>{{"cash", 1000, ""}}));
  EXPECT_EQ(r1.kept, (std::map<std::string, int64_t>{{"cash", 890}}));
  EXPECT_EQ(r1.total, 890);
  EXPECT_EQ(r1.change, 110);
  EXPECT_EQ(r1.refund_of_number, 0u);

  auto second = journal.Find(till_, 2);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->lines[0].discount, 50);
  EXPECT_EQ((*second)->receipt_discount, 100);
  EXPECT_EQ((*second)->total, 1380);
  EXPECT_EQ((*second)->kept, (std::map<std::string, int64_t>{{"card", 1380}}));
  EXPECT_EQ((*second)->payments[0].reference, "visa");

  auto refund = journal.Find(till_, 3);
  ASSERT_TRUE(refund.ok() && refund->has_value());
  EXPECT_EQ((*refund)->refund_of_number, 1u);
  EXPECT_EQ((*refund)->refund_of_till, till_);
  ASSERT_EQ((*refund)->lines.size(), 1u);
  EXPECT_EQ((*refund)->lines[0].quantity, -1);
  EXPECT_EQ((*refund)->total, -250);
  EXPECT_EQ((*refund)->kept, (std::map<std::string, int64_t>{{"cash", -250}}));

  auto upper = journal.Find(std::string(till_.size(), 'F'), 1);
  ASSERT_TRUE(upper.ok());
  EXPECT_FALSE(upper->has_value());
  auto missing = journal.Find(till_, 6);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto cancelled = journal.CancelledOfTill(till_);
  ASSERT_TRUE(cancelled.ok());
  ASSERT_EQ(cancelled->size(), 1u);
  const JournalReceipt& c = cancelled->front();
  EXPECT_EQ(c.status, JournalStatus::kCancelled);
  EXPECT_EQ(c.receipt_id, cancelled_id_);
  EXPECT_EQ(c.cancel_ordinal, 1u);
  EXPECT_EQ(c.number, 0u);
  EXPECT_EQ(c.cancel_reason, "customer left");
  EXPECT_EQ(c.cancel_approved_by, "sue");
  EXPECT_EQ(c.closed_at_us, kStart + kSecond);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].quantity, 5);

  auto open = journal.Open();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->front().receipt_id, open_id_);
  EXPECT_EQ(open->front().status, JournalStatus::kOpen);
  EXPECT_EQ(*journal.OrphanEvents(), 0u);
}

TEST_F(TillProjectionsTest, JournalDateIndexSelectsByClosingDay) {
  ASSERT_NO_FATAL_FAILURE(SellScenario());
  ReceiptJournalView journal = Journal();
  auto numbers = [&](std::string_view from, std::string_view to) {
    auto found = journal.ClosedBetween(from, to);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? Numbers(*found) : std::vector<uint64_t>{};
  };
  EXPECT_EQ(numbers("2024-01-31", "2024-01-31"), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(numbers("2024-02-01", "2024-02-01"), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(numbers("2024-01-01", "2024-12-31"), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(numbers("2023-06-01", "2025-01-02"), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(numbers("2025-01-02", "2025-01-02"), (std::vector<uint64_t>{5}));
  EXPECT_EQ(numbers("2024-02-02", "2025-01-01"), (std::vector<uint64_t>{}));
  EXPECT_EQ(numbers("2025-01-02", "2024-01-31"), (std::vector<uint64_t>{}));
  auto cancelled = journal.CancelledBetween("2024-01-31", "2024-02-01");
  ASSERT_TRUE(cancelled.ok());
  ASSERT_EQ(cancelled->size(), 1u);
  EXPECT_EQ(cancelled->front().receipt_id, cancelled_id_);
  EXPECT_TRUE(journal.CancelledBetween("2024-02-01", "2025-12-31")->empty());
  EXPECT_EQ(journal.ClosedBetween("2024-1-31", "2024-02-01").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(journal.ClosedBetween("2024-01-31", "tomorrow").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TillProjectionsTest, ZReportEqualsTheDayClosedEvent) {
  ASSERT_NO_FATAL_FAILURE(SellScenario());
  // The DayClosed event itself.
  const fb::DayClosed* day = nullptr;
  std::string day_bytes;
  int64_t day_wall = 0;
  ASSERT_TRUE(store_->ScanLog(1, store_->LastSequence(), [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (event.ok() && event->type() == static_cast<uint32_t>(EventType::kDayClosed)) {
      day_bytes = std::string(bytes);
      day_wall = event->wall_time_us();
    }
    return true;
  }).ok());
  auto event = EventView::Parse(day_bytes);
  ASSERT_TRUE(event.ok());
  day = event->PayloadAs<fb::DayClosed>();
  ASSERT_NE(day, nullptr);

  ZReportsView reports = ZReports();
  auto found = reports.Find(till_, 1);
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status().ToString();
  const ZReportRecord& z = **found;
  const DayFigures& f = z_report_.figures;
  EXPECT_EQ(z.till, till_);
  EXPECT_EQ(z.z_number, day->z_number());
  EXPECT_EQ(z.z_number, z_report_.z_number);
  EXPECT_EQ(z.closed_at_us, day_wall);
  EXPECT_EQ(z.closed_by, "ann");
  EXPECT_EQ(z.first_receipt, f.first_receipt);
  EXPECT_EQ(z.last_receipt, f.last_receipt);
  EXPECT_EQ(z.first_receipt, 1u);
  EXPECT_EQ(z.last_receipt, 4u);
  EXPECT_EQ(z.opened_at_us, f.opened_at_us);
  EXPECT_EQ(z.opened_at_us, day->opened_at_us());
  EXPECT_EQ(z.receipts, f.receipts);
  EXPECT_EQ(z.refunds, f.refunds);
  EXPECT_EQ(z.cancelled, f.cancelled);
  EXPECT_EQ(z.cancelled, 1u);
  EXPECT_EQ(z.voided_lines, f.voided_lines);
  EXPECT_EQ(z.total, f.total);
  EXPECT_EQ(z.total, day->total());
  std::vector<TaxFigures> tax;
  for (const auto& [code, t] : f.tax) tax.push_back({t.tax_rate, t.basis_points, t.gross, t.net, t.tax});
  EXPECT_EQ(z.tax_lines, tax);
  std::map<std::string, int64_t> payments;
  for (const auto& [type, amount] : f.payments) payments[std::string(PaymentTypeName(type))] += amount;
  EXPECT_EQ(z.payments, payments);
  std::map<std::string, ZCashierTotal> cashiers;
  for (const auto& [user, c] : f.cashiers) cashiers[user] = {c.receipts, c.total};
  EXPECT_EQ(z.cashiers, cashiers);
  EXPECT_EQ(z.cash_in, 5000);
  EXPECT_EQ(z.cash_out, f.cash_out);
  EXPECT_EQ(z.expected_cash, z_report_.expected_cash);
  EXPECT_EQ(z.counted_cash, z_report_.counted_cash);
  EXPECT_EQ(z.difference, -10);
  EXPECT_EQ(z.difference, day->difference());
  EXPECT_EQ(z.approved_by, z_report_.approved_by);

  // The Z report's day equals the journal's receipts 1-4.
  auto day_receipts = Journal().ClosedBetween("2024-01-31", "2024-02-01");
  ASSERT_TRUE(day_receipts.ok());
  const PeriodTotals sum = SumOf(*day_receipts);
  EXPECT_EQ(static_cast<int64_t>(sum.total), z.total);
  EXPECT_EQ(sum.payments, z.payments);

  auto list = reports.OfTill(till_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front(), z);
  EXPECT_EQ(*reports.All(), *list);
  EXPECT_FALSE(reports.Find(till_, 2)->has_value());
}

TEST_F(TillProjectionsTest, PeriodTotalsAreTheSumsOfTheJournal) {
  ASSERT_NO_FATAL_FAILURE(SellScenario());
  ReceiptJournalView journal = Journal();
  PeriodTotalsView periods = Periods();
  struct Case {
    std::string_view period, from, to;
  };
  for (const Case& c : {Case{"2024-01", "2024-01-01", "2024-01-31"}, Case{"2024-02", "2024-02-01", "2024-02-29"},
                        Case{"2025-01", "2025-01-01", "2025-01-31"}}) {
    SCOPED_TRACE(c.period);
    auto receipts = journal.ClosedBetween(c.from, c.to);
    ASSERT_TRUE(receipts.ok());
    auto month = periods.Month(c.period);
    ASSERT_TRUE(month.ok()) << month.status().ToString();
    EXPECT_EQ(*month, SumOf(*receipts));
    EXPECT_EQ(*periods.Month(c.period, till_), *month);
    auto by_till = periods.MonthByTill(c.period);
    ASSERT_TRUE(by_till.ok());
    EXPECT_EQ(by_till->size(), 2u);
    EXPECT_EQ(by_till->at("all"), *month);
    EXPECT_EQ(by_till->at(till_), *month);
  }
  auto year_2024 = periods.Year("2024");
  ASSERT_TRUE(year_2024.ok());
  EXPECT_EQ(*year_2024, SumOf(*journal.ClosedBetween("2024-01-01", "2024-12-31")));
  EXPECT_EQ(year_2024->receipts, 4u);
  EXPECT_EQ(year_2024->refunds, 1u);
  EXPECT_EQ(year_2024->total, 890 + 1380 - 250 + 390);
  EXPECT_EQ(year_2024->payments, (std::map<std::string, int64_t>{{"card", 1380}, {"cash", 890 - 250 + 390}}));
  EXPECT_EQ(year_2024->tax.size(), 2u);
  EXPECT_EQ(*periods.Year("2025", till_), SumOf(*journal.ClosedBetween("2025-01-01", "2025-12-31")));
  EXPECT_EQ(*periods.Year("2023"), PeriodTotals{});

  auto months = periods.Months();
  ASSERT_TRUE(months.ok());
  std::vector<std::string> keys;
  for (const auto& [month, totals] : *months) keys.push_back(month);
  EXPECT_EQ(keys, (std::vector<std::string>{"2024-01", "2024-02", "2025-01"}));
  auto years = periods.Years(till_);
  ASSERT_TRUE(years.ok());
  EXPECT_EQ(years->size(), 2u);
  EXPECT_EQ(years->at("2024"), *year_2024);
  EXPECT_EQ(periods.Month("2024-13").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(periods.Year("24").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TillProjectionsTest, ArticleSalesAreNetOfRefundsVoidsAndCancellations) {
  ASSERT_NO_FATAL_FAILURE(SellScenario());
  ArticleSalesView sales = Articles();
  auto coffee = sales.Find("1");
  ASSERT_TRUE(coffee.ok() && coffee->has_value());
  // Sold 2 + 3 + 1, one refunded. Receipt 2's 1.00 discount: 0.47 on the coffees
  // (7.00 of 14.80), 0.53 on the breads.
  EXPECT_EQ(**coffee, (ArticleSales{"1", "Coffee", 5, 1, 500 + (700 - 47) - 250 + 250, 4}));
  auto bread = sales.Find("2");
  ASSERT_TRUE(bread.ok() && bread->has_value());
  // The open receipt's ten breads do not count yet.
  EXPECT_EQ(**bread, (ArticleSales{"2", "Bread", 4, 0, 390 + (780 - 53) + 390, 3}));
  auto cake = sales.Find("3");
  ASSERT_TRUE(cake.ok() && cake->has_value());
  // Not the voided cake of receipt 1 nor the cancelled five.
  EXPECT_EQ(**cake, (ArticleSales{"3", "Cake", 2, 0, 600, 1}));
  EXPECT_FALSE(sales.Find("4")->has_value());

  // The revenues add up to the journal's totals.
  auto all = sales.All();
  ASSERT_TRUE(all.ok());
  int64_t revenue = 0;
  for (const ArticleSales& a : *all) revenue += a.revenue;
  auto closed = Journal().ClosedOfTill(till_);
  ASSERT_TRUE(closed.ok());
  int64_t journal_total = 0;
  for (const JournalReceipt& r : *closed) journal_total += r.total;
  EXPECT_EQ(revenue, journal_total);

  auto top = sales.Top(2);
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ(top->at(0).code, "2");
  EXPECT_EQ(top->at(1).code, "1");
  EXPECT_EQ(sales.Top(10)->size(), 3u);

  auto refund_day = sales.Find("1", "2024-02-01");
  ASSERT_TRUE(refund_day.ok() && refund_day->has_value());
  EXPECT_EQ(**refund_day, (ArticleSales{"1", "Coffee", -1, 1, -250, 1}));
  auto first_day = sales.All("2024-01-31");
  ASSERT_TRUE(first_day.ok());
  ASSERT_EQ(first_day->size(), 2u);
  EXPECT_EQ(first_day->at(0).quantity, 5);
  EXPECT_EQ(first_day->at(1).quantity, 3);
  auto top_2025 = sales.Top(1, "2025-01-02");
  ASSERT_TRUE(top_2025.ok());
  ASSERT_EQ(top_2025->size(), 1u);
  EXPECT_EQ(top_2025->front().code, "3");
  EXPECT_TRUE(sales.All("2024-06-01")->empty());
  EXPECT_EQ(sales.All("June").status().code(), StatusCode::kInvalidArgument);

  // Closing the open receipt counts its breads.
  ASSERT_TRUE(service_->Pay(open_id_, {PaymentType::kCash, 3900, ""}).ok());
  ASSERT_TRUE(service_->Close(open_id_).ok());
  ASSERT_TRUE(runner_->WaitUntilApplied(store_->LastSequence(), std::chrono::seconds(20)));
  EXPECT_EQ((*sales.Find("2"))->quantity, 14);
  EXPECT_TRUE(Journal().Open()->empty());
}

TEST_F(TillProjectionsTest, RebuildEqualsTheIncrementallyTailedState) {
  ASSERT_NO_FATAL_FAILURE(SellScenario());
  runner_->StopTailing();
  ASSERT_TRUE(runner_->TailStatus().ok());
  for (std::string_view name : kTillNames) {
    SCOPED_TRACE(name);
    const auto tailed = Dump(name);
    EXPECT_GT(tailed.size(), 2u);  // more than the runner's two reserved keys
    ASSERT_TRUE(runner_->Rebuild(name).ok());
    EXPECT_EQ(Dump(name), tailed);
  }
  // And a runner with other chunk sizes, from zero, over the same log.
  std::map<std::string, std::map<std::string, std::string>> before;
  for (std::string_view name : kTillNames) before[std::string(name)] = Dump(name);
  service_.reset();
  runner_ = std::make_unique<ProjectionRunner>(*store_, RunnerOptions{.events_per_batch = 1000});
  ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
  ASSERT_TRUE(runner_->Rebuild("").ok());
  for (std::string_view name : kTillNames) EXPECT_EQ(Dump(name), before[std::string(name)]) << name;
}

TEST_F(TillProjectionsTest, EventsOfUnknownReceiptsAreCountedNotFatal) {
  // A line for a receipt stream that was never opened (hand-built event).
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateLineAddedDirect(b, 1, "1", "Coffee", "drinks", 1, 250, "A", 1900, false, ""));
  AppendBatch batch;
  batch.stream = "receipt/ghost-1";
  batch.expected_version = kNoStream;
  batch.events.push_back({EventType::kLineAdded, std::vector<uint8_t>(b.GetBufferPointer(),
                                                                      b.GetBufferPointer() + b.GetSize())});
  auto appended = store_->Append(std::move(batch));
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  ASSERT_TRUE(runner_->WaitUntilApplied(appended->last_local_seq, std::chrono::seconds(20)));
  ASSERT_TRUE(runner_->TailStatus().ok()) << runner_->TailStatus().ToString();
  EXPECT_EQ(*Journal().OrphanEvents(), 1u);
  EXPECT_TRUE(Articles().All()->empty());
  EXPECT_TRUE(Journal().Open()->empty());
}

}  // namespace
}  // namespace pos
