// The receipt hand-over over the sync protocol (ClaimRequest / ClaimReply in
// sync/sync_protocol.fbs, docs/sync.md "Receipt hand-over").
//
// ClaimReply as the arbiter fills it: granted; holder_node_id = the 16-byte node
// id of the till holding the grant ("" when nobody holds it); message = why it
// was denied or could not be decided; detail = "retry" when the hub could not
// decide yet (it has not received the hand-over; the till may ask again),
// otherwise empty.
#pragma once

#include <chrono>
#include <string>

#include "domain/receipt_handover.h"
#include "sync/handover_arbiter.h"
#include "sync/sync_protocol_generated.h"
#include "sync/till_sync_client.h"

namespace pos::sync {

inline constexpr std::string_view kClaimRetryDetail = "retry";

// Hub: the arbiter's decision on `request`, as an encoded ClaimReply.
std::string AnswerClaim(HandoverArbiter& arbiter, const syncwire::ClaimRequest& request);

// Till: a HandoverClaimer that asks the hub through the till's sync client.
// Offline, or no answer within `timeout`: kUnavailable.
class SyncClientClaimer final : public HandoverClaimer {
 public:
  explicit SyncClientClaimer(TillSyncClient& client,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(5000))
      : client_(client), timeout_(timeout) {}
  Result<ClaimOutcome> Claim(const std::string& receipt_stream) override;

 private:
  TillSyncClient& client_;
  std::chrono::milliseconds timeout_;
};

}  // namespace pos::sync
