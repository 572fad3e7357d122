// RegisterService: receipt hand-over between the tills of a site
// (domain/receipt_handover.h, docs/sync.md "Receipt hand-over").
#include <iterator>

#include "domain/register_service.h"
#include "domain/tax_calculator.h"

namespace pos {

Status RegisterService::ParkToSite(const std::string& receipt_id) {
  // A receipt handed to the site leaves this till's register: only a till with a
  // hub connection (the daemon of a joined till sets the claimer) may give one away.
  if (claimer_ == nullptr) {
    return Status::FailedPrecondition(
        "receipt " + receipt_id + " cannot be parked to the site: this till has no site hub (join one with " +
        "`pos sync join` and park through `pos serve`); `pos sale park` keeps it on this till");
  }
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  auto decision = register_.DecideHandOver(actor, receipt_id);
  if (decision.ok() && fiscal_ != nullptr) {
    const Receipt* receipt = register_.FindReceipt(receipt_id);
    FiscalReceipt fiscal_receipt;
    fiscal_receipt.receipt_id = receipt_id;
    fiscal_receipt.training = receipt != nullptr && receipt->training;
    fiscal_receipt.handed_over = true;
    if (receipt != nullptr) fiscal_receipt.totals = ComputeTotals(*receipt);
    POS_ASSIGN_OR_RETURN(std::vector<NewEvent> fiscal, fiscal_->FinishReceipt(fiscal_receipt, clock_->NowMicros()));
    // Before ReceiptHandedOver, the batch's last event (as for a close).
    auto at = decision->events.empty() ? decision->events.end() : decision->events.end() - 1;
    decision->events.insert(at, std::make_move_iterator(fiscal.begin()), std::make_move_iterator(fiscal.end()));
  }
  return Commit(std::move(decision), actor, Permission::kSell, "park to site");
}

Result<std::string> RegisterService::ResumeFromSite(const std::string& source_receipt_id) {
  // Taking a receipt over starts a receipt here: the same gates as Open().
  POS_RETURN_IF_ERROR(hardware_status_);
  POS_RETURN_IF_ERROR(migration_status_);
  POS_ASSIGN_OR_RETURN(Actor actor, SignedOnActor());
  POS_RETURN_IF_ERROR(Register::Authorise(actor, std::nullopt, Permission::kSell).status());
  if (const std::string* own = register_.TakenOverAs(source_receipt_id)) {
    return Status::AlreadyExists("receipt " + source_receipt_id + " was taken over by this till already, as receipt " +
                                 *own);
  }
  POS_ASSIGN_OR_RETURN(SiteParkedReceipt source, LoadSiteParkedReceipt(store_, source_receipt_id));
  if (claimer_ == nullptr) {
    return Status::FailedPrecondition("receipt " + source_receipt_id +
                                      " was parked to the site: resuming it needs the site hub's grant, and this till "
                                      "has no hub connection (join a site with `pos sync join`, then run `pos serve`)");
  }
  auto outcome = claimer_->Claim(ReceiptStream(source_receipt_id));
  if (!outcome.ok()) {
    return Status::Unavailable("receipt " + source_receipt_id +
                               " was parked to the site and cannot be resumed offline: the site hub grants each such "
                               "receipt to one till only, and it could not be asked (" +
                               outcome.status().message() + "); try again when the hub is reachable");
  }
  if (outcome->retry) {
    return Status::Unavailable("receipt " + source_receipt_id +
                               " cannot be resumed yet: the site hub has not received its hand-over (" +
                               outcome->reason + "); try again in a moment");
  }
  if (!outcome->granted) {
    if (!outcome->holder_till.empty()) {
      return Status::FailedPrecondition("receipt " + source_receipt_id +
                                        " is held by another till: the site hub granted it to till " +
                                        outcome->holder_till + ", and only that till can finish it");
    }
    return Status::FailedPrecondition("receipt " + source_receipt_id + " is not granted to this till" +
                                      (outcome->reason.empty() ? "" : " (" + outcome->reason + ")"));
  }
  auto decision = register_.DecideTakeOver(actor, source);
  std::string stream = decision.ok() ? decision->stream : "";
  if (decision.ok() && fiscal_ != nullptr) {
    POS_ASSIGN_OR_RETURN(std::vector<NewEvent> fiscal,
                         fiscal_->StartReceipt(stream.substr(std::string_view("receipt/").size()), clock_->NowMicros()));
    for (NewEvent& event : fiscal) decision->events.push_back(std::move(event));
  }
  POS_RETURN_IF_ERROR(Commit(std::move(decision), actor, Permission::kSell, "resume from site"));
  return stream.substr(std::string_view("receipt/").size());
}

}  // namespace pos
