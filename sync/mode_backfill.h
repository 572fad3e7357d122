// ModeBackfill: what a till asks the hub to send again after its sync mode came
// to carry more categories (docs/sync.md "Mode changes").
//
// Rule: the hub sends each origin in seq order and the till's downstream
// position is the highest seq it holds, so events the old mode filtered out lie
// below that position. When the till's current filter carries a category that
// not every earlier filter (since its first join) carried, the till asks in its
// Hello for the events of those categories up to the positions it held when the
// mode last changed. The hub sends them (and skips what the till got between
// the change and now); the till stores them as gap fills
// (EventStore::AppendReplicated kFiltered), a copy it holds already is a no-op.
// The request is made on every connection: the till does not record that a
// backfill completed, so a completed one costs duplicates on the wire, never
// a second copy in the log.
#pragma once

#include <vector>

#include "engine/event_store.h"
#include "engine/status.h"
#include "events/event_types.h"
#include "sync/sync_mode.h"
#include "sync/sync_wire.h"

namespace pos::sync {

struct ModeBackfill {
  std::vector<EventCategory> categories;  // carried now, not by every earlier filter
  VersionVector up_to;                    // per origin received: the seq held when the mode last changed
  bool empty() const { return categories.empty() || up_to.empty(); }
};

// From the till's own SyncJoined / SyncModeChanged events and its log up to the
// last of them. `current` is the filter in force (the last of them).
Result<ModeBackfill> ComputeModeBackfill(const EventStore& store, const SyncFilter& current);

}  // namespace pos::sync
