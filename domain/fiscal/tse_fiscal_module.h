// TseFiscalModule: the German fiscal profile behind the register's FiscalModule
// seam. It signs each receipt with the SoftwareTse (StartTransaction at open,
// UpdateTransaction at each line, discount or payment, FinishTransaction at close
// or cancel) and returns TseTransactionStarted / TseTransactionUpdated /
// TseTransactionFinished for the receipt's batch.
//
// Outage: when the TSE cannot sign (key missing or unreadable, store of the TSE
// log failing, a simulated failure) the receipt still opens and closes, its
// events carry outage = true, and TseOutageBegan is appended once to the stream
// "tse/<node id hex>"; the first signature that works again appends
// TseOutageEnded. A deactivated or decommissioned TSE, or an unregistered
// client, is not an outage: the command is refused with the reason.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "domain/fiscal/software_tse.h"
#include "domain/fiscal_module.h"
#include "engine/event_store.h"

namespace pos::fiscal {

class TseFiscalModule final : public FiscalModule {
 public:
  // Reads the till's own events: whether an outage is open (its tse stream) and
  // the highest transaction number and signature counter in the log, which the
  // TSE's counters are raised to (so they never repeat a value the log holds).
  // Starts from the start-up snapshot "snapshot/tse" (domain/till_snapshot.h)
  // when it proves itself against the log and names this TSE's serial, and reads
  // only the own events after it; after reading many events it writes a new one.
  static Result<std::unique_ptr<TseFiscalModule>> Create(EventStore& store, SoftwareTse& tse);
  static std::string TseStream(std::string_view node_id);  // "tse/<node id hex>"

  const std::string& client_id() const { return client_id_; }
  bool in_outage() const { return in_outage_; }
  // Whether Create started from a snapshot (else it read the whole history).
  bool snapshot_used() const { return snapshot_used_; }
  SoftwareTse& tse() { return tse_; }

  Result<std::vector<NewEvent>> StartReceipt(const std::string& receipt_id, int64_t now_us) override;
  Result<std::vector<NewEvent>> FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) override;
  // UpdateTransaction of the receipt's open transaction -> TseTransactionUpdated.
  // No events when the receipt has no open transaction (opened during an outage),
  // when the TSE refuses (deactivated ...: the close is refused instead) or when it
  // cannot sign (an outage: TseOutageBegan is recorded, the sale goes on).
  Result<std::vector<NewEvent>> UpdateReceipt(const std::string& receipt_id, const std::string& process_data,
                                              int64_t now_us) override;

  // Appends a TSE lifecycle event (TseInitialised, TseClientRegistered,
  // TseDeactivated, TseDecommissioned) to the tse stream.
  Status Record(EventType type, std::vector<uint8_t> payload, const std::string& user);

 private:
  TseFiscalModule(EventStore& store, SoftwareTse& tse);
  Status BeginOutage(const Status& why, int64_t now_us);
  Status EndOutage(int64_t now_us);

  EventStore& store_;
  SoftwareTse& tse_;
  std::string client_id_;
  std::string stream_;
  bool in_outage_ = false;
  bool snapshot_used_ = false;
};

// A till's TSE, opened from <store path>/tse and wired as its fiscal module.
struct TillTse {
  std::unique_ptr<SoftwareTse> tse;
  std::unique_ptr<TseFiscalModule> module;
};
std::string TseDirOf(const EventStore& store);
// nullopt when the store has no tse directory (no German fiscal profile).
Result<std::optional<TillTse>> OpenTillTse(EventStore& store);

}  // namespace pos::fiscal
