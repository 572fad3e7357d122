// TillLicense: this till's license, read from its "license" stream.
//
// `pos license load` records a vendor-verified license (LicenseLoaded);
// activation at a license server (online or by files) records the granted seat
// (SeatActivated), deactivation gives it back (SeatDeactivated). The till is
// licensed when a license is loaded, a seat is active for this hardware, and
// the license has not expired; otherwise it runs in demo mode (docs/licensing.md).
//
// Like the device binding, this applies to tills made by `pos init` (their store
// has a DeviceBound event): a store a library user made without `pos init` is not
// license-managed and never runs in demo mode.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/licensing/license_file.h"
#include "domain/register.h"
#include "engine/event_store.h"
#include "engine/machine_fingerprint.h"
#include "events/event_view.h"

namespace pos::licensing {

inline constexpr std::string_view kLicenseStream = "license";

struct SeatGrant {
  std::string license_id;
  std::string seat_id;
  std::string fingerprint;
  std::string server;  // the server's address, or "offline"
};

// The license a LicenseLoaded event carries (the till's and the server's logs alike).
Result<License> LicenseFromEvent(const EventView& event);

class TillLicense {
 public:
  static Result<TillLicense> Load(const EventStore& store);

  const std::optional<License>& license() const { return license_; }
  const std::optional<SeatGrant>& seat() const { return seat_; }
  uint64_t stream_version() const { return version_; }
  // Whether the store is a till made by `pos init` (it has a device binding).
  bool managed() const { return managed_; }

  // Ok when this till may sell as licensed on `machine` on `today` (YYYY-MM-DD);
  // otherwise a kFailedPrecondition saying why it is in demo mode.
  Status Check(const MachineIdentity& machine, std::string_view today) const;

  // "customer number is wrong" (kPermissionDenied) unless it is the loaded license's.
  Status CheckCustomerNumber(std::string_view customer) const;

  Result<AppendBatch> DecideLoad(const License& license, const Actor& admin) const;
  Result<AppendBatch> DecideActivated(const SeatGrant& grant, const std::string& node_id_hex,
                                      const std::string& node_name, const MachineIdentity& machine,
                                      const Actor& admin) const;
  Result<AppendBatch> DecideDeactivated(const Actor& admin) const;

 private:
  Status Apply(const EventView& event);

  std::optional<License> license_;
  std::optional<SeatGrant> seat_;
  uint64_t version_ = 0;
  bool managed_ = false;
};

// The payload of a LicenseLoaded event (till and server).
std::vector<uint8_t> EncodeLicenseLoaded(const License& license);

// Whether the till of `store` runs licensed: Ok, or why it is in demo mode.
Status TillLicenseStatus(const EventStore& store);

}  // namespace pos::licensing
