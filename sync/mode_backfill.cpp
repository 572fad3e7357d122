#include "sync/mode_backfill.h"

#include <algorithm>

#include "events/event_view.h"
#include "events/sync_generated.h"
#include "sync/till_sync_settings.h"

namespace pos::sync {
namespace {

std::vector<uint8_t> Codes(const flatbuffers::Vector<uint8_t>* codes) {
  if (codes == nullptr) return {};
  return {codes->begin(), codes->end()};
}

}  // namespace

Result<ModeBackfill> ComputeModeBackfill(const EventStore& store, const SyncFilter& current) {
  // The till's filters in log order, each with the local sequence it was recorded at.
  std::vector<SyncFilter> filters;
  uint64_t last_change = 0;
  Status failure;
  POS_RETURN_IF_ERROR(store.ScanStream(kSyncStream, 1, [&](uint64_t local_seq, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      failure = event.status();
      return false;
    }
    if (event->origin() != store.node_id()) return true;
    Result<SyncFilter> filter = Status::NotFound("");
    if (event->type() == static_cast<uint32_t>(EventType::kSyncJoined)) {
      if (const auto* joined = event->PayloadAs<fb::SyncJoined>()) {
        filter = SyncFilterFromCodes(static_cast<uint8_t>(joined->mode()), Codes(joined->categories()));
      }
    } else if (event->type() == static_cast<uint32_t>(EventType::kSyncModeChanged)) {
      if (const auto* changed = event->PayloadAs<fb::SyncModeChanged>()) {
        filter = SyncFilterFromCodes(static_cast<uint8_t>(changed->mode()), Codes(changed->categories()));
      }
    }
    if (filter.ok()) {
      filters.push_back(*filter);
      last_change = local_seq;
    }
    return true;
  }));
  POS_RETURN_IF_ERROR(failure.WithContext("reading the till's sync modes"));
  ModeBackfill backfill;
  if (filters.size() < 2) return backfill;
  filters.pop_back();  // the one in force: `current`
  for (EventCategory category : SendableCategories()) {
    const bool always = std::all_of(filters.begin(), filters.end(),
                                    [category](const SyncFilter& f) { return f.Carries(category); });
    if (current.Carries(category) && !always) backfill.categories.push_back(category);
  }
  if (backfill.categories.empty()) return backfill;
  // What the till held of each received origin when the mode last changed.
  const ChainHeads filtered = store.FilteredHeads();
  POS_RETURN_IF_ERROR(store.ScanLog(1, last_change, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      failure = event.status();
      return false;
    }
    const std::string origin(event->origin());
    if (filtered.contains(origin)) {
      uint64_t& held = backfill.up_to[origin];
      held = std::max(held, event->origin_seq());
    }
    return true;
  }));
  POS_RETURN_IF_ERROR(failure.WithContext("reading what the till held at its last mode change"));
  return backfill;
}

}  // namespace pos::sync
