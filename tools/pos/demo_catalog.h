// The demo's sample catalog: three tax rates, N articles with valid EAN-13
// barcodes in seven merchandise groups, and the site's users. Deterministic in the seed.
//
// Users (PINs are for the demo only): root/9999 admin, sam/5555 supervisor,
// cashiers anna/1111, ben/2222, cara/3333, dave/4444, eva/5151, finn/6161, gina/7171, hugo/8181.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/master_data_service.h"

namespace pos::cli {

struct DemoUser {
  std::string id;
  std::string pin;
};

inline constexpr const char* kDemoSupervisor = "sam";
inline constexpr const char* kDemoSupervisorPin = "5555";

// The cashiers, in the order tills use them (till i signs on cashier i % 8).
const std::vector<DemoUser>& DemoCashiers();

// PIN hashes use `pin_iterations` PBKDF2 rounds (lower only to keep tests fast).
Result<CatalogImport> MakeDemoCatalog(uint64_t seed, size_t articles, int pin_iterations);

// EAN-13 with its check digit, from a 12-digit body.
std::string Ean13(const std::string& body12);

}  // namespace pos::cli
