#include "sync/sync_mode.h"

#include <algorithm>

namespace pos::sync {
namespace {

std::string CategoryList() {
  std::string names;
  for (EventCategory c : SendableCategories()) names += (names.empty() ? "" : ", ") + std::string(EventCategoryName(c));
  return names;
}

}  // namespace

const std::array<EventCategory, 8>& SendableCategories() {
  static constexpr std::array<EventCategory, 8> kAll = {
      EventCategory::kSystem,  EventCategory::kMasterData, EventCategory::kReceipt, EventCategory::kFiscal,
      EventCategory::kLicense, EventCategory::kDevice,     EventCategory::kSync,    EventCategory::kRegister,
  };
  return kAll;
}

bool SyncFilter::Carries(EventCategory category) const {
  if (category == EventCategory::kAccount) return false;
  switch (mode) {
    case SyncMode::kArchive: return false;
    case SyncMode::kMasterData: return category == EventCategory::kMasterData;
    case SyncMode::kMasterDataAndReceipts:
      return category == EventCategory::kMasterData || category == EventCategory::kReceipt;
    case SyncMode::kIndividual:
      return std::find(categories.begin(), categories.end(), category) != categories.end();
  }
  return false;
}

std::string SyncFilter::Describe() const {
  std::string text(SyncModeName(mode));
  if (mode != SyncMode::kIndividual) return text;
  text += ": ";
  for (size_t i = 0; i < categories.size(); ++i) text += (i ? "," : "") + std::string(EventCategoryName(categories[i]));
  return text;
}

std::string_view SyncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kArchive: return "archive";
    case SyncMode::kMasterData: return "masterdata";
    case SyncMode::kMasterDataAndReceipts: return "masterdata+receipts";
    case SyncMode::kIndividual: return "individual";
  }
  return "unknown";
}

Result<SyncMode> ParseSyncMode(std::string_view text) {
  for (SyncMode mode : {SyncMode::kArchive, SyncMode::kMasterData, SyncMode::kMasterDataAndReceipts,
                        SyncMode::kIndividual}) {
    if (SyncModeName(mode) == text) return mode;
  }
  return Status::InvalidArgument("'" + std::string(text) +
                                 "' is not a sync mode; use archive, masterdata, masterdata+receipts or individual");
}

Result<std::vector<EventCategory>> ParseCategories(std::string_view text) {
  std::vector<EventCategory> categories;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view name = text.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == EventCategoryName(EventCategory::kAccount)) {
      return Status::InvalidArgument("category 'account' never leaves the hub (it holds password hashes)");
    }
    const EventCategory* found = std::find_if(SendableCategories().begin(), SendableCategories().end(),
                                              [&](EventCategory c) { return EventCategoryName(c) == name; });
    if (found == SendableCategories().end()) {
      return Status::InvalidArgument("'" + std::string(name) + "' is not an event category; the categories are " +
                                     CategoryList());
    }
    if (std::find(categories.begin(), categories.end(), *found) == categories.end()) categories.push_back(*found);
    start = end + 1;
  }
  return categories;
}

Result<SyncFilter> MakeSyncFilter(SyncMode mode, const std::vector<EventCategory>& categories) {
  if (mode == SyncMode::kIndividual && categories.empty()) {
    return Status::InvalidArgument("mode individual needs --categories (a comma-separated list of " + CategoryList() +
                                   ")");
  }
  if (mode != SyncMode::kIndividual && !categories.empty()) {
    return Status::InvalidArgument("--categories is only for mode individual; mode " +
                                   std::string(SyncModeName(mode)) + " has fixed categories");
  }
  for (EventCategory c : categories) {
    if (c == EventCategory::kAccount) return Status::InvalidArgument("category 'account' never leaves the hub");
  }
  return SyncFilter{mode, categories};
}

Result<SyncFilter> SyncFilterFromCodes(uint8_t mode, const std::vector<uint8_t>& codes) {
  if (mode > static_cast<uint8_t>(SyncMode::kIndividual)) {
    return Status::InvalidArgument("unknown sync mode code " + std::to_string(mode));
  }
  std::vector<EventCategory> categories;
  for (uint8_t code : codes) {
    const EventCategory* found = std::find_if(SendableCategories().begin(), SendableCategories().end(),
                                              [&](EventCategory c) { return static_cast<uint8_t>(c) == code; });
    if (found == SendableCategories().end()) {
      return Status::InvalidArgument("unknown or forbidden event category code " + std::to_string(code));
    }
    categories.push_back(*found);
  }
  return MakeSyncFilter(static_cast<SyncMode>(mode), categories);
}

std::vector<uint8_t> CategoryCodes(const SyncFilter& filter) {
  std::vector<uint8_t> codes;
  for (EventCategory c : filter.categories) codes.push_back(static_cast<uint8_t>(c));
  return codes;
}

}  // namespace pos::sync
