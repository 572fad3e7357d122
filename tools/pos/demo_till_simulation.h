// One demo till's trading day, sold through its daemon's command API: random
// baskets from the sample catalog, scanned or keyed, cash/card/voucher and split
// payments, voided lines, discounts, parked and resumed receipts, cancellations
// and refunds, a cash skim mid-day, then the day close (Z report).
//
// Every decision comes from a generator seeded with `seed`, so the day is a
// function of the seed (and of the catalog, itself a function of the demo seed).
#pragma once

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "domain/master_data_service.h"
#include "domain/z_report.h"
#include "tools/pos/demo_catalog.h"
#include "tools/pos/demo_register_client.h"

namespace pos::cli {

struct TillDayCounts {
  size_t sales = 0;
  size_t refunds = 0;
  size_t cancelled = 0;
  size_t parked = 0;
  size_t voided_lines = 0;
};

class DemoTillSimulation {
 public:
  // `done` counts receipts for the progress bar; `stop` ends the day early (Run
  // returns kUnavailable).
  DemoTillSimulation(DemoRegisterClient& till, const CatalogImport& catalog, uint64_t seed, size_t receipts,
                     std::atomic<uint64_t>& done, const std::atomic<bool>& stop);

  // Sells `receipts` receipts as `cashier` and closes the day; the Z report.
  Result<ZReport> Run(const DemoUser& cashier, TillDayCounts& counts);

 private:
  // A closed sale as the simulation remembers it for refunds: each line's
  // article code and quantity still refundable.
  struct SoldLine {
    std::string code;
    int64_t refundable = 0;
  };
  struct Basket {
    std::string id;
    std::vector<SoldLine> lines;
  };

  const Article& PickArticle();
  Result<Basket> FillBasket(TillDayCounts& counts);
  Status PayAndClose(Basket basket, TillDayCounts& counts);
  Status ResumeOne(TillDayCounts& counts);
  Status Cancelled(TillDayCounts& counts);
  Status Refund(TillDayCounts& counts);
  Status SkimCash();

  DemoRegisterClient& till_;
  const CatalogImport& catalog_;
  std::mt19937_64 random_;
  size_t receipts_;
  std::atomic<uint64_t>& done_;
  const std::atomic<bool>& stop_;
  std::vector<Basket> parked_;
  std::vector<std::pair<uint64_t, std::vector<SoldLine>>> closed_sales_;  // receipt number, lines
};

}  // namespace pos::cli
