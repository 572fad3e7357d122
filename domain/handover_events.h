// Payload encoders of the hand-over events (events/handover.fbs). Decoding is
// done where the events are read, through EventView::PayloadAs<fb::…>().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pos::handover_events {

using Bytes = std::vector<uint8_t>;

Bytes ReceiptHandedOver(const std::string& cashier, const std::string& till_hex, int64_t total, uint32_t line_count);
Bytes ReceiptTakenOver(const std::string& source_receipt_id, const std::string& source_till_hex);
Bytes ReceiptClaimGranted(const std::string& receipt_stream, const std::string& till_hex);

}  // namespace pos::handover_events
