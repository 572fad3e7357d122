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
#include "adapters/sale_observer.h"
#include "engine/event_store.h"
#include "projections/receipt_journal.h"

namespace pos {

// What the printer gets for one closed receipt: the receipt as the journal holds
// it, and the fiscal module's text lines and QR payload (empty without one).
struct ReceiptPrintJob {
  JournalReceipt receipt;
  std::vector<std::string> fiscal_lines;
  std::string qr_payload;
};

class TillPeripherals final : public SaleObserver {
 public:
  // Builds the sinks named in the config (nothing is opened yet).
  static Result<std::unique_ptr<TillPeripherals>> Create(const PeripheralConfig& config, std::string till_name,
                                                         std::string currency);
  // From <data dir>/peripherals.json, named after the node, in the node's currency.
  static Result<std::unique_ptr<TillPeripherals>> ForNode(const std::string& data_dir, const EventStore& store);

  bool has_printer() const { return printer_ != nullptr; }

  // SaleObserver: failures are written to stderr ("pos: warning: …") and kept
  // in last_error(); they never fail the sale.
  void LineAdded(const ReceiptLine& line) override;
  void ReceiptClosed(const Receipt& receipt, const CloseOutcome& outcome) override;
  const Status& last_error() const { return last_error_; }
  // Prints a closed receipt and updates the display, keeping (and reporting on
  // stderr) any failure instead of returning it.
  void PrintAndShow(const ReceiptPrintJob& job);

  Status ShowLine(std::string_view name, int64_t amount);
  Status PrintClosed(const ReceiptPrintJob& job);
  // A copy of a closed receipt, with the fiscal data found in its stream.
  Status Reprint(const ReceiptPrintJob& job);

  // A just-closed receipt as the printer gets it: the journal's form (what the
  // journal will hold) and the fiscal print of the close's TSE event.
  static ReceiptPrintJob ToPrintJob(const Receipt& receipt, const CloseOutcome& outcome, int64_t closed_at_us);
  // The print job of a receipt already in the journal, with the fiscal data of
  // its TseTransactionFinished event from `store` (if it has one).
  static Result<ReceiptPrintJob> ReprintJob(const JournalReceipt& receipt, const EventStore& store);

  // The printable form of a print job (shared by printing and reprints). Without
  // fiscal data the QR code carries the receipt reference "POS;<till>;<number>;<total>".
  PrintableReceipt Printable(const ReceiptPrintJob& job, bool is_copy) const;

 private:
  TillPeripherals() = default;

  PeripheralConfig config_;
  std::string till_name_;
  std::string currency_;
  std::unique_ptr<ByteSink> printer_;
  std::unique_ptr<ByteSink> display_sink_;
  Status last_error_;
};

}  // namespace pos
