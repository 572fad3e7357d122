// FiscalModule: the seam between the register and a fiscal signer (the German
// software TSE in domain/fiscal/, later other profiles).
//
// RegisterService calls it around a receipt's life and puts the events it returns
// into the receipt's own batch, so the fiscal record and the sale commit together:
//   Open   -> StartReceipt(): events appended after ReceiptOpened
//   Close  -> FinishReceipt(): events inserted immediately before ReceiptClosed
//   Cancel -> FinishReceipt(): events inserted immediately before ReceiptCancelled
//   ParkToSite -> FinishReceipt() (handed_over): events inserted immediately
//             before ReceiptHandedOver; the till taking it over starts its own
//   AddLine, VoidLine, DiscountLine, DiscountReceipt, Pay -> UpdateReceipt():
//             events appended after the receipt event
// A fiscal module never blocks a sale because its signer fails (an outage): it
// then returns events that say so. It refuses (a non-ok Status, nothing is
// written) only when the fiscal device is deliberately out of service, e.g. a
// deactivated or decommissioned TSE.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/receipt.h"
#include "engine/event_store.h"

namespace pos {

// What the fiscal module needs to know about a receipt being finished.
struct FiscalReceipt {
  std::string receipt_id;
  bool training = false;
  bool cancelled = false;                  // ReceiptCancelled instead of ReceiptClosed
  ReceiptTotals totals;                    // gross per tax rate (with basis points)
  std::vector<Payment> payments;           // what the till kept per type (cash net of change)
  bool refund = false;                     // a refund receipt (RKSV: Storno-Beleg)
  uint64_t number = 0;                     // the till's receipt number (set on close)
  bool handed_over = false;                // ReceiptHandedOver: parked to the site (docs/sync.md)
};

class FiscalModule {
 public:
  virtual ~FiscalModule() = default;
  // The receipt `receipt_id` is being opened at `now_us`.
  virtual Result<std::vector<NewEvent>> StartReceipt(const std::string& receipt_id, int64_t now_us) = 0;
  // The receipt is being closed (or cancelled) at `now_us`.
  virtual Result<std::vector<NewEvent>> FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) = 0;
  // The open receipt changes (a line added, voided or discounted, a receipt
  // discount, a payment): events appended after the receipt event of the same
  // batch. `process_data` describes the change. Default: no events.
  virtual Result<std::vector<NewEvent>> UpdateReceipt(const std::string& receipt_id, const std::string& process_data,
                                                      int64_t now_us) {
    (void)receipt_id;
    (void)process_data;
    (void)now_us;
    return std::vector<NewEvent>();
  }
};

}  // namespace pos
