// MigrationGate: whether a till moved to this machine by `pos migrate import`
// may sell yet (docs/backup.md, "After the import").
//
// The import appends TillMigrated (stream "node"). From then on the register
// refuses to open receipts until both hold:
//   - when a license is loaded in the till (it was licensed on the old
//     machine, whose seat was given back before the export): the license check
//     passes on this machine (a seat activated here). A till that never had a
//     license stays in demo mode as before, and
//   - when the till had a TSE: a TseInitialised of this node follows the latest
//     TillMigrated in the log (a TSE put in service on this machine).
// A till never migrated is not gated.
#pragma once

#include "engine/event_store.h"
#include "engine/status.h"

namespace pos {

// Sets *gate to Ok, or to a kFailedPrecondition naming every step still to do.
// `has_license`: a license is loaded (TillLicense::license()); `license_status`:
// the till's license check on this machine (TillLicense::Check). Returns an
// error only when the log cannot be read.
Status MigrationGateStatus(const EventStore& store, bool has_license, const Status& license_status, Status* gate);

}  // namespace pos
