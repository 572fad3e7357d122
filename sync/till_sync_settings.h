// A till's sync settings, derived from its own events in stream "sync"
// (events/sync.fbs): SyncJoined, SyncModeChanged, SyncSwitched, SyncLeft.
// Events of other origins in that stream (received from the hub) are ignored.
#pragma once

#include <string>

#include "engine/event_store.h"
#include "engine/status.h"
#include "sync/sync_mode.h"

namespace pos::sync {

inline constexpr std::string_view kSyncStream = "sync";

struct TillSyncSettings {
  bool joined = false;   // a SyncJoined not followed by SyncLeft
  bool enabled = false;  // replicate while `pos serve` runs
  std::string hub_address;
  std::string hub_public_key;   // Z85, pinned at join
  std::string account;
  std::string till_public_key;  // Z85
  SyncFilter filter;
};

Result<TillSyncSettings> LoadTillSyncSettings(const EventStore& store);

struct JoinRecord {
  std::string hub_address;
  std::string hub_public_key;
  std::string account;
  std::string till_public_key;
  SyncFilter filter;
};

// Each appends one event to stream "sync" (durable when ok).
Status RecordJoined(EventStore& store, const JoinRecord& join, std::string_view acting_user);
Status RecordModeChanged(EventStore& store, const SyncFilter& filter, std::string_view acting_user);
Status RecordSwitched(EventStore& store, bool enabled, std::string_view acting_user);
Status RecordLeft(EventStore& store, const TillSyncSettings& settings, std::string_view acting_user);

}  // namespace pos::sync
