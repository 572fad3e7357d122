#include "domain/register_service.h"

#include <iterator>
#include <future>
#include <map>

#include "domain/device_binding.h"
#include "domain/licensing/till_license.h"
#include "domain/migration_gate.h"
#include "engine/pin_hash.h"

namespace pos {
namespace {

// The fiscal events go immediately before the batch's last event (ReceiptClosed
// or ReceiptCancelled), the order the DSFinV-K export relies on.
void InsertBeforeLast(AppendBatch& batch, std::vector<NewEvent> fiscal) {
  const auto at = batch.events.empty() ? batch.events.end() : batch.events.end() - 1;
  batch.events.insert(at, std::make_move_iterator(fiscal.begin()), std::make_move_iterator(fiscal.end()));
}

// Format of the register's snapshot (domain/register_snapshot.cpp): raise it when
// that layout or the meaning of Register's state changes, so old snapshots are refused.
constexpr uint32_t kSnapshotFormat = 1;
// A Load that replayed at least this many own events writes a new snapshot.
constexpr uint64_t kSnapshotAfterEvents = 10'000;

}  // namespace

RegisterService::RegisterService(EventStore& store, ProjectionRunner& runner, std::shared_ptr<Clock> clock)
    : store_(store), runner_(runner), clock_(std::move(clock)), register_(store.node_id()) {}

Result<std::unique_ptr<RegisterService>> RegisterService::Load(EventStore& store, ProjectionRunner& runner,
                                                               std::shared_ptr<Clock> clock) {
  std::unique_ptr<RegisterService> service(new RegisterService(store, runner, std::move(clock)));
  LoadReport& report = service->load_report_;
  POS_ASSIGN_OR_RETURN(std::optional<CheckedSnapshot> snapshot,
                       LoadCheckedSnapshot(store, kSnapshotName, kSnapshotFormat, &report.snapshot_refused));
  if (snapshot.has_value()) {
    Status decoded = service->register_.DecodeState(snapshot->state);
    if (decoded.ok()) {
      service->head_ = snapshot->head;
      report.from_snapshot = true;
    } else {
      report.snapshot_refused = "damaged: " + decoded.message();
    }
  }
  Status applied;
  POS_RETURN_IF_ERROR(store.ScanOrigin(store.node_id(), service->head_.origin_seq + 1,
                                       [&](uint64_t seq, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    applied = event.ok() ? service->ApplyOwn(*event) : event.status();
    if (!applied.ok()) applied = applied.WithContext("loading the register at local sequence " + std::to_string(seq));
    ++report.replayed_events;
    return applied.ok();
  }));
  POS_RETURN_IF_ERROR(applied);
  if (report.replayed_events >= kSnapshotAfterEvents) POS_RETURN_IF_ERROR(service->SaveSnapshot());
  POS_ASSIGN_OR_RETURN(DeviceBinding binding, DeviceBinding::Load(store));
  POS_ASSIGN_OR_RETURN(MachineIdentity machine, ReadMachineIdentity());
  service->hardware_status_ = binding.Check(machine);
  POS_ASSIGN_OR_RETURN(licensing::TillLicense license, licensing::TillLicense::Load(store));
  service->license_status_ = license.Check(machine, licensing::TodayUtc());
  POS_RETURN_IF_ERROR(MigrationGateStatus(store, license.license().has_value(), service->license_status_,
                                          &service->migration_status_));
  return service;
}

Result<CatalogView> RegisterService::Catalog() const {
  POS_ASSIGN_OR_RETURN(ProjectionReader reader, runner_.Reader(CatalogProjection::kName));
  return CatalogView(reader);
}

Result<Actor> RegisterService::SignedOnActor() const {
  const auto& user_id = register_.signed_on();
  if (!user_id.has_value()) return Status::FailedPrecondition("nobody is signed on at this till; sign on first");
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_ASSIGN_OR_RETURN(auto user, catalog.FindUser(*user_id));
  if (!user.has_value()) return Status::FailedPrecondition("the signed-on user " + *user_id + " no longer exists");
  return Actor{user->id, user->role};
}

Result<std::optional<Actor>> RegisterService::Authenticate(const std::optional<Approval>& approval) const {
  if (!approval.has_value()) return std::optional<Actor>();
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_ASSIGN_OR_RETURN(auto user, catalog.FindUser(approval->user_id));
  if (!user.has_value() || !VerifySecret(approval->pin, user->pin_hash)) {
    return Status::PermissionDenied("approval refused: unknown user or wrong PIN for " + approval->user_id);
  }
  return std::optional<Actor>(Actor{user->id, user->role});
}

Status RegisterService::AppendAndApply(AppendBatch batch) {
  const uint64_t ticket = last_ticket_ + 1;
  std::promise<Status> durable;
  EventStore::DurableCallback callback;
  if (on_durable_) {
    callback = [listener = on_durable_, ticket](const Result<AppendReceipt>& outcome) {
      listener(ticket, outcome.status());
    };
  } else {
    callback = [&durable](const Result<AppendReceipt>& outcome) { durable.set_value(outcome.status()); };
  }
  auto future = durable.get_future();
  POS_ASSIGN_OR_RETURN(SealedAppend sealed, store_.AppendPipelined(std::move(batch), std::move(callback)));
  last_ticket_ = ticket;
  if (on_durable_) {
    untaken_ticket_ = ticket;
  } else {
    POS_RETURN_IF_ERROR(future.get());
  }
  for (const std::string& bytes : sealed.events) {
    POS_ASSIGN_OR_RETURN(EventView event, EventView::Parse(bytes));
    POS_RETURN_IF_ERROR(ApplyOwn(event));
  }
  return Status::Ok();
}

Status RegisterService::ApplyOwn(const EventView& event) {
  POS_RETURN_IF_ERROR(register_.Apply(event));
  if (event.origin() == store_.node_id()) {
    head_.origin_seq = event.origin_seq();
    head_.hash.assign(event.hash());
  }
  return Status::Ok();
}

Status RegisterService::SaveSnapshot() {
  std::string state;
  register_.EncodeState(state);
  return store_.PutSnapshot(kSnapshotName, EncodeSnapshot(kSnapshotFormat, head_, state));
}

Status RegisterService::Commit(Result<AppendBatch> decision, const Actor& actor, Permission permission,
                               std::string_view command) {
  if (!decision.ok()) {
    if (decision.status().code() == StatusCode::kPermissionDenied) {
      // The refusal is what the caller hears, even if recording it failed.
      (void)AppendAndApply(register_.DeniedEvent(actor, permission, command));
    }
    return decision.status();
  }
  return AppendAndApply(std::move(decision).value());
}

Status RegisterService::AddFiscalUpdate(Result<AppendBatch>& decision, const std::string& receipt_id,
                                        const std::string& process_data) {
  if (!decision.ok() || fiscal_ == nullptr) return Status::Ok();
  POS_ASSIGN_OR_RETURN(std::vector<NewEvent> fiscal,
                       fiscal_->UpdateReceipt(receipt_id, process_data, clock_->NowMicros()));
  for (NewEvent& event : fiscal) decision->events.push_back(std::move(event));
  return Status::Ok();
}

Status RegisterService::SignOn(const std::string& user_id, const std::string& pin) {
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_ASSIGN_OR_RETURN(auto user, catalog.FindUser(user_id));
  if (!user.has_value() || !VerifySecret(pin, user->pin_hash)) {
    return Status::PermissionDenied("sign-on refused: unknown user or wrong PIN for " + user_id);
  }
  return Commit(register_.DecideSignOn(*user), Actor{user->id, user->role}, Permission::kSell, "sign-on");
}

Status RegisterService::SignOff() {
  return Commit(register_.DecideSignOff(), Actor{register_.signed_on().value_or(""), UserRole::kCashier},
                Permission::kSell, "sign-off");
}

Result<std::string> RegisterService::Open(const std::optional<Approval>& approval, uint64_t refund_of_number,
                                          bool training) {
  POS_RETURN_IF_ERROR(hardware_status_);
  POS_RETURN_IF_ERROR(migration_status_);
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  POS_ASSIGN_OR_RETURN(auto approver, Authenticate(approval));
  // Demo mode (no active license): every receipt is a training receipt, not fiscal.
  if (demo_mode()) training = true;
  auto decision = register_.DecideOpen(actor, approver, refund_of_number, training);
  std::string stream = decision.ok() ? decision->stream : "";
  if (decision.ok() && fiscal_ != nullptr) {
    POS_ASSIGN_OR_RETURN(std::vector<NewEvent> fiscal,
                         fiscal_->StartReceipt(stream.substr(std::string_view("receipt/").size()), clock_->NowMicros()));
    for (NewEvent& event : fiscal) decision->events.push_back(std::move(event));
  }
  POS_RETURN_IF_ERROR(Commit(std::move(decision), actor, refund_of_number ? Permission::kRefund : Permission::kSell,
                             refund_of_number ? "open refund" : "open"));
  return stream.substr(std::string_view("receipt/").size());
}

Result<ReceiptLine> RegisterService::AddLine(const std::string& receipt_id, const std::string& article_ref,
                                             int64_t quantity, std::optional<int64_t> price,
                                             const std::optional<Approval>& approval) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  POS_ASSIGN_OR_RETURN(auto approver, Authenticate(approval));
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_ASSIGN_OR_RETURN(auto article, catalog.FindArticle(article_ref));
  if (!article.has_value()) {
    POS_ASSIGN_OR_RETURN(article, catalog.FindArticleByBarcode(article_ref));
  }
  if (!article.has_value()) return Status::NotFound("no article with code or barcode '" + article_ref + "'");
  POS_ASSIGN_OR_RETURN(auto rate, catalog.FindTaxRate(article->tax_rate));
  if (!rate.has_value()) {
    return Status::FailedPrecondition("article " + article->code + " has tax rate " + article->tax_rate +
                                      ", which no longer exists");
  }
  const Permission permission = price.has_value() ? Permission::kPriceOverride : Permission::kRefund;
  auto decision = register_.DecideAddLine(actor, approver, receipt_id, *article, *rate, quantity, price);
  POS_RETURN_IF_ERROR(AddFiscalUpdate(decision, receipt_id,
                                      "Position^" + article->code + "^" + std::to_string(quantity) + "^" +
                                          (price.has_value() ? std::to_string(*price) : std::string())));
  POS_RETURN_IF_ERROR(Commit(std::move(decision), actor, permission, "add line"));
  const Receipt* receipt = register_.FindReceipt(receipt_id);
  return receipt->lines.back();
}

