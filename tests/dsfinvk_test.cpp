// The DSFinV-K export (adapters/dsfinvk): on a demo store and on a two-day
// RegisterService scenario, the exported tables add up to the Z reports per
// tax rate and per payment type, every closed receipt appears exactly once, the
// CSV parses, index.xml names every table with its columns, and refused
// exports write nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "adapters/dsfinvk/csv_table.h"
#include "adapters/dsfinvk/dsfinvk_export.h"
#include "adapters/dsfinvk/tse_source.h"
#include "domain/fiscal_module.h"
#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "engine/bytes.h"
#include "engine/pin_hash.h"
#include "events/fiscal_generated.h"
#include "projections/builtin_projections.h"
#include "projections/receipt_journal.h"
#include "projections/z_reports.h"
#include "tests/test_support.h"
#include "tools/pos/demo_site.h"

namespace pos {
namespace {

namespace fs = std::filesystem;

// ---- A tiny CSV reader: ';' separated, '"' quoted ("" inside), CRLF or LF records.
using Row = std::vector<std::string>;

std::vector<Row> ReadCsv(const fs::path& path, bool* well_formed) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false, in_quotes = false, any = false;
  *well_formed = true;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || quoted) *well_formed = false;  // a quote inside an unquoted field
      in_quotes = quoted = any = true;
    } else if (c == ';') {
      row.push_back(field);
      field.clear();
      quoted = false;
      any = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')) *well_formed = false;
      if (c == '\r') ++i;
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      quoted = any = false;
    } else {
      if (quoted) *well_formed = false;  // text after a closing quote
      field += c;
      any = true;
    }
  }
  if (in_quotes) *well_formed = false;
  if (any || !field.empty()) *well_formed = false;  // the last record must end with a line break
  return rows;
}

struct Table {
  Row header;
  std::vector<std::map<std::string, std::string>> rows;
};

Table Load(const fs::path& dir, const std::string& file) {
  bool ok = false;
  std::vector<Row> rows = ReadCsv(dir / file, &ok);
  EXPECT_TRUE(ok) << file << " is not well-formed CSV";
  Table table;
  if (rows.empty()) {
    ADD_FAILURE() << file << " has no header";
    return table;
  }
  table.header = rows[0];
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].size(), table.header.size()) << file << " record " << i;
    std::map<std::string, std::string> record;
    for (size_t k = 0; k < rows[i].size() && k < table.header.size(); ++k) record[table.header[k]] = rows[i][k];
    table.rows.push_back(std::move(record));
  }
  return table;
}

// "12.34000" -> 1234 (minor units); the digits after the second decimal must be zeros.
int64_t Minor(const std::string& text) {
  EXPECT_FALSE(text.empty());
  const bool negative = !text.empty() && text[0] == '-';
  const std::string body = negative ? text.substr(1) : text;
  const size_t dot = body.find('.');
  EXPECT_NE(dot, std::string::npos) << text;
  if (dot == std::string::npos) return 0;
  const std::string fraction = body.substr(dot + 1);
  EXPECT_GE(fraction.size(), 2u) << text;
  EXPECT_EQ(fraction.find_first_not_of('0', 2), std::string::npos) << text;
  const int64_t value = std::stoll(body.substr(0, dot)) * 100 + std::stoll(fraction.substr(0, 2));
  return negative ? -value : value;
}

uint32_t VatKey(uint32_t basis_points) {
  switch (basis_points) {
    case 1900: return 1;
    case 700: return 2;
    case 1070: return 3;
    case 550: return 4;
    case 0: return 6;
    default: return 1000 + basis_points;
  }
}

// ---- index.xml: every <Table> with its URL and column names.
struct IndexTable {
  std::string url;
  std::vector<std::string> columns;
};

std::string Between(const std::string& text, const std::string& open, const std::string& close, size_t& pos) {
  const size_t a = text.find(open, pos);
  if (a == std::string::npos) return pos = std::string::npos, "";
  const size_t b = text.find(close, a + open.size());
  if (b == std::string::npos) return pos = std::string::npos, "";
  pos = b + close.size();
  return text.substr(a + open.size(), b - a - open.size());
}

