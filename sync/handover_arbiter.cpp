#include "sync/handover_arbiter.h"

#include "domain/handover_events.h"
#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/handover_generated.h"

namespace pos {
namespace {

constexpr std::string_view kReceiptPrefix = "receipt/";

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

}  // namespace

Result<std::unique_ptr<HandoverArbiter>> HandoverArbiter::Rebuild(EventStore& hub) {
  std::unique_ptr<HandoverArbiter> arbiter(new HandoverArbiter(hub));
  Status bad;
  POS_RETURN_IF_ERROR(hub.ScanLog(1, hub.LastSequence(), [&](uint64_t seq, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status().WithContext("hand-over grants, local sequence " + std::to_string(seq));
      return false;
    }
    if (event->type() != static_cast<uint32_t>(EventType::kReceiptClaimGranted)) return true;
    const auto* p = event->PayloadAs<fb::ReceiptClaimGranted>();
    if (p == nullptr) {
      bad = Status::Corruption("hand-over grant at local sequence " + std::to_string(seq) + " is malformed");
      return false;
    }
    // The first grant of a stream wins; the stream's version check makes a second impossible.
    arbiter->grants_.emplace(Str(p->receipt_stream()), Str(p->till()));
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return arbiter;
}

Result<ClaimOutcome> HandoverArbiter::Claim(std::string_view receipt_stream, std::string_view till_node_id) {
  if (!receipt_stream.starts_with(kReceiptPrefix) || receipt_stream.size() == kReceiptPrefix.size()) {
    return Status::InvalidArgument("claim for '" + std::string(receipt_stream) +
                                   "': not a receipt stream (expected receipt/<id>)");
  }
  if (till_node_id.size() != kNodeIdSize) {
    return Status::InvalidArgument("claim for " + std::string(receipt_stream) + ": the till's node id has " +
                                   std::to_string(till_node_id.size()) + " bytes, expected " +
                                   std::to_string(kNodeIdSize));
  }
  const std::string till = ToHex(till_node_id);
  const std::string receipt_id(receipt_stream.substr(kReceiptPrefix.size()));
  std::lock_guard lock(mutex_);
  if (auto it = grants_.find(receipt_stream); it != grants_.end()) {
    if (it->second == till) return ClaimOutcome{true, till, "", false};
    return ClaimOutcome{false, it->second, "granted to till " + it->second + " already", false};
  }
  auto source = LoadSiteParkedReceipt(hub_, receipt_id);
  if (!source.ok()) {
    if (source.status().code() == StatusCode::kNotFound) {
      return Status::Unavailable("the hub has not received receipt " + receipt_id +
                                 " yet; ask again once the parking till has synchronised");
    }
    return source.status();
  }
  AppendBatch grant;
  grant.stream = "handover/" + receipt_id;
  grant.expected_version = kNoStream;
  grant.events.push_back(NewEvent{EventType::kReceiptClaimGranted,
                                  handover_events::ReceiptClaimGranted(std::string(receipt_stream), till)});
  auto appended = hub_.Append(std::move(grant));
  if (!appended.ok()) return appended.status().WithContext("recording the grant of receipt " + receipt_id);
  grants_.emplace(std::string(receipt_stream), till);
  return ClaimOutcome{true, till, "", false};
}

std::map<std::string, std::string> HandoverArbiter::Grants() const {
  std::lock_guard lock(mutex_);
  return {grants_.begin(), grants_.end()};
}

}  // namespace pos