Status RegisterService::VoidLine(const std::string& receipt_id, uint32_t line_no) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  auto decision = register_.DecideVoidLine(actor, receipt_id, line_no);
  POS_RETURN_IF_ERROR(AddFiscalUpdate(decision, receipt_id, "Storno^" + std::to_string(line_no)));
  return Commit(std::move(decision), actor, Permission::kSell, "void line");
}

Status RegisterService::DiscountLine(const std::string& receipt_id, uint32_t line_no, int64_t amount,
                                     const std::optional<Approval>& approval) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  POS_ASSIGN_OR_RETURN(auto approver, Authenticate(approval));
  auto decision = register_.DecideLineDiscount(actor, approver, receipt_id, line_no, amount);
  POS_RETURN_IF_ERROR(AddFiscalUpdate(decision, receipt_id,
                                      "Rabatt^" + std::to_string(line_no) + "^" + std::to_string(amount)));
  return Commit(std::move(decision), actor, Permission::kDiscount, "line discount");
}

Status RegisterService::DiscountReceipt(const std::string& receipt_id, int64_t amount,
                                        const std::optional<Approval>& approval) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  POS_ASSIGN_OR_RETURN(auto approver, Authenticate(approval));
  auto decision = register_.DecideReceiptDiscount(actor, approver, receipt_id, amount);
  POS_RETURN_IF_ERROR(AddFiscalUpdate(decision, receipt_id, "Belegrabatt^" + std::to_string(amount)));
  return Commit(std::move(decision), actor, Permission::kDiscount, "receipt discount");
}

