// DeviceBinding: which hardware this installation's store belongs to.
//
// `pos init` binds the new store to the machine's fingerprint (DeviceBound). A
// store opened on other hardware (a copied disk, a restored backup, a moved
// till) is detected: CheckBinding() refuses to sell there until an admin
// rebinds it explicitly (DeviceRebound, approved by an admin's PIN), so a move
// of hardware is always an event in the log.
#pragma once

#include <optional>
#include <string>

#include "domain/register.h"
#include "engine/event_store.h"
#include "engine/machine_fingerprint.h"
#include "events/event_view.h"

namespace pos {

inline constexpr std::string_view kDeviceStream = "device";

class DeviceBinding {
 public:
  // Binds a store that is not bound yet to the machine it runs on.
  static Status BindToThisMachine(EventStore& store, const std::string& user);
  // Reads the binding from the store's "device" stream.
  static Result<DeviceBinding> Load(const EventStore& store);

  const std::optional<std::string>& fingerprint() const { return fingerprint_; }
  const std::string& description() const { return description_; }
  uint64_t stream_version() const { return version_; }

  // Ok when bound to `machine`, or not bound at all (a store made without
  // `pos init`, e.g. by a library user); kFailedPrecondition naming both
  // fingerprints when bound to other hardware.
  Status Check(const MachineIdentity& machine) const;

  // The first binding (at init); kAlreadyExists if bound already.
  Result<AppendBatch> DecideBind(const MachineIdentity& machine, const std::string& user) const;
  // A rebinding to `machine`, approved by `approver` (who must be an admin).
  Result<AppendBatch> DecideRebind(const MachineIdentity& machine, const Actor& approver) const;

 private:
  Status Apply(const EventView& event);

  std::optional<std::string> fingerprint_;
  std::string description_;
  uint64_t version_ = 0;
};

}  // namespace pos
