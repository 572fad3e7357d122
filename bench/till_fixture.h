// TillFixture: the till every benchmark sells on, built through the engine's own
// services (EventStore, MasterDataService, SoftwareTse) exactly as `pos init`,
// `pos catalog import` and `pos tse init` / `register-client` would build it.
//
// Catalog: tax rates A (19 %) and B (7 %), `articles` articles with codes
// "10000".. (every third at rate B), cashier "anna" (PIN 1111) and supervisor
// "sam" (PIN 2222). German fiscal profile: a software TSE in <dir>/tse,
// initialised with admin PIN 123456 and this node registered as its client.
#pragma once

#include <string>
#include <vector>

#include "engine/status.h"
#include "events/master_data.h"

namespace pos::bench {

inline constexpr const char* kCashier = "anna";
inline constexpr const char* kCashierPin = "1111";
inline constexpr const char* kSupervisor = "sam";
inline constexpr const char* kSupervisorPin = "2222";
inline constexpr const char* kTseAdminPin = "123456";

struct FixtureCatalog {
  std::vector<TaxRate> tax_rates;
  std::vector<Article> articles;
  std::vector<User> users;  // pin_hash empty here; the store holds the hashes
};

// The catalog of a fixture with `articles` articles (deterministic).
FixtureCatalog MakeFixtureCatalog(int articles);

struct TillFixtureOptions {
  std::string node_name = "bench-till";
  int articles = 200;
  bool tse = true;  // the German fiscal profile (software TSE)
};

// Creates the till at `dir` (absent or empty). On failure the directory may be
// partly written; callers build fixtures in scratch directories.
Status CreateTillFixture(const std::string& dir, const TillFixtureOptions& options);

}  // namespace pos::bench
