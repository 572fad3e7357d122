// <data>/sync-status.json: what the till's sync client knows about its
// replication, written atomically (temporary file renamed into place) by
// `pos serve` about twice a second (and at most every 20 ms while acknowledgements
// arrive), so `pos sync status` works while it runs.
// The file stays after the daemon stops (then `pid` names a process that is gone,
// and the till is reported offline).
//
//   {"pid": 4711, "updated_us": …, "node_id": "<hex>", "node_name": "till-1",
//    "hub": "tcp://…", "hub_key": "<Z85, the pinned key>", "account": "…", "mode": "masterdata",
//    "online": true, "last_contact_us": …, "problem": "",
//    "upstream":   {"acknowledged": {"<origin hex>": 120}, "acknowledged_events": 120,
//                   "lag_events": 0, "lag_seconds": 0.0, "stopped": ""},
//    "downstream": {"acknowledged": {…}, "acknowledged_events": 42, "lag_events": 0,
//                   "lag_seconds": 0.0, "stopped": ""}}
//
// upstream: till -> hub; acknowledged = the hub's durable position of the till's
// chain; lag = the till's events the hub has not acknowledged, and the age of the
// oldest of them. downstream: hub -> till; acknowledged = the highest seq held of
// each origin received from the hub; lag = events the hub holds beyond the till's
// position (counted before the mode filter) and for how long the till has been behind.
// node_id, node_name, hub and hub_key let `pos sync login` and `pos sync password-reset`
// reach the hub while the daemon holds the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/status.h"
#include "sync/sync_wire.h"

namespace pos::sync {

inline constexpr std::string_view kSyncStatusFileName = "sync-status.json";

struct DirectionStatus {
  VersionVector acknowledged;
  uint64_t lag_events = 0;
  double lag_seconds = 0;
  std::string stopped;  // why the stream stopped; "" while it runs
};

struct SyncStatusReport {
  int64_t pid = 0;
  int64_t updated_us = 0;
  std::string node_id_hex;
  std::string node_name;
  std::string hub;
  std::string hub_public_key;  // Z85, as pinned in SyncJoined
  std::string account;
  std::string mode;
  bool online = false;
  int64_t last_contact_us = 0;
  std::string problem;  // the latest problem (refusal, bad bytes), "" when none
  DirectionStatus upstream;
  DirectionStatus downstream;
};

std::string SyncStatusPath(const std::string& data_dir);
nlohmann::json SyncStatusToJson(const SyncStatusReport& report);
Status WriteSyncStatusFile(const std::string& path, const SyncStatusReport& report);
// nullopt when there is no file; an error when it is unreadable or not JSON.
Result<std::optional<nlohmann::json>> ReadSyncStatusFile(const std::string& path);

}  // namespace pos::sync
