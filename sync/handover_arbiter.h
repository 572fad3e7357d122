// HandoverArbiter: the hub's single decision over receipts parked to the site
// (docs/sync.md, "Receipt hand-over").
//
// Invariants:
// - A handed-over receipt (its stream "receipt/<id>" ends with
//   ReceiptHandedOver in the hub's log) is granted to at most one till, ever.
// - A grant is durable before it is answered: it is a ReceiptClaimGranted event
//   in the hub's log, stream "handover/<id>", appended with expected version
//   "no stream", so even a second arbiter on the same store could not grant twice.
// - Claiming again from the till that holds the grant is granted again (the till
//   may have crashed before it took the receipt over); from any other till it is
//   denied, naming the holder.
// - The state is rebuilt from the hub's log (Rebuild), so a hub restart keeps it.
// Thread-safe: claims are decided one at a time.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "domain/receipt_handover.h"
#include "engine/event_store.h"

namespace pos {

class HandoverArbiter {
 public:
  // Reads every ReceiptClaimGranted of the hub's log. `hub` must outlive the arbiter.
  static Result<std::unique_ptr<HandoverArbiter>> Rebuild(EventStore& hub);

  // The claim of `till_node_id` (16 raw bytes: the authenticated till) for the
  // receipt stream "receipt/<id>". kInvalidArgument: not a receipt stream or a
  // bad node id; kUnavailable: the hub has not received that receipt's
  // hand-over yet (the till may ask again later); kFailedPrecondition: the
  // receipt was not parked to the site (it is open, closed or parked locally).
  Result<ClaimOutcome> Claim(std::string_view receipt_stream, std::string_view till_node_id);

  // Receipt stream -> node id hex of the till it was granted to.
  std::map<std::string, std::string> Grants() const;

 private:
  explicit HandoverArbiter(EventStore& hub) : hub_(hub) {}

  EventStore& hub_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> grants_;  // receipt stream -> till hex
};

}  // namespace pos