Status RegisterService::Pay(const std::string& receipt_id, const Payment& payment) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  auto decision = register_.DecidePayment(actor, receipt_id, payment);
  POS_RETURN_IF_ERROR(AddFiscalUpdate(
      decision, receipt_id,
      "Zahlung^" + std::string(PaymentTypeName(payment.type)) + "^" + std::to_string(payment.amount)));
  return Commit(std::move(decision), actor, Permission::kSell, "payment");
}

Status RegisterService::Park(const std::string& receipt_id) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  return Commit(register_.DecidePark(actor, receipt_id), actor, Permission::kSell, "park");
}

Status RegisterService::Resume(const std::string& receipt_id) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  return Commit(register_.DecideResume(actor, receipt_id), actor, Permission::kSell, "resume");
}

Status RegisterService::Cancel(const std::string& receipt_id, const std::string& reason,
                               const std::optional<Approval>& approval) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  POS_ASSIGN_OR_RETURN(auto approver, Authenticate(approval));
  auto decision = register_.DecideCancel(actor, approver, receipt_id, reason);
  if (decision.ok() && fiscal_ != nullptr) {
    const Receipt* receipt = register_.FindReceipt(receipt_id);
    FiscalReceipt fiscal_receipt{receipt_id, receipt != nullptr && receipt->training, true, {}, {}};
    POS_ASSIGN_OR_RETURN(std::vector<NewEvent> fiscal, fiscal_->FinishReceipt(fiscal_receipt, clock_->NowMicros()));
    InsertBeforeLast(*decision, std::move(fiscal));
  }
  return Commit(std::move(decision), actor, Permission::kCancelReceipt, "cancel receipt");
}

