// RksvFiscalModule: the Austrian fiscal profile behind the register's
// FiscalModule seam (domain/fiscal_module.h). Every closed receipt becomes one
// link of the register's RKSV chain: an RksvReceiptSigned event inserted into the
// receipt's batch immediately before ReceiptClosed (standard receipt; storno for a
// refund; training for a training receipt). Cancelled receipts were never
// handed out and are not signed. The register's own receipts (Start-, Null-,
// Monats-, Jahres-, Schluss- and Sammelbeleg) go to the stream "rksv/<node id hex>".
//
// The chain state is derived from the committed RksvReceiptSigned events of this
// node (origin order), refreshed before every decision, so a batch that failed to
// commit never advances it.
//
// Device failure never blocks a sale: the receipt is signed "Sicherheitseinrichtung
// ausgefallen". The first receipt after a failed one with a working device is
// preceded by a Sammelbeleg (a null receipt), unless it is a null receipt itself,
// which then is the Sammelbeleg.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "domain/fiscal/at/rksv_chain.h"
#include "domain/fiscal/at/rksv_register.h"
#include "domain/fiscal_module.h"
#include "engine/event_store.h"

namespace pos::fiscal::at {

// The tax set of a rate in basis points (2000 Normal, 1000 Ermäßigt-1,
// 1300 Ermäßigt-2, 0 Null, 1900 Besonders); nullopt for any other rate.
std::optional<TaxSet> TaxSetOfRate(uint32_t basis_points);

class RksvFiscalModule final : public FiscalModule {
 public:
  static Result<std::unique_ptr<RksvFiscalModule>> Create(EventStore& store, RksvRegister& reg);
  static std::string Stream(std::string_view node_id);  // "rksv/<node id hex>"

  RksvRegister& reg() { return reg_; }
  // The chain as committed (refreshed from the log).
  Result<ChainState> State();

  // Records RksvRegisterInitialised and every device, then issues the Startbeleg
  // (`belegnummer` empty: "<node>-S1").
  Result<SignedReceipt> Initialise(int64_t now_us, const std::string& user, const std::string& belegnummer = "");
  // Records a device added to the register (RksvRegister::AddDevice).
  Status RecordDevice(size_t index, int64_t now_us, const std::string& user);
  // Issues a null-type receipt (null, month, year, closing; a null receipt after a
  // failure becomes the Sammelbeleg). `belegnummer` empty: "<node>-S<n>".
  Result<SignedReceipt> IssueNullReceipt(ReceiptKind kind, int64_t now_us, const std::string& user,
                                         const std::string& belegnummer = "");

  // For the next sale receipt only (pos rksv run-scenario): its RKSV receipt id
  // and whether it is a Storno-Beleg although it is no refund.
  void SetNextReceipt(std::string belegnummer, bool storno) {
    next_belegnummer_ = std::move(belegnummer);
    next_storno_ = storno;
  }

  // Refuses to open receipts before the Startbeleg or after the Schlussbeleg.
  Result<std::vector<NewEvent>> StartReceipt(const std::string& receipt_id, int64_t now_us) override;
  Result<std::vector<NewEvent>> FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) override;

 private:
  RksvFiscalModule(EventStore& store, RksvRegister& reg);
  Status Refresh();
  Result<SignedReceipt> IssueOwn(ReceiptKind kind, int64_t now_us, const std::string& user,
                                 const std::string& belegnummer);
  Status Append(EventType type, std::vector<uint8_t> payload, const std::string& user);
  std::string OwnReceiptId() const;

  EventStore& store_;
  RksvRegister& reg_;
  std::string stream_;
  ChainState state_;
  uint64_t scanned_seq_ = 0;  // origin_seq of this node scanned so far
  std::string next_belegnummer_;
  bool next_storno_ = false;
};

// A till's RKSV register, opened from <store path>/rksv and wired as its fiscal module.
struct TillRksv {
  std::unique_ptr<RksvRegister> reg;
  std::unique_ptr<RksvFiscalModule> module;
};
std::string RksvDirOf(const EventStore& store);
// nullopt when the store has no rksv directory (no Austrian fiscal profile).
Result<std::optional<TillRksv>> OpenTillRksv(EventStore& store);

}  // namespace pos::fiscal::at
