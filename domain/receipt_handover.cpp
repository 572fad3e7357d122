#include "domain/receipt_handover.h"

#include <set>

#include "domain/register_events.h"
#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/handover_generated.h"
#include "events/receipts_generated.h"

namespace pos {
namespace {

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

// Folds one event of the receipt's stream; false when its payload is malformed.
bool Fold(const EventView& event, SiteParkedReceipt& out) {
  Receipt& r = out.receipt;
  switch (static_cast<EventType>(event.type())) {
    case EventType::kReceiptOpened: {
      const auto* p = event.PayloadAs<fb::ReceiptOpened>();
      if (p == nullptr) return false;
      r.id = Str(p->receipt_id());
      r.cashier = Str(p->cashier());
      r.refund_of_number = p->refund_of_number();
      r.refund_of_till = Str(p->refund_of_till());
      r.training = p->training();
      r.opened_at_us = event.wall_time_us();
      r.status = ReceiptStatus::kOpen;
      return true;
    }
    case EventType::kLineAdded: {
      const auto* p = event.PayloadAs<fb::LineAdded>();
      if (p == nullptr) return false;
      r.lines.push_back(register_events::LineOf(*p));
      return true;
    }
    case EventType::kLineVoided: {
      const auto* p = event.PayloadAs<fb::LineVoided>();
      if (p == nullptr) return false;
      if (ReceiptLine* line = r.FindLine(p->line_no())) line->voided = true;
      return true;
    }
    case EventType::kLineDiscountGranted: {
      const auto* p = event.PayloadAs<fb::LineDiscountGranted>();
      if (p == nullptr) return false;
      if (ReceiptLine* line = r.FindLine(p->line_no())) line->discount += p->amount();
      return true;
    }
    case EventType::kReceiptDiscountGranted: {
      const auto* p = event.PayloadAs<fb::ReceiptDiscountGranted>();
      if (p == nullptr) return false;
      r.receipt_discount += p->amount();
      return true;
    }
    case EventType::kPaymentAdded: {
      const auto* p = event.PayloadAs<fb::PaymentAdded>();
      if (p == nullptr) return false;
      r.payments.push_back({static_cast<PaymentType>(p->type()), p->amount(), Str(p->reference())});
      return true;
    }
    case EventType::kReceiptParked:
      r.status = ReceiptStatus::kParked;
      return true;
    case EventType::kReceiptResumed:
      r.status = ReceiptStatus::kOpen;
      return true;
    case EventType::kReceiptCancelled:
      r.status = ReceiptStatus::kCancelled;
      return true;
    case EventType::kReceiptClosed:
      r.status = ReceiptStatus::kClosed;
      return true;
    case EventType::kReceiptHandedOver: {
      const auto* p = event.PayloadAs<fb::ReceiptHandedOver>();
      if (p == nullptr) return false;
      r.status = ReceiptStatus::kParked;
      out.handed_over_by = Str(p->cashier());
      return true;
    }
    default:
      return true;  // fiscal events and others do not change the receipt
  }
}

}  // namespace

Result<SiteParkedReceipt> LoadSiteParkedReceipt(const EventStore& store, std::string_view receipt_id) {
  const std::string stream = ReceiptStream(receipt_id);
  SiteParkedReceipt out;
  bool opened = false;
  bool handed_over = false;
  std::string origin;
  Status bad;
  POS_RETURN_IF_ERROR(store.ScanStream(stream, 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status().WithContext(stream);
      return false;
    }
    if (origin.empty()) origin = std::string(event->origin());
    if (event->origin() != origin) {
      bad = Status::Corruption(stream + " holds events of two tills (" + ToHex(origin) + " and " +
                               ToHex(event->origin()) + "); a receipt stream has one writer");
      return false;
    }
    if (handed_over) {
      bad = Status::Corruption(stream + " has events after its ReceiptHandedOver");
      return false;
    }
    if (!Fold(*event, out)) {
      bad = Status::Corruption(stream + ": event " + ToHex(event->origin()) + "/" +
                               std::to_string(event->origin_seq()) + " has a malformed payload");
      return false;
    }
    if (event->type() == static_cast<uint32_t>(EventType::kReceiptOpened)) opened = true;
    if (event->type() == static_cast<uint32_t>(EventType::kReceiptHandedOver)) handed_over = true;
    out.receipt.stream_version = event->stream_version();
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  if (!opened) {
    return Status::NotFound("receipt " + std::string(receipt_id) +
                            " is not known on this till (not handed over to the site, or not replicated here yet)");
  }
  if (!handed_over) {
    const ReceiptStatus s = out.receipt.status;
    const std::string state = s == ReceiptStatus::kClosed      ? "closed"
                              : s == ReceiptStatus::kCancelled ? "cancelled"
                              : s == ReceiptStatus::kParked    ? "parked on its till only"
                                                               : "open";
    return Status::FailedPrecondition("receipt " + std::string(receipt_id) + " of till " + ToHex(origin) + " is " +
                                      state + ", not parked to the site; only its own till can resume it");
  }
  out.source_till = ToHex(origin);
  return out;
}

Result<std::vector<std::string>> ListSiteParkedReceipts(const EventStore& store) {
  std::vector<std::string> offered;
  std::set<std::string> taken;
  Status bad;
  POS_RETURN_IF_ERROR(store.ScanLog(1, store.LastSequence(), [&](uint64_t seq, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status().WithContext("local sequence " + std::to_string(seq));
      return false;
    }
    const auto type = static_cast<EventType>(event->type());
    if (type == EventType::kReceiptHandedOver && event->stream().starts_with("receipt/")) {
      offered.emplace_back(event->stream().substr(8));
    } else if (type == EventType::kReceiptTakenOver) {
      const auto* p = event->PayloadAs<fb::ReceiptTakenOver>();
      if (p != nullptr) taken.insert(Str(p->source_receipt_id()));
    } else if (type == EventType::kReceiptClaimGranted) {
      const auto* p = event->PayloadAs<fb::ReceiptClaimGranted>();
      if (p != nullptr && Str(p->receipt_stream()).starts_with("receipt/")) {
        taken.insert(Str(p->receipt_stream()).substr(8));
      }
    }
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  std::vector<std::string> out;
  for (auto& id : offered) {
    if (!taken.contains(id)) out.push_back(std::move(id));
  }
  return out;
}

}  // namespace pos