std::vector<IndexTable> ReadIndex(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string xml = buffer.str();
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
  EXPECT_NE(xml.find("<DataSet>"), std::string::npos);
  EXPECT_NE(xml.find("</DataSet>"), std::string::npos);
  EXPECT_NE(xml.find("<Media>"), std::string::npos);
  std::vector<IndexTable> tables;
  size_t pos = 0;
  while (true) {
    std::string table = Between(xml, "<Table>", "</Table>", pos);
    if (pos == std::string::npos) break;
    IndexTable t;
    size_t p = 0;
    t.url = Between(table, "<URL>", "</URL>", p);
    size_t c = 0;
    while (true) {
      std::string column = Between(table, "<VariableColumn>", "</VariableColumn>", c);
      if (c == std::string::npos) break;
      size_t n = 0;
      t.columns.push_back(Between(column, "<Name>", "</Name>", n));
      EXPECT_TRUE(column.find("<AlphaNumeric/>") != std::string::npos ||
                  column.find("<Numeric>") != std::string::npos)
          << t.url << " column " << t.columns.back() << " has no type";
    }
    tables.push_back(std::move(t));
  }
  return tables;
}

void CheckIndex(const fs::path& dir) {
  std::vector<IndexTable> tables = ReadIndex(dir / "index.xml");
  std::set<std::string> named;
  for (const IndexTable& t : tables) {
    SCOPED_TRACE(t.url);
    named.insert(t.url);
    ASSERT_TRUE(fs::exists(dir / t.url));
    bool ok = false;
    std::vector<Row> rows = ReadCsv(dir / t.url, &ok);
    EXPECT_TRUE(ok);
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0], t.columns) << "the header names the declared columns";
    for (const Row& row : rows) EXPECT_EQ(row.size(), t.columns.size());
  }
  std::set<std::string> expected;
  for (const std::string& file : dsfinvk::TableFiles()) expected.insert(file);
  EXPECT_EQ(named, expected);
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "index.xml" || named.contains(name)) << name << " is not in index.xml";
  }
}

using ZKey = std::pair<std::string, std::string>;  // (Z_KASSE_ID, Z_NR)
ZKey KeyOf(const std::map<std::string, std::string>& row) { return {row.at("Z_KASSE_ID"), row.at("Z_NR")}; }

