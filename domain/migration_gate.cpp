#include "domain/migration_gate.h"

#include <optional>
#include <string>

#include "engine/bytes.h"
#include "events/backup_generated.h"
#include "events/event_types.h"
#include "events/event_view.h"

namespace pos {
namespace {

struct Migration {
  uint64_t origin_seq = 0;
  std::string old_tse_serial;
};

Result<std::optional<Migration>> LatestMigration(const EventStore& store) {
  std::optional<Migration> latest;
  Status bad;
  POS_RETURN_IF_ERROR(store.ScanStream("node", 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status();
      return false;
    }
    if (event->type() == static_cast<uint32_t>(EventType::kTillMigrated) && event->origin() == store.node_id()) {
      const auto* p = event->PayloadAs<fb::TillMigrated>();
      latest = Migration{event->origin_seq(), p != nullptr && p->old_tse_serial() != nullptr ? p->old_tse_serial()->str() : ""};
    }
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return latest;
}

Result<bool> TseInitialisedAfter(const EventStore& store, uint64_t origin_seq) {
  bool found = false;
  Status bad;
  POS_RETURN_IF_ERROR(store.ScanStream("tse/" + ToHex(store.node_id()), 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status();
      return false;
    }
    if (event->type() == static_cast<uint32_t>(EventType::kTseInitialised) && event->origin() == store.node_id() &&
        event->origin_seq() > origin_seq) {
      found = true;
      return false;
    }
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return found;
}

}  // namespace

Status MigrationGateStatus(const EventStore& store, bool has_license, const Status& license_status, Status* gate) {
  *gate = Status::Ok();
  POS_ASSIGN_OR_RETURN(std::optional<Migration> migration, LatestMigration(store));
  if (!migration.has_value()) return Status::Ok();
  std::string missing;
  if (has_license && !license_status.ok()) {
    missing += "its license is not activated here (pos license activate … --admin ID --pin-stdin: " +
               license_status.message() + ")";
  }
  if (!migration->old_tse_serial.empty()) {
    POS_ASSIGN_OR_RETURN(bool tse_here, TseInitialisedAfter(store, migration->origin_seq));
    if (!tse_here) {
      if (!missing.empty()) missing += "; and ";
      missing += "no TSE is in service here (the TSE " + migration->old_tse_serial +
                 " stayed with the old machine: pos tse init --admin-pin-stdin, then pos tse register-client "
                 "--admin-pin-stdin)";
    }
  }
  if (!missing.empty()) {
    *gate = Status::FailedPrecondition("this till was moved to this machine (pos migrate import) and may not sell "
                                       "yet: " + missing);
  }
  return Status::Ok();
}

}  // namespace pos
