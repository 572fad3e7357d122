// The Swedish fiscal profile (domain/fiscal/se, docs/fiscal-se.md): the control
// unit stand-in and its journal, and the register's receipts through it on a real
// store - normal, training, return and copy receipts, a unit that does not answer,
// a tampered journal, and the control code on the printed receipt.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "adapters/till_peripherals.h"
#include "domain/fiscal/se/scu_fiscal_module.h"
#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "engine/pin_hash.h"
#include "projections/builtin_projections.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using namespace fiscal::se;
using testing::ScratchDir;

TEST(ScuControlUnit, CanonicalDataAndIdentityChecks) {
  RegisteredData data{"5560360793", "KASSA-1", "202401021530", 17, ScuReceiptType::kNormal, 12550,
                      {{2500, 2000}, {1200, 150}, {2500, 10}}};
  EXPECT_EQ(*data.Canonical(), "5560360793;KASSA-1;202401021530;17;normal;125,50;20,10;1,50;0,00;0,00");
  data.vat.push_back({1900, 1});
  EXPECT_NE(data.Canonical().status().message().find("not Swedish"), std::string::npos);
  EXPECT_FALSE(SoftwareControlUnit::ValidateIdentity("12345", "KASSA-1").ok());
  EXPECT_FALSE(SoftwareControlUnit::ValidateIdentity("5560360793", "KASSA_1").ok());
  EXPECT_TRUE(SoftwareControlUnit::ValidateIdentity("5560360793", "KASSA-1").ok());
}

TEST(ScuControlUnit, JournalsEveryRequestAndDetectsTampering) {
  ScratchDir dir;
  auto unit = SoftwareControlUnit::Create(dir.Sub("scu"), "5560360793", "KASSA-1");
  ASSERT_TRUE(unit.ok()) << unit.status().ToString();
  RegisteredData data{"5560360793", "KASSA-1", "202401021530", 1, ScuReceiptType::kNormal, 1000, {{2500, 200}}};
  auto first = (*unit)->Register(data);
  ASSERT_TRUE(first.ok());
  data.receipt_serial = 2;
  auto second = (*unit)->Register(data);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->control_code, second->control_code);
  EXPECT_EQ(second->journal_seq, 2u);
  EXPECT_EQ(first->control_code, (*unit)->ControlCodeOf(*RegisteredData{"5560360793", "KASSA-1", "202401021530", 1,
                                                                           ScuReceiptType::kNormal, 1000, {{2500, 200}}}
                                                              .Canonical()));
  // Another till's data is refused.
  data.register_id = "KASSA-2";
  EXPECT_EQ((*unit)->Register(data).status().code(), StatusCode::kInvalidArgument);

  // Reopened, it continues its journal.
  unit = SoftwareControlUnit::Open(dir.Sub("scu"));
  ASSERT_TRUE(unit.ok());
  EXPECT_EQ((*unit)->journal_size(), 2u);

  // An edited journal line is named.
  const std::string path = dir.Sub("scu") + "/journal.jsonl";
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  std::string journal = text.str();
  journal.replace(journal.find("10,00"), 5, "99,00");
  std::ofstream(path, std::ios::trunc) << journal;
  auto read = (*unit)->ReadJournal();
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kCorruption);
  EXPECT_NE(read.status().message().find("record 1"), std::string::npos) << read.status().ToString();
}

class ScuTillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(1'704'205'800'000'000);  // 2024-01-02 14:30 UTC
    StoreOptions options;
    options.clock = clock_;
    store_ = std::move(EventStore::Create(dir_.Sub("store"), {.node_name = "till-se"}, options)).value();
    runner_ = std::make_unique<ProjectionRunner>(*store_);
    ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
    ASSERT_TRUE(runner_->CatchUp().ok());
    MasterDataService master(*store_, *runner_);
    ASSERT_TRUE(master.AddTaxRate({"A", "Moms 25", 2500}, "root").ok());
    ASSERT_TRUE(master.AddTaxRate({"B", "Moms 12", 1200}, "root").ok());
    ASSERT_TRUE(master.AddArticle({"1", "Kaffe", 2500, "A", "drinks", {}}, "root").ok());
    ASSERT_TRUE(master.AddArticle({"2", "Bulle", 1120, "B", "bakery", {}}, "root").ok());
    ASSERT_TRUE(master.AddUser({"sam", "Sam", UserRole::kSupervisor, *HashSecret("2222", 1000)}, "root").ok());
    auto unit = SoftwareControlUnit::Create(ScuDirOf(*store_), "5560360793", "KASSA-1");
    ASSERT_TRUE(unit.ok());
    unit.value().reset();
    auto till = OpenTillScu(*store_);
    ASSERT_TRUE(till.ok() && till->has_value());
    till_ = std::move(till).value();
    svc_ = std::move(RegisterService::Load(*store_, *runner_, clock_)).value();
    svc_->SetFiscalModule(till_->module.get());
    ASSERT_TRUE(svc_->SignOn("sam", "2222").ok());
  }

  Result<CloseOutcome> Sell(const std::string& article, int64_t qty, bool training = false, uint64_t refund_of = 0) {
    POS_ASSIGN_OR_RETURN(std::string id, svc_->Open(std::nullopt, refund_of, training));
    POS_ASSIGN_OR_RETURN(ReceiptLine line, svc_->AddLine(id, article, qty));
    POS_RETURN_IF_ERROR(svc_->Pay(id, Payment{PaymentType::kCash, line.Amount(), ""}));
    return svc_->Close(id);
  }

  static ScuRecord RecordOf(const CloseOutcome& outcome) {
    for (const NewEvent& e : outcome.fiscal_events) {
      if (e.type == EventType::kScuReceiptRegistered) return *DecodeScuReceiptRegistered(e.payload);
    }
    ADD_FAILURE() << "no ScuReceiptRegistered";
    return {};
  }

  ScratchDir dir_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::optional<TillScu> till_;
  std::unique_ptr<RegisterService> svc_;
};

TEST_F(ScuTillTest, EveryReceiptTypeIsRegisteredAndFlagged) {
  auto sale = Sell("1", 2);
  ASSERT_TRUE(sale.ok()) << sale.status().ToString();
  ScuRecord normal = RecordOf(*sale);
  EXPECT_EQ(normal.receipt_type, "normal");
  EXPECT_EQ(normal.receipt_serial, sale->number);
  EXPECT_EQ(normal.total, 5000);
  ASSERT_EQ(normal.vat.size(), 1u);
  EXPECT_EQ(normal.vat[0].amount, 1000);  // 25 % in 50,00 gross
  auto journal = till_->unit->ReadJournal();
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 1u);
  EXPECT_EQ(journal->back().control_code, normal.control_code);
  EXPECT_TRUE(journal->back().data.starts_with("5560360793;KASSA-1;" + normal.registered_at + ";1;normal;50,00;10,00;"))
      << journal->back().data;

  auto training = Sell("2", 1, /*training=*/true);
  ASSERT_TRUE(training.ok());
  EXPECT_EQ(RecordOf(*training).receipt_type, "training");
  auto refund = Sell("1", -1, false, sale->number);
  ASSERT_TRUE(refund.ok()) << refund.status().ToString();
  EXPECT_EQ(RecordOf(*refund).receipt_type, "return");
  EXPECT_EQ(RecordOf(*refund).total, -2500);

  auto copy = till_->module->RegisterCopy("r", sale->number, 5000, {{2500, 1000}}, clock_->NowMicros(), "sam");
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->receipt_type, "copy");
  EXPECT_NE(copy->control_code, normal.control_code);
  EXPECT_EQ(ScuPrintLines(*copy).front(), "KOPIA - copy, not a receipt");
  EXPECT_EQ(till_->unit->ReadJournal()->size(), 4u);

  // The printed receipt shows the control code.
  Receipt receipt;
  receipt.id = "r";
  ReceiptPrintJob job = TillPeripherals::ToPrintJob(receipt, *sale, clock_->NowMicros());
  bool printed = false;
  for (const std::string& line : job.fiscal_lines) printed = printed || line == "Kontrollkod: " + normal.control_code;
  EXPECT_TRUE(printed);
}

TEST_F(ScuTillTest, AUnitThatDoesNotAnswerBlocksTheCloseAndWritesNothing) {
  ASSERT_TRUE(till_->unit->SetFailed(true).ok());
  auto id = svc_->Open();
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(svc_->AddLine(*id, "1", 1).ok());
  ASSERT_TRUE(svc_->Pay(*id, Payment{PaymentType::kCash, 2500, ""}).ok());
  const uint64_t before = store_->LastSequence();
  auto closed = svc_->Close(*id);
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(closed.status().message().find("control unit"), std::string::npos);
  EXPECT_EQ(store_->LastSequence(), before);
  EXPECT_EQ(till_->unit->ReadJournal()->size(), 0u);
  // Back again: the same receipt closes.
  ASSERT_TRUE(till_->unit->SetFailed(false).ok());
  ASSERT_TRUE(svc_->Close(*id).ok());
  EXPECT_EQ(till_->unit->ReadJournal()->size(), 1u);
}

}  // namespace
}  // namespace pos
