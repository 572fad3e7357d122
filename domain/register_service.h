// RegisterService: one till's register on a real store. It authenticates users
// against the catalog (PIN hashes), asks the Register to decide, appends the
// decided events (durable before it returns) and applies exactly the committed
// bytes back to the Register. A command refused for lack of permission appends
// a PermissionDenied event and returns the refusal; any other refusal writes nothing.
//
// Pipelining (EnablePipelining, used by the register actor): a command returns
// as soon as its events are sealed (their bytes final, EventStore::AppendPipelined)
// and applied, so the next command is decided while earlier ones are still being
// made durable and concurrent front ends share group commits. The caller must not
// acknowledge a command before its ticket is reported durable. If the store
// fails, the state is ahead of the log: the service must be discarded (fail-stop).
//
// Not thread-safe: one caller at a time (the register actor, or one CLI run).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "domain/fiscal_module.h"
#include "domain/receipt_handover.h"
#include "domain/register.h"
#include "domain/till_snapshot.h"
#include "engine/clock.h"
#include "engine/event_store.h"
#include "projections/catalog.h"
#include "projections/projection_runner.h"

namespace pos {

// A second user's PIN-authenticated approval of a permissioned command.
struct Approval {
  std::string user_id;
  std::string pin;
};

class RegisterService {
 public:
  // Builds the register from its start-up snapshot ("snapshot/register",
  // domain/till_snapshot.h) plus this till's own events after it, or, when the
  // snapshot is missing, stale or damaged, by replaying all of them; after a
  // replay of many events it writes a new snapshot. `runner` must have the
  // catalog projection registered and caught up.
  static Result<std::unique_ptr<RegisterService>> Load(EventStore& store, ProjectionRunner& runner,
                                                       std::shared_ptr<Clock> clock = DefaultClock());
  static constexpr std::string_view kSnapshotName = "register";
  // How Load built the state.
  struct LoadReport {
    bool from_snapshot = false;
    std::string snapshot_refused;  // why the snapshot was not used ("missing", "stale: ...", "damaged: ...")
    uint64_t replayed_events = 0;  // own events applied after the snapshot (all of them without one)
  };
  const LoadReport& load_report() const { return load_report_; }
  // Writes the state as the start-up snapshot, naming the last own event applied
  // (a clean shutdown's step). With pipelining, that event may not be durable yet:
  // a later Load then finds the log without it and replays in full.
  Status SaveSnapshot();

  const Register& state() const { return register_; }
  // Ok, or why this till may not sell here (its store is bound to other hardware).
  const Status& hardware_status() const { return hardware_status_; }
  // Ok when this till runs licensed; otherwise why it runs in demo mode: every
  // receipt it opens is then a training receipt, printed "DEMO" (docs/licensing.md).
  const Status& license_status() const { return license_status_; }
  bool demo_mode() const { return !license_status_.ok(); }
  // Ok, or why a till moved here by `pos migrate import` may not sell yet (domain/migration_gate.h).
  const Status& migration_status() const { return migration_status_; }
  // The fiscal signer (not owned; nullptr: none, the default). With one set, Open,
  // Close and Cancel put its events into the receipt's batch (domain/fiscal_module.h).
  void SetFiscalModule(FiscalModule* fiscal) { fiscal_ = fiscal; }

  // Runs on the store's writer thread when the commit `ticket` is durable
  // (outcome ok) or failed. Tickets rise with every commit and are reported in order.
  using DurableListener = std::function<void(uint64_t ticket, const Status& outcome)>;
  void EnablePipelining(DurableListener on_durable) { on_durable_ = std::move(on_durable); }
  // The ticket of the newest commit since the previous call; 0 when none.
  uint64_t TakeTicket() { return std::exchange(untaken_ticket_, 0); }
  // The newest ticket ever issued (0 before the first commit).
  uint64_t last_ticket() const { return last_ticket_; }

  Status SignOn(const std::string& user_id, const std::string& pin);
  Status SignOff();
  Result<std::string> Open(const std::optional<Approval>& approval = std::nullopt, uint64_t refund_of_number = 0,
                           bool training = false);
  // `article` is an article code or a barcode.
  Result<ReceiptLine> AddLine(const std::string& receipt_id, const std::string& article, int64_t quantity,
                              std::optional<int64_t> price = std::nullopt,
                              const std::optional<Approval>& approval = std::nullopt);
  Status VoidLine(const std::string& receipt_id, uint32_t line_no);
  Status DiscountLine(const std::string& receipt_id, uint32_t line_no, int64_t amount,
                      const std::optional<Approval>& approval = std::nullopt);
  Status DiscountReceipt(const std::string& receipt_id, int64_t amount,
                         const std::optional<Approval>& approval = std::nullopt);
  Status Pay(const std::string& receipt_id, const Payment& payment);
  Status Park(const std::string& receipt_id);
  Status Resume(const std::string& receipt_id);
  // Receipt hand-over (domain/receipt_handover.h, docs/sync.md). The claimer (not
  // owned; nullptr: no hub) asks the site hub for a receipt parked to the site.
  void SetHandoverClaimer(HandoverClaimer* claimer) { claimer_ = claimer; }
  // Parks the open receipt to the site: it ends here, any till may take it over.
  Status ParkToSite(const std::string& receipt_id);
  // Takes over a receipt parked to the site (by another till or this one) after
  // the hub's grant; returns the id of this till's new receipt holding its lines.
  Result<std::string> ResumeFromSite(const std::string& source_receipt_id);
  Status Cancel(const std::string& receipt_id, const std::string& reason,
                const std::optional<Approval>& approval = std::nullopt);
  Result<CloseOutcome> Close(const std::string& receipt_id);
  Status CashMovement(bool cash_in, int64_t amount, const std::string& reason,
                      const std::optional<Approval>& approval = std::nullopt);
  Result<ZReport> XReport();
  Result<ZReport> CloseDay(int64_t counted_cash, const std::optional<Approval>& approval = std::nullopt);

 private:
  RegisterService(EventStore& store, ProjectionRunner& runner, std::shared_ptr<Clock> clock);
  Result<CatalogView> Catalog() const;
  Result<Actor> SignedOnActor() const;
  Result<std::optional<Actor>> Authenticate(const std::optional<Approval>& approval) const;
  // Appends the decided batch and applies what was committed. A kPermissionDenied
  // decision is recorded as a PermissionDenied event and returned.
  Status Commit(Result<AppendBatch> decision, const Actor& actor, Permission permission, std::string_view command);
  // Appends a decided batch and applies its sealed events: after they are durable,
  // or at once when pipelining (then the ticket says when they are durable).
  Status AppendAndApply(AppendBatch batch);
  // With a fiscal module: its UpdateReceipt events appended to an accepted decision.
  Status AddFiscalUpdate(Result<AppendBatch>& decision, const std::string& receipt_id,
                         const std::string& process_data);

  // Applies one own committed event to the register and notes it as the head.
  Status ApplyOwn(const EventView& event);

  EventStore& store_;
  ProjectionRunner& runner_;
  SnapshotHead head_;  // the last own event applied to register_
  LoadReport load_report_;
  std::shared_ptr<Clock> clock_;
  Register register_;
  Status hardware_status_;
  Status license_status_;  // ok: licensed; else why the till runs in demo mode
  Status migration_status_;  // ok, or why a migrated till may not sell yet
  FiscalModule* fiscal_ = nullptr;
  DurableListener on_durable_;  // set: pipelining
  uint64_t last_ticket_ = 0;
  uint64_t untaken_ticket_ = 0;
  HandoverClaimer* claimer_ = nullptr;
};

}  // namespace pos
