// SaleObserver: what the edges of a till (printer, drawer, customer display)
// hear of a sale, after its events are durable. Called by the command
// dispatcher; an observer must not fail the command it observes: the sale is in
// the log already, so implementations report their own errors.
#pragma once

#include "domain/receipt.h"
#include "domain/register.h"

namespace pos {

class SaleObserver {
 public:
  virtual ~SaleObserver() = default;
  virtual void LineAdded(const ReceiptLine& line) = 0;
  // `receipt` as it was just before it closed (lines, discounts, payments).
  virtual void ReceiptClosed(const Receipt& receipt, const CloseOutcome& outcome) = 0;
};

}  // namespace pos