struct Triple {
  int64_t gross = 0, net = 0, tax = 0;
  bool operator==(const Triple&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Triple& t) {
  return os << "{" << t.gross << ", " << t.net << ", " << t.tax << "}";
}

// Checks an export against the Z reports and the journal of the store it came from.
void CheckAgainstZReports(const fs::path& dir, const std::vector<ZReportRecord>& closings,
                          const ReceiptJournalView& journal) {
  CheckIndex(dir);
  Table transactions = Load(dir, "transactions.csv");
  Table transactions_vat = Load(dir, "transactions_vat.csv");
  Table lines_vat = Load(dir, "lines_vat.csv");
  Table lines = Load(dir, "lines.csv");
  Table datapayment = Load(dir, "datapayment.csv");
  Table businesscases = Load(dir, "businesscases.csv");
  Table payment = Load(dir, "payment.csv");
  Table closing_table = Load(dir, "cashpointclosing.csv");
  Table cash = Load(dir, "cash_per_currency.csv");
  Table tse = Load(dir, "transactions_tse.csv");

  // Expected: per Z, per VAT key and per payment type; the receipts each Z covers.
  std::map<ZKey, std::map<uint32_t, Triple>> want_vat;
  std::map<ZKey, std::map<std::string, int64_t>> want_pay;
  std::map<ZKey, int64_t> want_total;
  std::multiset<std::string> want_bons;
  for (const ZReportRecord& z : closings) {
    const ZKey key{z.till, std::to_string(z.z_number)};
    for (const TaxFigures& t : z.tax_lines) {
      Triple& v = want_vat[key][VatKey(t.basis_points)];
      v.gross += t.gross;
      v.net += t.net;
      v.tax += t.tax;
    }
    want_pay[key] = z.payments;
    want_total[key] = z.total;
    for (uint64_t n = z.first_receipt; z.first_receipt != 0 && n <= z.last_receipt; ++n) {
      auto r = journal.Find(z.till, n);
      ASSERT_TRUE(r.ok() && r->has_value());
      want_bons.insert((*r)->receipt_id);
    }
  }
  ASSERT_FALSE(closings.empty());

  // Every receipt exactly once.
  std::multiset<std::string> bons;
  std::map<ZKey, int64_t> total;
  std::map<std::string, int64_t> bon_total;
  std::map<ZKey, uint32_t> aborted;
  for (const auto& row : transactions.rows) {
    if (row.at("BON_TYP") == "AVBelegabbruch") {
      ++aborted[KeyOf(row)];
      EXPECT_EQ(row.at("BON_NR"), "");
      EXPECT_EQ(Minor(row.at("UMS_BRUTTO")), 0);
    } else {
      bons.insert(row.at("BON_ID"));
    }
    total[KeyOf(row)] += Minor(row.at("UMS_BRUTTO"));
    bon_total[row.at("BON_ID")] = Minor(row.at("UMS_BRUTTO"));
  }
  EXPECT_EQ(bons, want_bons);
  for (const ZReportRecord& z : closings) {
    EXPECT_EQ(aborted[ZKey(z.till, std::to_string(z.z_number))], z.cancelled)
        << "cancelled receipts of Z " << z.z_number;
  }
  for (const auto& [key, t] : want_total) EXPECT_EQ(total[key], t) << key.first << " Z " << key.second;

  auto sum_vat = [](const Table& table, const std::string& g, const std::string& n, const std::string& t,
                    bool only_sales) {
    std::map<ZKey, std::map<uint32_t, Triple>> out;
    for (const auto& row : table.rows) {
      if (only_sales && row.at("GV_TYP") != "Umsatz" && row.at("GV_TYP") != "Rabatt") continue;
      Triple& v = out[KeyOf(row)][static_cast<uint32_t>(std::stoul(row.at("UST_SCHLUESSEL")))];
      v.gross += Minor(row.at(g));
      v.net += Minor(row.at(n));
      v.tax += Minor(row.at(t));
      EXPECT_EQ(Minor(row.at(g)), Minor(row.at(n)) + Minor(row.at(t)));
    }
    // Drop all-zero keys (voided lines of a rate sold nowhere else).
    for (auto& [k, by_key] : out) std::erase_if(by_key, [](const auto& kv) { return kv.second == Triple{}; });
    return out;
  };
  EXPECT_EQ(sum_vat(transactions_vat, "BON_BRUTTO", "BON_NETTO", "BON_UST", false), want_vat);
  EXPECT_EQ(sum_vat(lines_vat, "POS_BRUTTO", "POS_NETTO", "POS_UST", false), want_vat);
  EXPECT_EQ(sum_vat(businesscases, "Z_UMS_BRUTTO", "Z_UMS_NETTO", "Z_UST", true), want_vat);

  // Per receipt, the lines add up to the receipt.
  std::map<std::string, int64_t> line_total;
  for (const auto& row : lines_vat.rows) line_total[row.at("BON_ID")] += Minor(row.at("POS_BRUTTO"));
  EXPECT_EQ(line_total, bon_total);
  std::set<std::pair<std::string, std::string>> line_keys, line_vat_keys;
  for (const auto& row : lines.rows) line_keys.insert({row.at("BON_ID"), row.at("POS_ZEILE")});
  for (const auto& row : lines_vat.rows) line_vat_keys.insert({row.at("BON_ID"), row.at("POS_ZEILE")});
  EXPECT_EQ(line_keys, line_vat_keys) << "every line has its VAT record and vice versa";

  std::map<ZKey, std::map<std::string, int64_t>> paid, paid_z;
  for (const auto& row : datapayment.rows) {
    paid[KeyOf(row)][row.at("ZAHLART_NAME")] += Minor(row.at("BASISWAEH_BETRAG"));
  }
  for (const auto& row : payment.rows) paid_z[KeyOf(row)][row.at("ZAHLART_NAME")] += Minor(row.at("Z_ZAHLART_BETRAG"));
  for (auto& [k, by_type] : paid) std::erase_if(by_type, [](const auto& kv) { return kv.second == 0; });
  auto want_nonzero = want_pay;
  for (auto& [k, by_type] : want_nonzero) std::erase_if(by_type, [](const auto& kv) { return kv.second == 0; });
  std::erase_if(want_nonzero, [](const auto& kv) { return kv.second.empty(); });
  EXPECT_EQ(paid, want_nonzero);
  EXPECT_EQ(paid_z, want_pay);

  ASSERT_EQ(closing_table.rows.size(), closings.size());
  ASSERT_EQ(cash.rows.size(), closings.size());
  for (const auto& row : closing_table.rows) {
    int64_t all = 0;
    for (const auto& [type, amount] : want_pay[KeyOf(row)]) all += amount;
    EXPECT_EQ(Minor(row.at("Z_SE_ZAHLUNGEN")), all);
    EXPECT_EQ(Minor(row.at("Z_SE_BARZAHLUNGEN")), want_pay[KeyOf(row)]["cash"]);
    EXPECT_EQ(row.at("TAXONOMIE_VERSION"), "2.3");
  }
  EXPECT_EQ(tse.rows.size(), transactions.rows.size()) << "one TSE record per receipt";
}

struct OpenedStore {
  std::unique_ptr<EventStore> store;
  std::unique_ptr<ProjectionRunner> runner;
};

OpenedStore OpenCaughtUp(const std::string& path) {
  OpenedStore s;
  auto store = EventStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return s;
  s.store = std::move(store).value();
  s.runner = std::make_unique<ProjectionRunner>(*s.store);
  EXPECT_TRUE(RegisterBuiltinProjections(*s.runner).ok());
  EXPECT_TRUE(s.runner->CatchUp().ok());
  return s;
}

std::set<std::string> Listing(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) names.insert(entry.path().string());
  return names;
}

