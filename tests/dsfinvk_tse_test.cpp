// The DSFinV-K export with the real software TSE (domain/fiscal): the TSE columns
// of transactions_tse.csv and tse.csv come from the TseTransactionFinished events
// the TSE fiscal module puts before ReceiptClosed / ReceiptCancelled.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/dsfinvk/csv_table.h"
#include "adapters/dsfinvk/dsfinvk_export.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "engine/bytes.h"
#include "engine/pin_hash.h"
#include "projections/builtin_projections.h"
#include "tests/test_support.h"

namespace pos {
namespace {

// Records of a file this export wrote (no quotes inside the fields read here).
std::vector<std::map<std::string, std::string>> Records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::stringstream s(line);
    std::string field;
    while (std::getline(s, field, ';')) {
      if (field.size() >= 2 && field.front() == '"' && field.back() == '"') field = field.substr(1, field.size() - 2);
      fields.push_back(field);
    }
    if (!line.empty() && line.back() == ';') fields.push_back("");
    rows.push_back(fields);
  }
  std::vector<std::map<std::string, std::string>> out;
  for (size_t i = 1; i < rows.size(); ++i) {
    std::map<std::string, std::string> r;
    for (size_t k = 0; k < rows[0].size() && k < rows[i].size(); ++k) r[rows[0][k]] = rows[i][k];
    out.push_back(r);
  }
  return out;
}

TEST(DsfinvkTseTest, TseColumnsComeFromTheSoftwareTse) {
  testing::ScratchDir dir;
  auto clock = std::make_shared<ManualClock>(1'706'742'000'000'000);
  auto store = EventStore::Create(dir.Sub("store"), {.node_name = "till-1"}, {.clock = clock});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ProjectionRunner runner(**store);
  ASSERT_TRUE(RegisterBuiltinProjections(runner).ok());
  ASSERT_TRUE(runner.CatchUp().ok());
  MasterDataService master(**store, runner);
  ASSERT_TRUE(master.AddTaxRate({"A", "Standard", 1900}, "admin").ok());
  ASSERT_TRUE(master.AddArticle({"1", "Coffee", 250, "A", "drinks", {}}, "admin").ok());
  for (const auto& [id, role] : {std::pair{"ann", UserRole::kCashier}, std::pair{"sue", UserRole::kSupervisor}}) {
    auto hash = HashSecret("1111", 1000);
    ASSERT_TRUE(hash.ok());
    ASSERT_TRUE(master.AddUser({id, id, role, *hash}, "admin").ok());
  }
  auto tse = fiscal::SoftwareTse::Open(dir.Sub("tse"));
  ASSERT_TRUE(tse.ok()) << tse.status().ToString();
  ASSERT_TRUE((*tse)->Initialise("123456", clock->NowMicros()).ok());
  ASSERT_TRUE((*tse)->RegisterClient("123456", ToHex((*store)->node_id())).ok());
  auto module = fiscal::TseFiscalModule::Create(**store, **tse);
  ASSERT_TRUE(module.ok()) << module.status().ToString();
  auto service = RegisterService::Load(**store, runner, clock);
  ASSERT_TRUE(service.ok()) << service.status().ToString();
  (*service)->SetFiscalModule(module->get());
  ASSERT_TRUE(runner.StartTailing().ok());

  RegisterService& s = **service;
  ASSERT_TRUE(s.SignOn("ann", "1111").ok());
  for (int i = 0; i < 2; ++i) {
    auto r = s.Open();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(s.AddLine(*r, "1", 1 + i).ok());
    ASSERT_TRUE(s.Pay(*r, {PaymentType::kCash, 250 * (1 + i), ""}).ok());
    ASSERT_TRUE(s.Close(*r).ok());
  }
  auto cancelled = s.Open();
  ASSERT_TRUE(cancelled.ok());
  ASSERT_TRUE(s.Cancel(*cancelled, "test", Approval{"sue", "1111"}).ok());
  auto x = s.XReport();
  ASSERT_TRUE(x.ok());
  ASSERT_TRUE(s.CloseDay(x->expected_cash, Approval{"sue", "1111"}).ok());
  ASSERT_TRUE(runner.WaitUntilApplied((*store)->LastSequence(), std::chrono::seconds(20)));
  runner.StopTailing();

  dsfinvk::ExportOptions options;
  options.from_day = "2024-01-31";
  options.to_day = "2024-01-31";
  options.out_dir = dir.Sub("out");
  auto summary = dsfinvk::ExportDsfinvk(**store, runner, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->receipts, 2u);
  EXPECT_EQ(summary->aborted, 1u);
  EXPECT_EQ(summary->receipts_with_tse, 3u);

  auto tx = Records(options.out_dir + "/transactions_tse.csv");
  ASSERT_EQ(tx.size(), 3u);
  std::vector<std::string> numbers;
  for (const auto& r : tx) {
    EXPECT_EQ(r.at("TSE_ID"), "1");
    EXPECT_EQ(r.at("TSE_TA_VORGANGSART").empty(), false);
    EXPECT_FALSE(r.at("TSE_TA_SIG").empty());
    EXPECT_FALSE(r.at("TSE_TA_SIGZ").empty());
    EXPECT_EQ(r.at("TSE_TA_FEHLER"), "");
    numbers.push_back(r.at("TSE_TANR"));
  }
  EXPECT_NE(numbers[0], numbers[1]);
  auto tses = Records(options.out_dir + "/tse.csv");
  ASSERT_EQ(tses.size(), 1u);
  EXPECT_EQ(tses[0].at("TSE_SERIAL"), (*tse)->serial_hex());
  EXPECT_EQ(tses[0].at("TSE_PUBLIC_KEY"), dsfinvk::Base64((*tse)->public_key_der()));
}

}  // namespace
}  // namespace pos
