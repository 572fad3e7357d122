// Plain domain code: money and percentages, PIN hashes, master data rules.
#include <gtest/gtest.h>

#include "domain/master_data_service.h"
#include "domain/money.h"
#include "engine/pin_hash.h"
#include "projections/builtin_projections.h"
#include "tests/test_support.h"

namespace pos {
namespace {

TEST(MoneyTest, ParsesAndFormatsMinorUnits) {
  EXPECT_EQ(*ParseMoney("12.34"), 1234);
  EXPECT_EQ(*ParseMoney("3"), 300);
  EXPECT_EQ(*ParseMoney("0.5"), 50);
  EXPECT_EQ(*ParseMoney("-0.05"), -5);
  for (const char* bad : {"", "1.234", "1,20", "abc", "1.", ".5", "--1", "1e3", "99999999999999"}) {
    EXPECT_FALSE(ParseMoney(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatMoney(1234), "12.34");
  EXPECT_EQ(FormatMoney(-5), "-0.05");
  EXPECT_EQ(FormatMoney(0), "0.00");
  EXPECT_EQ(*ParsePercent("19"), 1900u);
  EXPECT_EQ(*ParsePercent("7.5"), 750u);
  EXPECT_FALSE(ParsePercent("100.01").ok());
  EXPECT_FALSE(ParsePercent("-7").ok());
  EXPECT_EQ(FormatPercent(700), "7.00");
}

TEST(PinHashTest, VerifiesOnlyTheRightSecretAndSaltsEachHash) {
  auto first = HashSecret("4711", 1000);
  auto second = HashSecret("4711", 1000);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_EQ(first->rfind("pbkdf2-sha256$1000$", 0), 0u);
  EXPECT_TRUE(VerifySecret("4711", *first));
  EXPECT_FALSE(VerifySecret("4712", *first));
  EXPECT_FALSE(VerifySecret("4711", "pbkdf2-sha256$1000$zz$00"));
  EXPECT_FALSE(VerifySecret("4711", ""));
}

class MasterDataServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Create(dir_.Sub("store"), {.node_name = "till-1"});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    runner_ = std::make_unique<ProjectionRunner>(*store_);
    ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
    ASSERT_TRUE(runner_->CatchUp().ok());
    service_ = std::make_unique<MasterDataService>(*store_, *runner_);
    ASSERT_TRUE(service_->AddTaxRate({"A", "Standard", 1900}, "admin").ok());
  }
  testing::ScratchDir dir_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::unique_ptr<MasterDataService> service_;
};

TEST_F(MasterDataServiceTest, RefusedCommandsWriteNothing) {
  ASSERT_TRUE(service_->AddArticle({"1", "Tea", 220, "A", "drinks", {"400"}}, "admin").ok());
  const uint64_t before = store_->LastSequence();
  EXPECT_EQ(service_->AddArticle({"2", "Coffee", 240, "Z", "", {}}, "admin").code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->AddArticle({"1", "Tea again", 220, "A", "", {}}, "admin").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(service_->AddArticle({"3", "Cake", 300, "A", "", {"400"}}, "admin").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(service_->AddArticle({"4", "Bad", -1, "A", "", {}}, "admin").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ChangeArticle({"9", "Ghost", 1, "A", "", {}}, "admin").code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->AddTaxRate({"A", "Again", 700}, "admin").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->LastSequence(), before);
}

TEST_F(MasterDataServiceTest, ChangeAndRetireShowInTheCatalogAndTheLog) {
  ASSERT_TRUE(service_->AddArticle({"1", "Tea", 220, "A", "drinks", {"400"}}, "admin").ok());
  ASSERT_TRUE(service_->ChangeArticle({"1", "Green tea", 250, "A", "drinks", {"401"}}, "sam").ok());
  auto catalog = service_->Catalog();
  ASSERT_TRUE(catalog.ok());
  EXPECT_EQ((*catalog->FindArticle("1"))->gross_price, 250);
  EXPECT_FALSE(catalog->FindArticleByBarcode("400")->has_value());
  EXPECT_TRUE(catalog->FindArticleByBarcode("401")->has_value());
  const uint64_t before = store_->LastSequence();
  ASSERT_TRUE(service_->ChangeArticle({"1", "Green tea", 250, "A", "drinks", {"401"}}, "sam").ok());
  EXPECT_EQ(store_->LastSequence(), before) << "an unchanged record writes no event";
  ASSERT_TRUE(service_->RetireArticle("1", "sam").ok());
  EXPECT_FALSE(catalog->FindArticle("1")->has_value());
  EXPECT_EQ(service_->AddArticle({"1", "Tea", 220, "A", "", {}}, "admin").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store_->StreamVersion(ArticleStream("1")), 3u);
}

TEST_F(MasterDataServiceTest, ImportIsCheckedWholeBeforeAnythingIsWritten) {
  CatalogImport import;
  import.tax_rates.push_back({"B", "Reduced", 700});
  import.articles.push_back({"1", "Bread", 390, "B", "bakery", {"111"}});
  import.articles.push_back({"2", "Roll", 90, "B", "bakery", {"111"}});  // barcode twice
  const uint64_t before = store_->LastSequence();
  auto refused = service_->Import(import, "admin");
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("barcode 111"), std::string::npos);
  EXPECT_EQ(store_->LastSequence(), before);
  import.articles[1].barcodes = {"112"};
  auto imported = service_->Import(import, "admin");
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->articles, 2u);
  EXPECT_EQ(store_->LastSequence(), before + 3);
  EXPECT_EQ((*service_->Catalog()->FindArticleByBarcode("112"))->name, "Roll");
}

}  // namespace
}  // namespace pos