// ---- The demo store ------------------------------------------------------------

TEST(DsfinvkExportTest, DemoSiteTablesEqualTheZReports) {
  testing::ScratchDir dir;
  cli::DemoOptions demo;
  demo.root = dir.Sub("site");
  demo.tills = 2;
  demo.receipts_per_till = 40;
  demo.articles = 50;
  demo.seed = 5;
  demo.pin_iterations = 1000;
  demo.mode = "masterdata";  // each till holds its own receipts and Z reports only
  demo.pos_binary = testing::BinaryDir() + "/tools/pos/pos";
  auto site = cli::RunDemoSite(demo, {});
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  for (const cli::TillDay& day : site->tills) {
    SCOPED_TRACE(day.name);
    OpenedStore s = OpenCaughtUp(day.data_dir);
    ASSERT_TRUE(s.store);
    auto z_reader = s.runner->Reader(ZReportsProjection::kName);
    auto j_reader = s.runner->Reader(ReceiptJournalProjection::kName);
    ASSERT_TRUE(z_reader.ok() && j_reader.ok());
    ZReportsView zs(*z_reader);
    ReceiptJournalView journal(*j_reader);
    auto closings = zs.All();
    ASSERT_TRUE(closings.ok());
    ASSERT_EQ(closings->size(), 1u);
    const std::string day_text = UtcDay(closings->front().closed_at_us);

    dsfinvk::ExportOptions options;
    options.from_day = day_text;
    options.to_day = day_text;
    options.out_dir = dir.Sub("export-" + day.name);
    options.company.name = "Demo GmbH";
    uint64_t last_done = 0, last_total = 0;
    options.progress = [&](uint64_t done, uint64_t total) {
      last_done = done;
      last_total = total;
    };
    auto summary = dsfinvk::ExportDsfinvk(*s.store, *s.runner, options);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_EQ(summary->closings, 1u);
    EXPECT_EQ(summary->receipts, closings->front().receipts);
    EXPECT_EQ(last_done, last_total);
    EXPECT_EQ(last_total, summary->receipts);
    CheckAgainstZReports(options.out_dir, *closings, journal);

    // Every receipt the till closed is in the export (the demo closes its day).
    auto all = journal.ClosedOfTill(day.node_id_hex);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), summary->receipts);
    EXPECT_EQ(summary->receipts_without_closing, 0u);

    // A range without Z reports: every table holds its header only.
    options.from_day = options.to_day = "2000-01-01";
    options.out_dir = dir.Sub("empty-" + day.name);
    auto none = dsfinvk::ExportDsfinvk(*s.store, *s.runner, options);
    ASSERT_TRUE(none.ok()) << none.status().ToString();
    EXPECT_EQ(none->closings, 0u);
    CheckIndex(options.out_dir);
    for (const auto& [file, rows] : none->rows) EXPECT_EQ(rows, 0u) << file;
  }
}

// ---- A two-day scenario with a signing fiscal module ----------------------------

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kStart = 1'706'742'000 * kSecond;  // 2024-01-31 23:00:00 UTC
const Approval kSue{"sue", "2222"};

