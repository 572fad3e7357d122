// Sync modes: which event categories travel hub -> till (docs/sync.md "Modes").
// Till -> hub is always everything the till holds as a full chain (its archive).
//
//   archive              nothing
//   masterdata           masterdata
//   masterdata+receipts  masterdata, receipt
//   individual           the categories chosen with --categories
//
// Account events (category "account") never leave the hub, in any mode.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"
#include "events/event_types.h"

namespace pos::sync {

enum class SyncMode : uint8_t { kArchive = 0, kMasterData = 1, kMasterDataAndReceipts = 2, kIndividual = 3 };

struct SyncFilter {
  SyncMode mode = SyncMode::kArchive;
  std::vector<EventCategory> categories;  // only for kIndividual

  // Whether an event of `category` travels hub -> till under this filter.
  bool Carries(EventCategory category) const;
  // "masterdata" or "individual: masterdata,receipt".
  std::string Describe() const;
};

std::string_view SyncModeName(SyncMode mode);
// "archive", "masterdata", "masterdata+receipts", "individual".
Result<SyncMode> ParseSyncMode(std::string_view text);
// A comma-separated list of category names (events/event_types.h); "account" is refused.
Result<std::vector<EventCategory>> ParseCategories(std::string_view text);
// A mode with its categories, checked together: individual needs categories, the others take none.
Result<SyncFilter> MakeSyncFilter(SyncMode mode, const std::vector<EventCategory>& categories);
// From wire or event bytes; unknown mode or category values are an error.
Result<SyncFilter> SyncFilterFromCodes(uint8_t mode, const std::vector<uint8_t>& categories);
std::vector<uint8_t> CategoryCodes(const SyncFilter& filter);
// Every category that may travel hub -> till (all but account).
const std::array<EventCategory, 8>& SendableCategories();

}  // namespace pos::sync
