#include "sync/handover_wire.h"

#include "engine/bytes.h"
#include "sync/sync_wire.h"

namespace pos::sync {
namespace {

std::string RawBytes(const flatbuffers::Vector<uint8_t>* v) {
  return v == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(v->data()), v->size());
}

}  // namespace

std::string AnswerClaim(HandoverArbiter& arbiter, const syncwire::ClaimRequest& request) {
  const std::string stream = request.receipt_stream() == nullptr ? std::string() : request.receipt_stream()->str();
  auto outcome = arbiter.Claim(stream, RawBytes(request.claimant_node_id()));
  if (!outcome.ok()) {
    const bool retry = outcome.status().code() == StatusCode::kUnavailable;
    return EncodeClaimReply(request.request_id(), false, "", outcome.status().message(),
                            retry ? kClaimRetryDetail : "");
  }
  const std::string holder = FromHex(outcome->holder_till).value_or(std::string());
  return EncodeClaimReply(request.request_id(), outcome->granted, holder, outcome->reason, "");
}

Result<ClaimOutcome> SyncClientClaimer::Claim(const std::string& receipt_stream) {
  POS_ASSIGN_OR_RETURN(ClaimAnswer answer, client_.Claim(receipt_stream, "", timeout_));
  ClaimOutcome outcome;
  outcome.granted = answer.granted;
  outcome.retry = !answer.granted && answer.detail == kClaimRetryDetail;
  outcome.holder_till = ToHex(answer.holder_node_id);
  outcome.reason = answer.message;
  return outcome;
}

}  // namespace pos::sync