// Signs every receipt with a fake TseTransactionFinished (type 503).
class FakeTse final : public FiscalModule {
 public:
  Result<std::vector<NewEvent>> StartReceipt(const std::string&, int64_t) override { return std::vector<NewEvent>{}; }
  Result<std::vector<NewEvent>> FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) override {
    flatbuffers::FlatBufferBuilder b;
    const std::vector<uint8_t> signature = {1, 2, 3, 4, 5};
    const std::vector<uint8_t> key = {9, 8, 7};
    ++counter_;
    b.Finish(fb::CreateTseTransactionFinishedDirect(
        b, "serial-1", "client-1", counter_, counter_ * 2, now_us - kSecond, now_us, "Kassenbeleg-V1",
        ("Beleg^" + receipt.receipt_id).c_str(), "ecdsa-plain-SHA256", &signature, &key, "V0;qr", false));
    return std::vector<NewEvent>{
        NewEvent{static_cast<EventType>(dsfinvk::kTseTransactionFinishedType),
                 std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize())}};
  }

 private:
  uint64_t counter_ = 0;
};

class DsfinvkScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(kStart);
    auto store = EventStore::Create(dir_.Sub("store"), {.node_name = "till-1"}, {.clock = clock_});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    till_ = ToHex(store_->node_id());
    runner_ = std::make_unique<ProjectionRunner>(*store_);
    ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
    ASSERT_TRUE(runner_->CatchUp().ok());
    MasterDataService master(*store_, *runner_);
    ASSERT_TRUE(master.AddTaxRate({"A", "Standard", 1900}, "admin").ok());
    ASSERT_TRUE(master.AddTaxRate({"B", "Reduced", 700}, "admin").ok());
    ASSERT_TRUE(
        master.AddArticle({"1", "Coffee \"Crema\"; large", 250, "A", "drinks", {"4006381333931"}}, "admin").ok());
    ASSERT_TRUE(master.AddArticle({"2", "Bread", 390, "B", "bakery", {}}, "admin").ok());
    ASSERT_TRUE(master.AddArticle({"3", "Cake", 333, "A", "bakery", {}}, "admin").ok());
    for (const auto& [id, role, pin] : {std::tuple{"ann", UserRole::kCashier, "1111"},
                                        std::tuple{"sue", UserRole::kSupervisor, "2222"}}) {
      auto hash = HashSecret(pin, 1000);
      ASSERT_TRUE(hash.ok());
      ASSERT_TRUE(master.AddUser({id, id, role, *hash}, "admin").ok());
    }
    auto service = RegisterService::Load(*store_, *runner_, clock_);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(service).value();
    service_->SetFiscalModule(&tse_);
    ASSERT_TRUE(runner_->StartTailing().ok());
  }

  // Day 1 (2024-01-31/02-01 UTC): three sales (void, discounts, split), a refund, a
  // cancelled receipt, Z 1 on 2024-02-01. Day 2 (2024-02-03): one sale, Z 2.
  void Sell() {
    RegisterService& s = *service_;
    ASSERT_TRUE(s.SignOn("ann", "1111").ok());
    auto r1 = s.Open();
    ASSERT_TRUE(r1.ok()) << r1.status().ToString();
    ASSERT_TRUE(s.AddLine(*r1, "1", 2).ok());
    ASSERT_TRUE(s.AddLine(*r1, "2", 1).ok());
    ASSERT_TRUE(s.AddLine(*r1, "3", 1).ok());
    ASSERT_TRUE(s.VoidLine(*r1, 3).ok());
    ASSERT_TRUE(s.Pay(*r1, {PaymentType::kCash, 1000, ""}).ok());
    ASSERT_TRUE(s.Close(*r1).ok());
    clock_->Advance(kSecond);
    auto cancelled = s.Open();
    ASSERT_TRUE(cancelled.ok());
    ASSERT_TRUE(s.AddLine(*cancelled, "3", 5).ok());
    ASSERT_TRUE(s.Cancel(*cancelled, "customer left", kSue).ok());
    clock_->Advance(kSecond);
    auto r2 = s.Open();
    ASSERT_TRUE(r2.ok());
    ASSERT_TRUE(s.AddLine(*r2, "1", 3).ok());
    ASSERT_TRUE(s.DiscountLine(*r2, 1, 50, kSue).ok());
    ASSERT_TRUE(s.AddLine(*r2, "2", 2).ok());
    ASSERT_TRUE(s.AddLine(*r2, "3", 3).ok());
    ASSERT_TRUE(s.DiscountReceipt(*r2, 107, kSue).ok());
    auto due = 3 * 250 - 50 + 2 * 390 + 3 * 333 - 107;
    ASSERT_TRUE(s.Pay(*r2, {PaymentType::kCard, 1000, "visa"}).ok());
    ASSERT_TRUE(s.Pay(*r2, {PaymentType::kCash, due - 1000 + 20, ""}).ok());
    ASSERT_TRUE(s.Close(*r2).ok());
    clock_->Advance(kHour);  // 2024-02-01
    auto r3 = s.Open(kSue, 1);
    ASSERT_TRUE(r3.ok()) << r3.status().ToString();
    ASSERT_TRUE(s.AddLine(*r3, "1", -1).ok());
    ASSERT_TRUE(s.Pay(*r3, {PaymentType::kCash, -250, ""}).ok());
    ASSERT_TRUE(s.Close(*r3).ok());
    ASSERT_TRUE(s.CashMovement(true, 5000, "float", kSue).ok());
    auto x = s.XReport();
    ASSERT_TRUE(x.ok());
    ASSERT_TRUE(s.CloseDay(x->expected_cash - 10, kSue).ok());
    clock_->Set(kStart + 52 * kHour);  // 2024-02-03
    auto r4 = s.Open();
    ASSERT_TRUE(r4.ok());
    ASSERT_TRUE(s.AddLine(*r4, "3", 2).ok());
    ASSERT_TRUE(s.Pay(*r4, {PaymentType::kVoucher, 500, "V-1"}).ok());
    ASSERT_TRUE(s.Pay(*r4, {PaymentType::kCash, 166, ""}).ok());
    ASSERT_TRUE(s.Close(*r4).ok());
    auto x2 = s.XReport();
    ASSERT_TRUE(x2.ok());
    ASSERT_TRUE(s.CloseDay(x2->expected_cash, kSue).ok());
    // Day 3: a receipt closed, its day not closed yet.
    clock_->Advance(24 * kHour);
    auto r5 = s.Open();
    ASSERT_TRUE(r5.ok());
    ASSERT_TRUE(s.AddLine(*r5, "2", 1).ok());
    ASSERT_TRUE(s.Pay(*r5, {PaymentType::kCash, 390, ""}).ok());
    ASSERT_TRUE(s.Close(*r5).ok());
    ASSERT_TRUE(runner_->WaitUntilApplied(store_->LastSequence(), std::chrono::seconds(20)));
    ASSERT_TRUE(runner_->TailStatus().ok()) << runner_->TailStatus().ToString();
    runner_->StopTailing();
  }

  std::vector<ZReportRecord> Closings() {
    auto reader = runner_->Reader(ZReportsProjection::kName);
    EXPECT_TRUE(reader.ok());
    auto all = ZReportsView(*reader).All();
    EXPECT_TRUE(all.ok());
    return all.ok() ? *all : std::vector<ZReportRecord>{};
  }
  ReceiptJournalView Journal() {
    auto reader = runner_->Reader(ReceiptJournalProjection::kName);
    EXPECT_TRUE(reader.ok());
    return ReceiptJournalView(*reader);
  }
  dsfinvk::ExportOptions Options(const std::string& from, const std::string& to, const std::string& out) {
    dsfinvk::ExportOptions o;
    o.from_day = from;
    o.to_day = to;
    o.out_dir = dir_.Sub(out);
    return o;
  }

  testing::ScratchDir dir_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::unique_ptr<RegisterService> service_;
  FakeTse tse_;
  std::string till_;
};

