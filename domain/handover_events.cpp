#include "domain/handover_events.h"

#include "events/handover_generated.h"

namespace pos::handover_events {
namespace {

// Default values are written too, so `pos log` shows every field.
struct Builder : flatbuffers::FlatBufferBuilder {
  Builder() { ForceDefaults(true); }
  std::vector<uint8_t> Take() { return {GetBufferPointer(), GetBufferPointer() + GetSize()}; }
};

}  // namespace

Bytes ReceiptHandedOver(const std::string& cashier, const std::string& till_hex, int64_t total, uint32_t line_count) {
  Builder b;
  b.Finish(fb::CreateReceiptHandedOverDirect(b, cashier.c_str(), till_hex.c_str(), total, line_count));
  return b.Take();
}

Bytes ReceiptTakenOver(const std::string& source_receipt_id, const std::string& source_till_hex) {
  Builder b;
  b.Finish(fb::CreateReceiptTakenOverDirect(b, source_receipt_id.c_str(), source_till_hex.c_str()));
  return b.Take();
}

Bytes ReceiptClaimGranted(const std::string& receipt_stream, const std::string& till_hex) {
  Builder b;
  b.Finish(fb::CreateReceiptClaimGrantedDirect(b, receipt_stream.c_str(), till_hex.c_str()));
  return b.Take();
}

}  // namespace pos::handover_events
