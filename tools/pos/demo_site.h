// The demo site: N tills under one data root (<root>/till-<i>), each with the
// sample catalog, simulating a trading day in parallel through the same
// RegisterService a real till uses, then closing the day and verifying its log.
//
// Deterministic in the seed: the same seed gives the same baskets, payments,
// voids, refunds, parked and cancelled receipts, and so the same Z figures.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/z_report.h"
#include "engine/chain_verifier.h"
#include "engine/status.h"

namespace pos::cli {

struct DemoOptions {
  std::string root = "./demo-site";
  size_t tills = 3;
  size_t receipts_per_till = 200;
  uint64_t seed = 1;
  size_t articles = 1000;
  int pin_iterations = 60000;
};

struct TillDay {
  std::string name;
  std::string data_dir;
  std::string node_id_hex;
  ZReport z;
  size_t sales = 0;
  size_t refunds = 0;
  size_t cancelled = 0;
  size_t parked = 0;
  size_t voided_lines = 0;
  uint64_t events = 0;
  ChainVerification verification;
};

// progress(receipts done, receipts to do) is called from the till threads.
Result<std::vector<TillDay>> RunDemoSite(const DemoOptions& options,
                                         const std::function<void(uint64_t, uint64_t)>& progress);

}  // namespace pos::cli
