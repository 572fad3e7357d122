// The demo site: a real site of processes under one data root, every one of
// them this same `pos` binary re-executed:
//
//   <root>/hub        `pos hub serve` on a free loopback port (its log <root>/hub.log)
//   <root>/till-<i>   `pos serve`, joined to the hub (its log <root>/till-<i>.log)
//   <root>/account-password.txt   the site account's password (mode 0600)
//
// The hub gets the account; every till is initialised and joins it (the password
// on a file descriptor, never in argv) in the chosen sync mode. The sample catalog
// is imported at till-1 and replicates through the hub (or, in a mode that carries
// no master data, at every till). The tills sell concurrently through their command
// API, close their day (Z report), and once the hub acknowledged every till's events
// all processes are stopped (SIGTERM, then waited for), every log is verified and the
// hub's projections (site totals, Z reports, till status) are read.
//
// Deterministic in the seed: the same seed gives the same baskets, payments, voids,
// refunds, parked and cancelled receipts, and so the same Z figures.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/z_report.h"
#include "engine/chain_verifier.h"
#include "engine/status.h"
#include "projections/site_totals.h"
#include "projections/till_status.h"
#include "projections/z_reports.h"
#include "tools/pos/demo_till_simulation.h"

namespace pos::cli {

inline constexpr char kDemoAccount[] = "demo@example.com";

struct DemoOptions {
  std::string root = "./demo-site";
  size_t tills = 3;
  size_t receipts_per_till = 200;
  uint64_t seed = 1;
  size_t articles = 1000;
  int pin_iterations = 60000;
  std::string mode = "masterdata+receipts";  // archive | masterdata | masterdata+receipts
  std::string pos_binary;                    // the `pos` to run; "" = this program (/proc/self/exe)
};

struct TillDay {
  std::string name;
  std::string data_dir;
  std::string log;
  std::string node_id_hex;
  ZReport z;                  // as the till's CloseDay answered
  TillDayCounts counts;
  uint64_t events = 0;        // the till's own chain (its head seq)
  uint64_t events_at_hub = 0;  // the hub's head of the till's chain
  ChainVerification verification;
};

struct HubDay {
  std::string data_dir;
  std::string log;
  std::string endpoint;    // tcp://127.0.0.1:PORT
  std::string public_key;  // CURVE, Z85
  uint64_t events = 0;
  ChainVerification verification;
  SiteDayTotals site;      // site_totals summed over every day ("all")
  std::vector<ZReportRecord> z_reports;
  std::vector<TillStatusRecord> nodes;
};

struct DemoSite {
  std::string root;
  std::string account = kDemoAccount;
  std::string password_file;
  std::string mode;
  std::vector<TillDay> tills;
  HubDay hub;
  std::vector<pid_t> processes;  // every daemon started (all stopped on return)
};

struct DemoCallbacks {
  std::function<void(const std::string&)> step;       // a phase begins (one line)
  std::function<void(uint64_t, uint64_t)> progress;   // receipts sold, to sell
  std::function<bool()> interrupted;                  // polled; true stops the demo cleanly
};

Result<DemoSite> RunDemoSite(const DemoOptions& options, const DemoCallbacks& callbacks);

// Starts the site's hub and tills again and keeps them up until interrupted()
// (Ctrl-C); `ready` gets the commands to try meanwhile. Stops them all on return.
Status KeepDemoSiteRunning(const DemoOptions& options, const DemoSite& site, const DemoCallbacks& callbacks,
                           const std::function<void(const std::string&)>& ready);

}  // namespace pos::cli