TEST_F(DsfinvkScenarioTest, TablesEqualEveryZReportAndCarryTheTseData) {
  ASSERT_NO_FATAL_FAILURE(Sell());
  std::vector<ZReportRecord> closings = Closings();
  ASSERT_EQ(closings.size(), 2u);
  ASSERT_TRUE(dsfinvk::TseSchemaAvailable());

  auto o = Options("2024-01-31", "2024-02-03", "all");
  auto summary = dsfinvk::ExportDsfinvk(*store_, *runner_, o);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->closings, 2u);
  EXPECT_EQ(summary->receipts, 4u);
  EXPECT_EQ(summary->aborted, 1u);
  EXPECT_EQ(summary->receipts_with_tse, 5u);
  EXPECT_EQ(summary->receipts_without_closing, 0u);
  CheckAgainstZReports(o.out_dir, closings, Journal());

  // The refund references receipt 1 in Z 1; the TSE columns come from the event.
  Table refs = Load(o.out_dir, "references.csv");
  ASSERT_EQ(refs.rows.size(), 1u);
  auto first = Journal().Find(till_, 1);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ(refs.rows[0].at("REF_BON_ID"), (*first)->receipt_id);
  EXPECT_EQ(refs.rows[0].at("REF_Z_NR"), "1");
  EXPECT_EQ(refs.rows[0].at("REF_Z_KASSE_ID"), till_);
  Table tse = Load(o.out_dir, "transactions_tse.csv");
  ASSERT_EQ(tse.rows.size(), 5u);
  EXPECT_EQ(tse.rows[0].at("TSE_TA_VORGANGSART"), "Kassenbeleg-V1");
  EXPECT_EQ(tse.rows[0].at("TSE_TA_SIG"), "AQIDBAU=");
  EXPECT_EQ(tse.rows[0].at("TSE_ID"), "1");
  EXPECT_EQ(tse.rows[0].at("TSE_TA_FEHLER"), "");
  Table tses = Load(o.out_dir, "tse.csv");
  ASSERT_EQ(tses.rows.size(), 2u);  // one per closing
  EXPECT_EQ(tses.rows[0].at("TSE_SERIAL"), "serial-1");
  EXPECT_EQ(tses.rows[0].at("TSE_PUBLIC_KEY"), "CQgH");
  // Quotes and semicolons in text survive the round trip; the barcode is the GTIN.
  Table lines = Load(o.out_dir, "lines.csv");
  bool coffee = false;
  for (const auto& row : lines.rows) {
    if (row.at("ART_NR") == "1") {
      coffee = true;
      EXPECT_EQ(row.at("ARTIKELTEXT"), "Coffee \"Crema\"; large");
      EXPECT_EQ(row.at("GTIN"), "4006381333931");
    }
  }
  EXPECT_TRUE(coffee);
  // The cash movement and the shortfall are business cases of Z 1.
  Table cases = Load(o.out_dir, "businesscases.csv");
  std::map<std::string, int64_t> z1;
  for (const auto& row : cases.rows) {
    if (row.at("Z_NR") == "1") z1[row.at("GV_TYP")] += Minor(row.at("Z_UMS_BRUTTO"));
  }
  EXPECT_EQ(z1["Einzahlung"], 5000);
  EXPECT_EQ(z1["DifferenzSollIst"], -10);
  EXPECT_EQ(z1["Rabatt"], -107);

  // Only the second day: Z 2 and its one receipt; day 3's receipt has no closing yet.
  auto o2 = Options("2024-02-02", "2024-02-04", "day2");
  auto second = dsfinvk::ExportDsfinvk(*store_, *runner_, o2);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->closings, 1u);
  EXPECT_EQ(second->receipts, 1u);
  CheckAgainstZReports(o2.out_dir, {closings[1]}, Journal());
  auto o3 = Options("2024-02-03", "2024-02-05", "day3");
  auto third = dsfinvk::ExportDsfinvk(*store_, *runner_, o3);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->receipts_without_closing, 1u);
}

