// ScuFiscalModule: the Swedish fiscal profile behind the register's FiscalModule
// seam. At close, the receipt's registered data goes to the control unit; its
// control code comes back in an ScuReceiptRegistered event inserted immediately
// before ReceiptClosed, and is printed. Training receipts are registered as
// "training", refunds as "return"; copies (pos scu copy) as "copy" in the stream
// "scu/<node id hex>". Cancelled receipts were never handed out: not registered.
//
// Unlike the German TSE outage, a control unit that does not answer blocks the
// close (kUnavailable): a Swedish receipt may not be handed out without its code.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "domain/fiscal/se/control_unit.h"
#include "domain/fiscal_module.h"
#include "engine/event_store.h"

namespace pos::fiscal::se {

struct ScuRecord {
  std::string receipt_id, unit_serial, organisation_number, register_id;
  uint64_t receipt_serial = 0;
  std::string receipt_type, registered_at;
  int64_t total = 0;
  std::vector<VatAmount> vat;
  std::string control_code;
  uint64_t journal_seq = 0;
  int64_t log_time_us = 0;
};
std::vector<uint8_t> EncodeScuReceiptRegistered(const ScuRecord& r);
Result<ScuRecord> DecodeScuReceiptRegistered(std::span<const uint8_t> payload);
std::vector<uint8_t> EncodeScuInitialised(const std::string& serial, const std::string& organisation_number,
                                          const std::string& register_id, int64_t now_us);

// What a printed receipt shows for a registered receipt.
std::vector<std::string> ScuPrintLines(const ScuRecord& r);

class ScuFiscalModule final : public FiscalModule {
 public:
  ScuFiscalModule(EventStore& store, SoftwareControlUnit& unit, bool utc_clock = false)
      : store_(store), unit_(unit), utc_clock_(utc_clock) {}
  static std::string Stream(std::string_view node_id);  // "scu/<node id hex>"

  Result<std::vector<NewEvent>> StartReceipt(const std::string& receipt_id, int64_t now_us) override;
  Result<std::vector<NewEvent>> FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) override;

  // Registers a copy of closed receipt `number` (its total and VAT from the
  // journal projection given by the caller) and records it in the scu stream.
  Result<ScuRecord> RegisterCopy(const std::string& receipt_id, uint64_t number, int64_t total,
                                 const std::vector<VatAmount>& vat, int64_t now_us, const std::string& user);
  // Records ScuInitialised (pos scu init).
  Status RecordInitialised(int64_t now_us, const std::string& user);

 private:
  Result<ScuRecord> Send(const std::string& receipt_id, uint64_t number, ScuReceiptType type, int64_t total,
                         const std::vector<VatAmount>& vat, int64_t now_us);
  Status Append(EventType type, std::vector<uint8_t> payload, const std::string& user);

  EventStore& store_;
  SoftwareControlUnit& unit_;
  bool utc_clock_ = false;
};

struct TillScu {
  std::unique_ptr<SoftwareControlUnit> unit;
  std::unique_ptr<ScuFiscalModule> module;
};
std::string ScuDirOf(const EventStore& store);
// nullopt when the store has no scu directory (no Swedish fiscal profile).
Result<std::optional<TillScu>> OpenTillScu(EventStore& store);

}  // namespace pos::fiscal::se
