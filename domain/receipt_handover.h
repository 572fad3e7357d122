// Receipt hand-over between the tills of a site (docs/sync.md, "Receipt hand-over").
//
// Rules:
// - Parking a receipt "to the site" (RegisterService::ParkToSite) ends it on the
//   parking till with ReceiptHandedOver, the last event of its stream; the
//   parking till's fiscal transaction is finished as a transfer (DSFinV-K
//   "AVTransfer"). A plain Park keeps the receipt on its till and no other till
//   may resume it.
// - Whoever resumes a receipt parked to the site, the parking till included,
//   needs the hub's grant (HandoverClaimer). The hub grants each handed-over
//   receipt once, to one till, and records the grant in its log; without the
//   hub (offline) the resume is refused. So the site completes it at most once.
// - The resuming till opens a receipt of its own: ReceiptOpened, ReceiptTakenOver
//   (naming the source), then the live lines and discounts of the source, and
//   its own fiscal transaction. Refund receipts are not handed over (they are
//   bound to the till that closed the refunded receipt).
#pragma once

#include <string>
#include <string_view>

#include "domain/receipt.h"
#include "engine/event_store.h"
#include "engine/status.h"

namespace pos {

// A receipt as handed over to the site, rebuilt from its (replicated) stream.
struct SiteParkedReceipt {
  Receipt receipt;            // its lines and discounts as they were handed over
  std::string source_till;    // node id hex of the parking till (origin of the stream)
  std::string handed_over_by; // user who parked it to the site
};

// The hub's answer to a claim.
struct ClaimOutcome {
  bool granted = false;
  std::string holder_till;  // node id hex of the till holding the grant (also when granted)
  std::string reason;       // why it was denied, for the operator
  bool retry = false;       // denied for now: the hub has not received the hand-over yet
};

// The till's way to ask the hub for a handed-over receipt; the sync client
// implements it over the wire. Claim returns a non-ok Status (kUnavailable)
// when the hub cannot be asked (offline); ClaimOutcome::granted otherwise, with
// ClaimOutcome::retry when the hub answered but cannot decide yet.
// Asking again for a receipt already granted to this till grants it again.
class HandoverClaimer {
 public:
  virtual ~HandoverClaimer() = default;
  virtual Result<ClaimOutcome> Claim(const std::string& receipt_stream) = 0;
};

// Rebuilds the receipt `receipt_id` from the events of its stream in `store`.
// kNotFound: the stream is not here (not yet replicated, or unknown);
// kFailedPrecondition: it was not handed over to the site (open, parked on its
// till, closed or cancelled). kCorruption: the stream is inconsistent.
Result<SiteParkedReceipt> LoadSiteParkedReceipt(const EventStore& store, std::string_view receipt_id);

// The ids of the receipts handed over to the site that `store` knows of and that
// no till has taken over yet (as far as `store` has heard), in stream order.
Result<std::vector<std::string>> ListSiteParkedReceipts(const EventStore& store);

}  // namespace pos