TEST_F(DsfinvkScenarioTest, RefusedExportsWriteNothing) {
  ASSERT_NO_FATAL_FAILURE(Sell());
  const std::set<std::string> before = Listing(dir_.path());
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"2024-1-31", "2024-02-01"},
                                 {"2024-01-31", "tomorrow"},
                                 {"2024-02-30x", "2024-03-01"},
                                 {"2024-02-05", "2024-02-01"}}) {
    auto refused = dsfinvk::ExportDsfinvk(*store_, *runner_, Options(from, to, "out"));
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << from << " " << to;
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "out"));

  // A non-empty OUT is refused and left as it was; --force replaces it.
  fs::create_directories(dir_.path() / "full");
  std::ofstream(dir_.path() / "full" / "keep.txt") << "mine";
  const std::set<std::string> with_full = Listing(dir_.path());
  auto refused = dsfinvk::ExportDsfinvk(*store_, *runner_, Options("2024-01-31", "2024-02-05", "full"));
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Listing(dir_.path()), with_full) << "nothing written, no temporary directory left";
  auto file_out = dsfinvk::ExportDsfinvk(*store_, *runner_, Options("2024-01-31", "2024-02-05", "full/keep.txt"));
  EXPECT_EQ(file_out.status().code(), StatusCode::kAlreadyExists);

  auto forced_options = Options("2024-01-31", "2024-02-05", "full");
  forced_options.force = true;
  auto forced = dsfinvk::ExportDsfinvk(*store_, *runner_, forced_options);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_FALSE(fs::exists(dir_.path() / "full" / "keep.txt"));
  CheckIndex(dir_.path() / "full");
  (void)before;

  // An existing empty directory is fine, and a trailing slash too.
  fs::create_directories(dir_.path() / "empty");
  auto into_empty = dsfinvk::ExportDsfinvk(*store_, *runner_, Options("2024-01-31", "2024-02-05", "empty/"));
  ASSERT_TRUE(into_empty.ok()) << into_empty.status().ToString();
  CheckIndex(dir_.path() / "empty");
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".partial-"), std::string::npos);
    EXPECT_EQ(entry.path().filename().string().find(".old-"), std::string::npos);
  }
}

