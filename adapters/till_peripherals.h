// TillPeripherals: what the receipt printer, the cash drawer and the customer
// display do while a till sells.
//
//   line added      display: the article name and the line amount
//   receipt closed  printer: the receipt (ESC/POS) from the receipt journal;
//                   drawer: kicked when the receipt took or paid out cash;
//                   display: the total, then the change when there is any
//   reprint         printer: the same receipt, marked as a copy
//
// A peripheral failing (printer offline, display unplugged) never undoes or
// blocks a sale: the sale is in the log already. The failure is returned so
// the caller can show it, and the receipt can be reprinted from the journal.
#pragma once

#include <memory>
#include <string>

#include "adapters/device_sinks.h"
#include "adapters/peripheral_config.h"
#include "adapters/printable_receipt.h"
#include "projections/receipt_journal.h"

namespace pos {

class TillPeripherals {
 public:
  // Builds the sinks named in the config (nothing is opened yet).
  static Result<std::unique_ptr<TillPeripherals>> Create(const PeripheralConfig& config, std::string till_name,
                                                         std::string currency);

  bool has_printer() const { return printer_ != nullptr; }

  Status LineAdded(std::string_view name, int64_t amount);
  // `receipt` is the journal's record of a closed receipt.
  Status ReceiptClosed(const JournalReceipt& receipt);
  Status Reprint(const JournalReceipt& receipt);

  // The printable form of a journal receipt (shared by printing and reprints).
  PrintableReceipt Printable(const JournalReceipt& receipt, bool is_copy) const;

 private:
  TillPeripherals() = default;

  PeripheralConfig config_;
  std::string till_name_;
  std::string currency_;
  std::unique_ptr<ByteSink> printer_;
  std::unique_ptr<ByteSink> display_sink_;
};

}  // namespace pos