Result<CloseOutcome> RegisterService::Close(const std::string& receipt_id) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  auto decision = register_.DecideClose(actor, receipt_id);
  if (!decision.ok()) return decision.status();
  CloseOutcome outcome = decision->second;
  if (fiscal_ != nullptr) {
    const Receipt* receipt = register_.FindReceipt(receipt_id);
    FiscalReceipt fiscal_receipt{receipt_id, receipt != nullptr && receipt->training, false, outcome.totals, {}};
    fiscal_receipt.refund = receipt != nullptr && receipt->is_refund();
    fiscal_receipt.number = outcome.number;
    if (receipt != nullptr) {
      std::map<PaymentType, int64_t> kept;
      for (const Payment& p : receipt->payments) kept[p.type] += p.amount;
      kept[PaymentType::kCash] -= outcome.change;
      for (const auto& [type, amount] : kept) {
        if (amount != 0) fiscal_receipt.payments.push_back({type, amount, ""});
      }
    }
    POS_ASSIGN_OR_RETURN(std::vector<NewEvent> fiscal, fiscal_->FinishReceipt(fiscal_receipt, clock_->NowMicros()));
    outcome.fiscal_events = fiscal;
    InsertBeforeLast(decision->first, std::move(fiscal));
  }
  POS_RETURN_IF_ERROR(Commit(std::move(decision->first), actor, Permission::kSell, "close"));
  return outcome;
}

Status RegisterService::CashMovement(bool cash_in, int64_t amount, const std::string& reason,
                                     const std::optional<Approval>& approval) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  POS_ASSIGN_OR_RETURN(auto approver, Authenticate(approval));
  return Commit(register_.DecideCashMovement(actor, approver, cash_in, amount, reason), actor,
                Permission::kCashMovement, cash_in ? "cash in" : "cash out");
}

Result<ZReport> RegisterService::XReport() {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  POS_RETURN_IF_ERROR(Register::Authorise(actor, std::nullopt, Permission::kXReport).status());
  return register_.XReport();
}

Result<ZReport> RegisterService::CloseDay(int64_t counted_cash, const std::optional<Approval>& approval) {
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  POS_ASSIGN_OR_RETURN(auto approver, Authenticate(approval));
  auto decision = register_.DecideDayClose(actor, approver, counted_cash, clock_->NowMicros());
  if (!decision.ok()) {
    return Commit(decision.status(), actor, Permission::kDayClose, "day close");
  }
  ZReport report = decision->second;
  POS_RETURN_IF_ERROR(Commit(std::move(decision->first), actor, Permission::kDayClose, "day close"));
  return report;
}

}  // namespace pos
