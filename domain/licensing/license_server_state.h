// LicenseServerState: the seats of one customer's license at a license server,
// read from the server's own "license-server" stream (docs/licensing.md).
//
// Rules:
// - One license at a time; a newer license of the same customer replaces it
//   (another customer's license is refused). Seats in use carry over.
// - A seat is a till (its node id, hex) bound to a hardware fingerprint.
//   Activating the same till on the same hardware again is a no-op answer.
// - An activation beyond the seat count is refused naming used and available seats.
// - Loading a license with fewer seats than are in use marks the most recently
//   activated excess seats (SeatsOverAssigned); no activation is accepted until
//   seats are released (deactivation at a till, or a vendor release token).
// - Every customer-number check answers exactly "customer number is wrong".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/licensing/license_file.h"
#include "engine/event_store.h"
#include "events/event_view.h"

namespace pos::licensing {

inline constexpr std::string_view kLicenseServerStream = "license-server";

struct Seat {
  std::string seat_id;  // the till's node id, hex
  std::string node_name;
  std::string fingerprint;
  std::string description;
  bool excess = false;  // marked over-assigned by a smaller license
};

struct ActivationRequest {
  std::string customer;
  std::string node_id;  // hex
  std::string node_name;
  std::string fingerprint;
  std::string description;
};

// A decision: the events to append (none when nothing changes) and the seat.
struct SeatDecision {
  std::optional<AppendBatch> batch;
  Seat seat;
};

class LicenseServerState {
 public:
  static Result<LicenseServerState> Load(const EventStore& store);

  const std::optional<License>& license() const { return license_; }
  // In activation order.
  const std::vector<Seat>& seats() const { return seats_; }
  uint32_t used() const { return static_cast<uint32_t>(seats_.size()); }
  uint32_t available() const;
  uint64_t stream_version() const { return version_; }
  // "seat <id> till-1 (fingerprint 1234…)" lines joined by "; ".
  std::string Holders() const;

  Result<AppendBatch> DecideLoad(const License& license) const;
  Result<SeatDecision> DecideActivate(const ActivationRequest& request, std::string_view today) const;
  Result<AppendBatch> DecideDeactivate(std::string_view customer, std::string_view node_id,
                                       std::string_view fingerprint) const;
  Result<AppendBatch> DecideRelease(const ReleaseToken& token) const;

 private:
  Status Apply(const EventView& event);
  const Seat* Find(std::string_view seat_id) const;
  AppendBatch Batch() const;

  std::optional<License> license_;
  std::vector<Seat> seats_;
  std::vector<std::string> used_tokens_;
  uint64_t version_ = 0;
};

}  // namespace pos::licensing
