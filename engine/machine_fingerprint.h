// The fingerprint of the hardware an installation runs on.
//
// fingerprint = hex SHA-256 of "pos-machine-v1\n" + machine id + "\n" + DMI product
// uuid (when readable, else empty). The machine id is read from the file named
// by $POS_MACHINE_ID_FILE, else /etc/machine-id, else /var/lib/dbus/machine-id.
// The environment variable is the seam tests (and a migration rehearsal) use to
// play a different machine.
#pragma once

#include <string>

#include "engine/status.h"

namespace pos {

struct MachineIdentity {
  std::string fingerprint;  // 64 hex digits
  std::string description;  // host name and the source of the machine id, for people
};

Result<MachineIdentity> ReadMachineIdentity();

}  // namespace pos