TEST(DsfinvkFormatTest, NumbersTimesAndBase64) {
  EXPECT_EQ(dsfinvk::FormatMinor(1234, 2), "12.34");
  EXPECT_EQ(dsfinvk::FormatMinor(-5, 5), "-0.05000");
  EXPECT_EQ(dsfinvk::FormatMinor(0, 2), "0.00");
  EXPECT_EQ(dsfinvk::FormatMinor(INT64_MIN, 2), "-92233720368547758.08");
  EXPECT_EQ(dsfinvk::FormatWhole(-2, 3), "-2.000");
  EXPECT_EQ(dsfinvk::FormatTimestamp(kStart + 61 * kSecond + 5), "2024-01-31T23:01:01Z");
  EXPECT_EQ(dsfinvk::Base64(""), "");
  EXPECT_EQ(dsfinvk::Base64("f"), "Zg==");
  EXPECT_EQ(dsfinvk::Base64("fo"), "Zm8=");
  EXPECT_EQ(dsfinvk::Base64("foobar"), "Zm9vYmFy");
}

// ---- The command line -----------------------------------------------------------

int RunPos(const std::string& args, std::string* out = nullptr) {
  testing::ScratchDir tmp;
  const std::string capture = tmp.Sub("out.txt");
  const std::string command = testing::BinaryDir() + "/tools/pos/pos " + args + " > " + capture + " 2>&1";
  const int status = std::system(command.c_str());
  if (out) {
    std::ifstream in(capture);
    std::stringstream buffer;
    buffer << in.rdbuf();
    *out = buffer.str();
  }
  return WEXITSTATUS(status);
}

TEST_F(DsfinvkScenarioTest, CommandLineExportsAndRefuses) {
  ASSERT_NO_FATAL_FAILURE(Sell());
  service_.reset();
  runner_.reset();
  store_.reset();  // the pos binary opens the store itself
  const std::string data = "--data " + dir_.Sub("store");
  std::string output;
  EXPECT_EQ(RunPos(data + " export dsfinvk --from 2024-02-05 --to 2024-02-01 " + dir_.Sub("cli"), &output), 1)
      << output;
  EXPECT_NE(output.find("before --from"), std::string::npos) << output;
  EXPECT_EQ(RunPos(data + " export dsfinvk --from 2024-13-01 --to 2024-02-01 " + dir_.Sub("cli"), &output), 1);
  EXPECT_FALSE(fs::exists(dir_.path() / "cli"));
  EXPECT_EQ(RunPos(data + " --quiet export dsfinvk --from 2024-01-31 --to 2024-02-05 " + dir_.Sub("cli"), &output), 0)
      << output;
  EXPECT_NE(output.find("exported 2 Z reports with 4 receipts (and 1 cancelled)"), std::string::npos) << output;
  CheckIndex(dir_.path() / "cli");
  EXPECT_EQ(RunPos(data + " --json export dsfinvk --from 2024-01-31 --to 2024-02-05 " + dir_.Sub("cli"), &output), 1);
  EXPECT_NE(output.find("not empty"), std::string::npos) << output;
  EXPECT_EQ(RunPos(data + " --json export dsfinvk --force --from 2024-01-31 --to 2024-02-05 " + dir_.Sub("cli"),
                   &output),
            0)
      << output;
  EXPECT_NE(output.find("\"receipts\": 4"), std::string::npos) << output;
}

}  // namespace
}  // namespace pos
