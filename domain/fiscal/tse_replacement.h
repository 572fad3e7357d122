// Replacing a till's TSE that went out of service, e.g. on the new machine after
// `pos migrate import` (docs/backup.md, docs/fiscal-de.md).
//
// <data>/tse holds one SoftwareTse. A deactivated or decommissioned one is kept
// for audits and exports under <data>/tse-retired/<serial>/ (the same files,
// moved by one rename), after which <data>/tse is free for `pos tse init`.
// The log must already say the TSE went out of service (TseDeactivated or
// TseDecommissioned with its serial in the stream tse/<node id hex>).
#pragma once

#include <string>

#include "engine/event_store.h"
#include "engine/status.h"

namespace pos::fiscal {

// "<data>/tse-retired": where replaced TSEs are kept.
std::string RetiredTseDirOf(const EventStore& store);

// Ok with "" when <data>/tse is absent or uninitialised (nothing to retire).
// Ok with the serial after moving a deactivated or decommissioned TSE aside.
// kFailedPrecondition when the TSE is still in service, or the log does not
// record that it went out of service.
Result<std::string> RetireOutOfServiceTse(const EventStore& store);

}  // namespace pos::fiscal
