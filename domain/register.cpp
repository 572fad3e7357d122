#include "domain/register.h"

#include <algorithm>
#include <cstdlib>

#include "domain/handover_events.h"
#include "domain/register_events.h"
#include "domain/tax_calculator.h"
#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/handover_generated.h"
#include "events/register_generated.h"

namespace pos {
namespace {

constexpr int64_t kMaxQuantity = 9999;
constexpr int64_t kMaxAmount = 1'000'000'000'00;  // one billion in major units

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

NewEvent Event(EventType type, std::vector<uint8_t> payload) { return NewEvent{type, std::move(payload)}; }

std::string Money(int64_t minor) {
  const bool negative = minor < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + cents;
}

// Pieces of `code` that refund receipts may still take back from `original`,
// counting the lines already on every open or parked refund of it (the one being
// added to included), so refunds open side by side cannot take more together.
int64_t Refundable(const ClosedReceiptRecord& original, const std::map<std::string, Receipt, std::less<>>& open,
                   const std::string& code) {
  int64_t sold = 0;
  for (const ReceiptLine& line : original.lines) {
    if (!line.voided && line.article_code == code) sold += line.quantity;
  }
  auto done = original.refunded.find(code);
  int64_t taken = done == original.refunded.end() ? 0 : done->second;
  for (const auto& [id, refund] : open) {
    if (refund.refund_of_number != original.number) continue;
    for (const ReceiptLine& line : refund.lines) {
      if (!line.voided && line.article_code == code) taken += -line.quantity;
    }
  }
  return sold - taken;
}

// The receipt discount must stay covered by the live lines it was granted on: a
// later void, line discount or return line may not leave it larger than their
// total, or the discount would turn into money paid out. `after` is the receipt
// as the command would leave it.
Status CheckDiscountCovered(const Receipt& after) {
  if (after.receipt_discount == 0) return Status::Ok();
  int64_t lines = 0;
  for (const ReceiptLine& line : after.lines) lines += line.Amount();
  if (lines >= after.receipt_discount) return Status::Ok();
  return Status::FailedPrecondition("the receipt discount of " + Money(after.receipt_discount) +
                                    " would exceed the lines' total of " + Money(lines) + " on receipt " + after.id);
}

const ReceiptLine* OriginalLine(const ClosedReceiptRecord& original, const std::string& code) {
  for (const ReceiptLine& line : original.lines) {
    if (!line.voided && line.article_code == code && line.quantity > 0) return &line;
  }
  return nullptr;
}

}  // namespace

Register::Register(std::string node_id)
    : node_id_(std::move(node_id)),
      node_prefix_(ToHex(node_id_).substr(0, 8)),
      register_stream_("register/" + ToHex(node_id_)) {}

void Register::StartDayIfNeeded(int64_t wall_time_us) {
  if (day_started_) return;
  day_started_ = true;
  day_.opened_at_us = wall_time_us;
}

Status Register::Apply(const EventView& event) {
  if (event.origin() != node_id_) return Status::Ok();  // another till's events
  if (event.stream() == register_stream_) register_version_ = event.stream_version();
  const auto type = static_cast<EventType>(event.type());
  const std::string stream(event.stream());
  auto receipt_of_event = [&]() -> Receipt* {
    if (!stream.starts_with("receipt/")) return nullptr;
    auto it = open_.find(stream.substr(8));
    if (it == open_.end()) return nullptr;
    it->second.stream_version = event.stream_version();
    return &it->second;
  };
  auto malformed = [&] {
    return Status::Corruption("event " + ToHex(event.origin()) + "/" + std::to_string(event.origin_seq()) +
                              " has a malformed payload");
  };
  auto missing_receipt = [&] {
    return Status::Corruption("event " + ToHex(event.origin()) + "/" + std::to_string(event.origin_seq()) +
                              " refers to receipt stream " + stream + ", which is not open");
  };

  // Every event of an open receipt's stream advances its version, also the types
  // this switch does not fold (fiscal events such as TseTransactionStarted).
  if (type != EventType::kReceiptOpened) receipt_of_event();

  switch (type) {
    case EventType::kReceiptOpened: {
      const auto* p = event.PayloadAs<fb::ReceiptOpened>();
      if (p == nullptr) return malformed();
      StartDayIfNeeded(event.wall_time_us());
      Receipt receipt;
      receipt.id = Str(p->receipt_id());
      receipt.stream_version = event.stream_version();
      receipt.cashier = Str(p->cashier());
      receipt.refund_of_number = p->refund_of_number();
      receipt.refund_of_till = Str(p->refund_of_till());
      receipt.training = p->training();
      receipt.opened_at_us = event.wall_time_us();
      ++receipts_opened_;
      open_[receipt.id] = std::move(receipt);
      return Status::Ok();
    }
    case EventType::kLineAdded: {
      const auto* p = event.PayloadAs<fb::LineAdded>();
      if (p == nullptr) return malformed();
      Receipt* receipt = receipt_of_event();
      if (receipt == nullptr) return missing_receipt();
      receipt->lines.push_back(register_events::LineOf(*p));
      return Status::Ok();
    }
    case EventType::kLineVoided: {
      const auto* p = event.PayloadAs<fb::LineVoided>();
      if (p == nullptr) return malformed();
      Receipt* receipt = receipt_of_event();
      if (receipt == nullptr) return missing_receipt();
      if (ReceiptLine* line = receipt->FindLine(p->line_no())) line->voided = true;
      return Status::Ok();
    }
    case EventType::kLineDiscountGranted: {
      const auto* p = event.PayloadAs<fb::LineDiscountGranted>();
      if (p == nullptr) return malformed();
      Receipt* receipt = receipt_of_event();
      if (receipt == nullptr) return missing_receipt();
      if (ReceiptLine* line = receipt->FindLine(p->line_no())) line->discount += p->amount();
      return Status::Ok();
    }
    case EventType::kReceiptDiscountGranted: {
      const auto* p = event.PayloadAs<fb::ReceiptDiscountGranted>();
      if (p == nullptr) return malformed();
      Receipt* receipt = receipt_of_event();
      if (receipt == nullptr) return missing_receipt();
      receipt->receipt_discount += p->amount();
      return Status::Ok();
    }
    case EventType::kPaymentAdded: {
      const auto* p = event.PayloadAs<fb::PaymentAdded>();
      if (p == nullptr) return malformed();
      Receipt* receipt = receipt_of_event();
      if (receipt == nullptr) return missing_receipt();
      receipt->payments.push_back({static_cast<PaymentType>(p->type()), p->amount(), Str(p->reference())});
      return Status::Ok();
    }
    case EventType::kReceiptParked:
    case EventType::kReceiptResumed: {
      Receipt* receipt = receipt_of_event();
      if (receipt == nullptr) return missing_receipt();
      if (type == EventType::kReceiptParked) {
        receipt->status = ReceiptStatus::kParked;
      } else {
        const auto* p = event.PayloadAs<fb::ReceiptResumed>();
        if (p == nullptr) return malformed();
        receipt->status = ReceiptStatus::kOpen;
        receipt->cashier = Str(p->cashier());
      }
      return Status::Ok();
    }
    case EventType::kReceiptTakenOver: {
      const auto* p = event.PayloadAs<fb::ReceiptTakenOver>();
      if (p == nullptr) return malformed();
      if (!stream.starts_with("receipt/")) return missing_receipt();
      taken_over_[Str(p->source_receipt_id())] = stream.substr(8);
      return Status::Ok();
    }
    case EventType::kReceiptHandedOver: {
      // Parked to the site: the receipt is no longer this till's (docs/sync.md).
      Receipt* receipt = receipt_of_event();
      if (receipt == nullptr) return missing_receipt();
      open_.erase(receipt->id);
      return Status::Ok();
    }
    case EventType::kReceiptCancelled: {
      Receipt* receipt = receipt_of_event();
      if (receipt == nullptr) return missing_receipt();
      ++day_.cancelled;
      open_.erase(receipt->id);
      return Status::Ok();
    }
    case EventType::kReceiptClosed: {
      const auto* p = event.PayloadAs<fb::ReceiptClosed>();
      if (p == nullptr) return malformed();
      Receipt* receipt = receipt_of_event();
      if (receipt == nullptr) return missing_receipt();
      if (p->number() != last_receipt_number_ + 1) {
        return Status::Corruption("receipt " + receipt->id + " closed as number " + std::to_string(p->number()) +
                                  " after number " + std::to_string(last_receipt_number_));
      }
      last_receipt_number_ = p->number();
      if (day_.first_receipt == 0) day_.first_receipt = p->number();
      day_.last_receipt = p->number();
      ++day_.receipts;
      if (p->refund_of_number() != 0) ++day_.refunds;
      day_.voided_lines += p->voided_lines();
      day_.total += p->total();
      if (p->tax_lines() != nullptr) {
        for (const auto* t : *p->tax_lines()) {
          TaxLineTotal& sum = day_.tax[Str(t->tax_rate())];
          sum.tax_rate = Str(t->tax_rate());
          sum.basis_points = t->basis_points();
          sum.gross += t->gross();
          sum.net += t->net();
          sum.tax += t->tax();
        }
      }
      if (p->payments() != nullptr) {
        for (const auto* payment : *p->payments()) {
          day_.payments[static_cast<PaymentType>(payment->type())] += payment->amount();
        }
      }
      CashierFigures& cashier = day_.cashiers[Str(p->cashier())];
      ++cashier.receipts;
      cashier.total += p->total();

      ClosedReceiptRecord record;
      record.receipt_id = receipt->id;
      record.number = p->number();
      record.total = p->total();
      record.is_refund = receipt->is_refund();
      record.lines = receipt->lines;
      if (receipt->is_refund()) {
        auto original = closed_.find(receipt->refund_of_number);
        if (original != closed_.end()) {
          for (const ReceiptLine& line : receipt->lines) {
            if (!line.voided) original->second.refunded[line.article_code] += -line.quantity;
          }
        }
      }
      closed_[record.number] = std::move(record);
      open_.erase(receipt->id);
      return Status::Ok();
    }
    case EventType::kCashierSignedOn: {
      const auto* p = event.PayloadAs<fb::CashierSignedOn>();
      if (p == nullptr) return malformed();
      StartDayIfNeeded(event.wall_time_us());
      signed_on_ = Str(p->user());
      return Status::Ok();
    }
    case EventType::kCashierSignedOff:
      signed_on_.reset();
      return Status::Ok();
    case EventType::kCashMovementRecorded: {
      const auto* p = event.PayloadAs<fb::CashMovementRecorded>();
      if (p == nullptr) return malformed();
      StartDayIfNeeded(event.wall_time_us());
      (p->kind() == fb::CashMovementKind::In ? day_.cash_in : day_.cash_out) += p->amount();
      return Status::Ok();
    }
    case EventType::kDayClosed: {
      const auto* p = event.PayloadAs<fb::DayClosed>();
      if (p == nullptr) return malformed();
      last_z_number_ = p->z_number();
      day_ = DayFigures{};
      day_started_ = false;
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
}

const Receipt* Register::FindReceipt(std::string_view receipt_id) const {
  auto it = open_.find(receipt_id);
  return it == open_.end() ? nullptr : &it->second;
}

std::vector<const Receipt*> Register::OpenReceipts() const {
  std::vector<const Receipt*> out;
  for (const auto& [id, receipt] : open_) out.push_back(&receipt);
  return out;
}

const ClosedReceiptRecord* Register::FindClosed(uint64_t number) const {
  auto it = closed_.find(number);
  return it == closed_.end() ? nullptr : &it->second;
}

const std::string* Register::TakenOverAs(std::string_view source_receipt_id) const {
  auto it = taken_over_.find(source_receipt_id);
  return it == taken_over_.end() ? nullptr : &it->second;
}

ZReport Register::XReport() const {
  ZReport report;
  report.z_number = last_z_number_ + 1;
  report.figures = day_;
  report.expected_cash = day_.ExpectedCash();
  report.counted_cash = report.expected_cash;
  return report;
}

Result<std::string> Register::Authorise(const Actor& actor, const std::optional<Actor>& approver,
                                        Permission permission) {
  if (RoleAllows(actor.role, permission)) return std::string();
  if (approver.has_value() && RoleAllows(approver->role, permission)) return approver->user_id;
  const std::string_view required = UserRoleName(RequiredRole(permission));
  std::string message = actor.user_id + " (" + std::string(UserRoleName(actor.role)) + ") may not " +
                        std::string(PermissionName(permission)) + ": it needs the approval of " +
                        (required == "admin" ? "an " : "a ") + std::string(required);
  if (approver.has_value()) {
    message += ", and " + approver->user_id + " is " + (approver->role == UserRole::kAdmin ? "an " : "a ") +
               std::string(UserRoleName(approver->role));
  }
  return Status::PermissionDenied(message);
}

AppendBatch Register::DeniedEvent(const Actor& actor, Permission permission, std::string_view command) const {
  AppendBatch batch = RegisterBatch(actor);
  batch.events.push_back(Event(EventType::kPermissionDenied,
                               register_events::PermissionDenied(actor.user_id, std::string(command),
                                                                 std::string(UserRoleName(RequiredRole(permission))))));
  return batch;
}

AppendBatch Register::ReceiptBatch(const Receipt& receipt, const Actor& actor) const {
  AppendBatch batch;
  batch.stream = ReceiptStream(receipt.id);
  batch.expected_version = receipt.stream_version;
  batch.user = actor.user_id;
  return batch;
}

AppendBatch Register::RegisterBatch(const Actor& actor) const {
  AppendBatch batch;
  batch.stream = register_stream_;
  batch.expected_version = register_version_;
  batch.user = actor.user_id;
  return batch;
}

Result<const Receipt*> Register::OpenReceipt(std::string_view receipt_id) const {
  const Receipt* receipt = FindReceipt(receipt_id);
  if (receipt == nullptr) {
    return Status::NotFound("no open receipt " + std::string(receipt_id) + " on this till (closed, cancelled or unknown)");
  }
  if (receipt->status == ReceiptStatus::kParked) {
    return Status::FailedPrecondition("receipt " + receipt->id + " is parked; resume it first");
  }
  return receipt;
}

Result<AppendBatch> Register::DecideSignOn(const User& user) const {
  if (signed_on_ == user.id) return Status::FailedPrecondition(user.id + " is signed on already");
  AppendBatch batch = RegisterBatch(Actor{user.id, user.role});
  if (signed_on_.has_value()) {
    batch.events.push_back(Event(EventType::kCashierSignedOff, register_events::CashierSignedOff(*signed_on_)));
  }
  batch.events.push_back(Event(EventType::kCashierSignedOn, register_events::CashierSignedOn(user.id)));
  return batch;
}

Result<AppendBatch> Register::DecideSignOff() const {
  if (!signed_on_.has_value()) return Status::FailedPrecondition("nobody is signed on at this till");
  AppendBatch batch = RegisterBatch(Actor{*signed_on_, UserRole::kCashier});
  batch.events.push_back(Event(EventType::kCashierSignedOff, register_events::CashierSignedOff(*signed_on_)));
  return batch;
}

Result<AppendBatch> Register::DecideOpen(const Actor& actor, const std::optional<Actor>& approver,
                                         uint64_t refund_of_number, bool training) const {
  std::string approved_by;
  if (refund_of_number != 0) {
    POS_ASSIGN_OR_RETURN(approved_by, Authorise(actor, approver, Permission::kRefund));
    const ClosedReceiptRecord* original = FindClosed(refund_of_number);
    if (original == nullptr) {
      return Status::NotFound("receipt number " + std::to_string(refund_of_number) + " was not closed on this till");
    }
    if (original->is_refund) {
      return Status::FailedPrecondition("receipt number " + std::to_string(refund_of_number) +
                                        " is itself a refund and cannot be refunded");
    }
  } else {
    POS_ASSIGN_OR_RETURN(approved_by, Authorise(actor, approver, Permission::kSell));
  }
  const std::string receipt_id = node_prefix_ + "-" + std::to_string(receipts_opened_ + 1);
  AppendBatch batch;
  batch.stream = ReceiptStream(receipt_id);
  batch.expected_version = kNoStream;
  batch.user = actor.user_id;
  batch.events.push_back(Event(EventType::kReceiptOpened,
                               register_events::ReceiptOpened(receipt_id, actor.user_id, refund_of_number,
                                                              refund_of_number ? ToHex(node_id_) : "", training)));
  return batch;
}

Result<AppendBatch> Register::DecideAddLine(const Actor& actor, const std::optional<Actor>& approver,
                                            std::string_view receipt_id, const Article& article, const TaxRate& rate,
                                            int64_t quantity, std::optional<int64_t> price) const {
  POS_ASSIGN_OR_RETURN(const Receipt* receipt, OpenReceipt(receipt_id));
  if (quantity == 0 || std::llabs(quantity) > kMaxQuantity) {
    return Status::InvalidArgument("quantity " + std::to_string(quantity) + " must be 1 to " +
                                   std::to_string(kMaxQuantity) + " pieces (negative only for returns)");
  }
  if (price.has_value() && *price < 0) return Status::InvalidArgument("a price must not be negative");
  ReceiptLine line;
  line.line_no = static_cast<uint32_t>(receipt->lines.size() + 1);
  line.article_code = article.code;
  line.name = article.name;
  line.group = article.group;
  line.quantity = quantity;
  line.unit_price = price.value_or(article.gross_price);
  line.tax_rate = rate.code;
  line.tax_basis_points = rate.rate_basis_points;
  std::string approved_by;
  if (receipt->is_refund()) {
    if (quantity > 0) return Status::InvalidArgument("a refund receipt takes negative quantities only");
    if (price.has_value()) return Status::InvalidArgument("a refund takes the original price; no price override");
    const ClosedReceiptRecord* original = FindClosed(receipt->refund_of_number);
    const ReceiptLine* sold = original == nullptr ? nullptr : OriginalLine(*original, article.code);
    if (sold == nullptr) {
      return Status::InvalidArgument("article " + article.code + " is not on receipt number " +
                                     std::to_string(receipt->refund_of_number));
    }
    const int64_t left = Refundable(*original, open_, article.code);
    if (-quantity > left) {
      return Status::FailedPrecondition("only " + std::to_string(left) + " of article " + article.code +
                                        " can still be refunded from receipt number " +
                                        std::to_string(receipt->refund_of_number));
    }
    line.unit_price = sold->unit_price;
    line.tax_rate = sold->tax_rate;
    line.tax_basis_points = sold->tax_basis_points;
    line.name = sold->name;
  } else {
    if (quantity < 0) {
      POS_ASSIGN_OR_RETURN(approved_by, Authorise(actor, approver, Permission::kRefund));
    }
    if (price.has_value() && *price != article.gross_price) {
      POS_ASSIGN_OR_RETURN(std::string price_approver, Authorise(actor, approver, Permission::kPriceOverride));
      if (approved_by.empty()) approved_by = price_approver;
      line.price_overridden = true;
    }
  }
  if (std::llabs(line.quantity) * line.unit_price > kMaxAmount) {
    return Status::InvalidArgument("line amount exceeds the limit of " + Money(kMaxAmount));
  }
  if (receipt->receipt_discount != 0) {
    Receipt after = *receipt;
    after.lines.push_back(line);
    POS_RETURN_IF_ERROR(CheckDiscountCovered(after));
  }
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(Event(EventType::kLineAdded, register_events::LineAdded(line, approved_by)));
  return batch;
}

Result<AppendBatch> Register::DecideVoidLine(const Actor& actor, std::string_view receipt_id, uint32_t line_no) const {
  POS_ASSIGN_OR_RETURN(const Receipt* receipt, OpenReceipt(receipt_id));
  POS_ASSIGN_OR_RETURN(std::string approved_by, Authorise(actor, std::nullopt, Permission::kSell));
  const ReceiptLine* line = receipt->FindLine(line_no);
  if (line == nullptr) return Status::NotFound("receipt " + receipt->id + " has no line " + std::to_string(line_no));
  if (line->voided) return Status::FailedPrecondition("line " + std::to_string(line_no) + " is voided already");
  if (!receipt->payments.empty()) {
    return Status::FailedPrecondition("receipt " + receipt->id + " has payments; void lines before paying");
  }
  if (receipt->receipt_discount != 0) {
    Receipt after = *receipt;
    after.FindLine(line_no)->voided = true;
    POS_RETURN_IF_ERROR(CheckDiscountCovered(after));
  }
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(Event(EventType::kLineVoided, register_events::LineVoided(line_no, approved_by)));
  return batch;
}

Result<AppendBatch> Register::DecideLineDiscount(const Actor& actor, const std::optional<Actor>& approver,
                                                 std::string_view receipt_id, uint32_t line_no, int64_t amount) const {
  POS_ASSIGN_OR_RETURN(const Receipt* receipt, OpenReceipt(receipt_id));
  POS_ASSIGN_OR_RETURN(std::string approved_by, Authorise(actor, approver, Permission::kDiscount));
  if (receipt->is_refund()) return Status::FailedPrecondition("no discounts on a refund receipt");
  const ReceiptLine* line = receipt->FindLine(line_no);
  if (line == nullptr || line->voided) {
    return Status::NotFound("receipt " + receipt->id + " has no live line " + std::to_string(line_no));
  }
  if (amount <= 0 || amount > line->Amount()) {
    return Status::InvalidArgument("a line discount must be more than 0 and at most the line amount " +
                                   Money(line->Amount()) + " (got " + Money(amount) + ")");
  }
  if (!receipt->payments.empty()) return Status::FailedPrecondition("receipt " + receipt->id + " has payments already");
  if (receipt->receipt_discount != 0) {
    Receipt after = *receipt;
    after.FindLine(line_no)->discount += amount;
    POS_RETURN_IF_ERROR(CheckDiscountCovered(after));
  }
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(
      Event(EventType::kLineDiscountGranted, register_events::LineDiscountGranted(line_no, amount, approved_by)));
  return batch;
}

Result<AppendBatch> Register::DecideReceiptDiscount(const Actor& actor, const std::optional<Actor>& approver,
                                                    std::string_view receipt_id, int64_t amount) const {
  POS_ASSIGN_OR_RETURN(const Receipt* receipt, OpenReceipt(receipt_id));
  POS_ASSIGN_OR_RETURN(std::string approved_by, Authorise(actor, approver, Permission::kDiscount));
  if (receipt->is_refund()) return Status::FailedPrecondition("no discounts on a refund receipt");
  const int64_t total = ComputeTotals(*receipt).total;
  if (amount <= 0 || amount > total) {
    return Status::InvalidArgument("a receipt discount must be more than 0 and at most the total " + Money(total) +
                                   " (got " + Money(amount) + ")");
  }
  if (!receipt->payments.empty()) return Status::FailedPrecondition("receipt " + receipt->id + " has payments already");
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(
      Event(EventType::kReceiptDiscountGranted, register_events::ReceiptDiscountGranted(amount, approved_by)));
  return batch;
}

Result<AppendBatch> Register::DecidePayment(const Actor& actor, std::string_view receipt_id,
                                            const Payment& payment) const {
  POS_ASSIGN_OR_RETURN(const Receipt* receipt, OpenReceipt(receipt_id));
  POS_RETURN_IF_ERROR(Authorise(actor, std::nullopt, Permission::kSell).status());
  if (receipt->LiveLines() == 0) return Status::FailedPrecondition("receipt " + receipt->id + " has no lines to pay");
  const int64_t total = ComputeTotals(*receipt).total;
  const int64_t due = total - receipt->Paid();
  if (std::llabs(payment.amount) > kMaxAmount) return Status::InvalidArgument("payment exceeds the amount limit");
  if (total >= 0) {
    if (payment.amount <= 0) return Status::InvalidArgument("a payment must be more than 0 (got " + Money(payment.amount) + ")");
    if (due <= 0) return Status::FailedPrecondition("receipt " + receipt->id + " is paid in full; close it");
    if (payment.type != PaymentType::kCash && payment.amount > due) {
      return Status::InvalidArgument("a " + std::string(PaymentTypeName(payment.type)) + " payment of " +
                                     Money(payment.amount) + " exceeds the " + Money(due) +
                                     " due; only cash gives change");
    }
  } else {
    if (payment.amount >= 0 || payment.amount < due) {
      return Status::InvalidArgument("a refund pays out a negative amount down to the " + Money(due) +
                                     " due (got " + Money(payment.amount) + ")");
    }
  }
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(Event(EventType::kPaymentAdded, register_events::PaymentAdded(payment)));
  return batch;
}

Result<AppendBatch> Register::DecidePark(const Actor& actor, std::string_view receipt_id) const {
  POS_ASSIGN_OR_RETURN(const Receipt* receipt, OpenReceipt(receipt_id));
  POS_RETURN_IF_ERROR(Authorise(actor, std::nullopt, Permission::kSell).status());
  if (receipt->LiveLines() == 0) return Status::FailedPrecondition("an empty receipt cannot be parked; cancel it");
  if (!receipt->payments.empty()) return Status::FailedPrecondition("a receipt with payments cannot be parked");
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(Event(EventType::kReceiptParked, register_events::ReceiptParked(actor.user_id)));
  return batch;
}

Result<AppendBatch> Register::DecideResume(const Actor& actor, std::string_view receipt_id) const {
  const Receipt* receipt = FindReceipt(receipt_id);
  if (receipt == nullptr) return Status::NotFound("no parked receipt " + std::string(receipt_id));
  if (receipt->status != ReceiptStatus::kParked) {
    return Status::FailedPrecondition("receipt " + receipt->id + " is not parked");
  }
  POS_RETURN_IF_ERROR(Authorise(actor, std::nullopt, Permission::kSell).status());
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(Event(EventType::kReceiptResumed, register_events::ReceiptResumed(actor.user_id)));
  return batch;
}

Result<AppendBatch> Register::DecideHandOver(const Actor& actor, std::string_view receipt_id) const {
  POS_ASSIGN_OR_RETURN(const Receipt* receipt, OpenReceipt(receipt_id));
  POS_RETURN_IF_ERROR(Authorise(actor, std::nullopt, Permission::kSell).status());
  if (receipt->is_refund()) {
    return Status::FailedPrecondition("refund receipt " + receipt->id +
                                      " stays on this till (it refunds a receipt closed here); park it locally");
  }
  if (receipt->LiveLines() == 0) return Status::FailedPrecondition("an empty receipt cannot be parked; cancel it");
  if (!receipt->payments.empty()) return Status::FailedPrecondition("a receipt with payments cannot be parked");
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(Event(EventType::kReceiptHandedOver,
                               handover_events::ReceiptHandedOver(actor.user_id, ToHex(node_id_),
                                                                  ComputeTotals(*receipt).total,
                                                                  static_cast<uint32_t>(receipt->LiveLines()))));
  return batch;
}

Result<AppendBatch> Register::DecideTakeOver(const Actor& actor, const SiteParkedReceipt& source) const {
  POS_RETURN_IF_ERROR(Authorise(actor, std::nullopt, Permission::kSell).status());
  const Receipt& from = source.receipt;
  if (from.is_refund()) return Status::FailedPrecondition("refund receipt " + from.id + " cannot be taken over");
  if (!from.payments.empty()) return Status::FailedPrecondition("receipt " + from.id + " has payments; not taken over");
  const std::string receipt_id = node_prefix_ + "-" + std::to_string(receipts_opened_ + 1);
  AppendBatch batch;
  batch.stream = ReceiptStream(receipt_id);
  batch.expected_version = kNoStream;
  batch.user = actor.user_id;
  batch.events.push_back(Event(EventType::kReceiptOpened,
                               register_events::ReceiptOpened(receipt_id, actor.user_id, 0, "", from.training)));
  batch.events.push_back(Event(EventType::kReceiptTakenOver,
                               handover_events::ReceiptTakenOver(from.id, source.source_till)));
  uint32_t line_no = 0;
  for (const ReceiptLine& line : from.lines) {
    if (line.voided) continue;
    ReceiptLine copy = line;
    copy.line_no = ++line_no;
    copy.discount = 0;
    batch.events.push_back(Event(EventType::kLineAdded, register_events::LineAdded(copy, "")));
    if (line.discount != 0) {
      batch.events.push_back(Event(EventType::kLineDiscountGranted,
                                   register_events::LineDiscountGranted(copy.line_no, line.discount, "")));
    }
  }
  if (from.receipt_discount != 0) {
    batch.events.push_back(Event(EventType::kReceiptDiscountGranted,
                                 register_events::ReceiptDiscountGranted(from.receipt_discount, "")));
  }
  return batch;
}

Result<AppendBatch> Register::DecideCancel(const Actor& actor, const std::optional<Actor>& approver,
                                           std::string_view receipt_id, const std::string& reason) const {
  const Receipt* receipt = FindReceipt(receipt_id);
  if (receipt == nullptr) return Status::NotFound("no open or parked receipt " + std::string(receipt_id));
  POS_ASSIGN_OR_RETURN(std::string approved_by, Authorise(actor, approver, Permission::kCancelReceipt));
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(Event(EventType::kReceiptCancelled, register_events::ReceiptCancelled(reason, approved_by)));
  return batch;
}

Result<std::pair<AppendBatch, CloseOutcome>> Register::DecideClose(const Actor& actor,
                                                                   std::string_view receipt_id) const {
  POS_ASSIGN_OR_RETURN(const Receipt* receipt, OpenReceipt(receipt_id));
  POS_RETURN_IF_ERROR(Authorise(actor, std::nullopt, Permission::kSell).status());
  if (receipt->LiveLines() == 0) {
    return Status::FailedPrecondition("receipt " + receipt->id + " is empty; an empty receipt is cancelled, not closed");
  }
  CloseOutcome outcome;
  outcome.totals = ComputeTotals(*receipt);
  const int64_t total = outcome.totals.total;
  const int64_t paid = receipt->Paid();
  std::map<PaymentType, int64_t> by_type;
  for (const Payment& p : receipt->payments) by_type[p.type] += p.amount;
  if (total >= 0) {
    if (paid < total) {
      return Status::FailedPrecondition("payment short: total " + Money(total) + ", paid " + Money(paid) + ", " +
                                        Money(total - paid) + " still due");
    }
    outcome.change = paid - total;
    if (outcome.change > by_type[PaymentType::kCash]) {
      return Status::FailedPrecondition("change of " + Money(outcome.change) + " exceeds the cash paid");
    }
    by_type[PaymentType::kCash] -= outcome.change;
  } else if (paid != total) {
    return Status::FailedPrecondition("refund not paid out: total " + Money(total) + ", paid out " + Money(paid));
  }
  outcome.number = last_receipt_number_ + 1;
  std::vector<std::pair<PaymentType, int64_t>> kept;
  for (const auto& [type, amount] : by_type) {
    if (amount != 0) kept.emplace_back(type, amount);
  }
  AppendBatch batch = ReceiptBatch(*receipt, actor);
  batch.events.push_back(Event(EventType::kReceiptClosed,
                               register_events::ReceiptClosed(*receipt, outcome.number, outcome.totals,
                                                              outcome.change, kept)));
  return std::make_pair(std::move(batch), outcome);
}

Result<AppendBatch> Register::DecideCashMovement(const Actor& actor, const std::optional<Actor>& approver,
                                                 bool cash_in, int64_t amount, const std::string& reason) const {
  POS_ASSIGN_OR_RETURN(std::string approved_by, Authorise(actor, approver, Permission::kCashMovement));
  if (amount <= 0 || amount > kMaxAmount) {
    return Status::InvalidArgument("a cash movement must be more than 0 (got " + Money(amount) + ")");
  }
  if (!cash_in && amount > day_.ExpectedCash()) {
    return Status::FailedPrecondition("cash out of " + Money(amount) + " exceeds the " +
                                      Money(day_.ExpectedCash()) + " expected in the drawer");
  }
  AppendBatch batch = RegisterBatch(actor);
  batch.events.push_back(Event(EventType::kCashMovementRecorded,
                               register_events::CashMovementRecorded(cash_in, amount, reason, approved_by)));
  return batch;
}

Result<std::pair<AppendBatch, ZReport>> Register::DecideDayClose(const Actor& actor,
                                                                 const std::optional<Actor>& approver,
                                                                 int64_t counted_cash, int64_t now_us) const {
  POS_ASSIGN_OR_RETURN(std::string approved_by, Authorise(actor, approver, Permission::kDayClose));
  if (!open_.empty()) {
    std::string ids;
    for (const auto& [id, receipt] : open_) {
      ids += (ids.empty() ? "" : ", ") + id + (receipt.status == ReceiptStatus::kParked ? " (parked)" : " (open)");
    }
    return Status::FailedPrecondition("the day cannot be closed while receipts are open or parked: " + ids +
                                      "; finish or cancel them first");
  }
  if (counted_cash < 0) return Status::InvalidArgument("counted cash must not be negative");
  ZReport report = XReport();
  report.counted_cash = counted_cash;
  report.difference = counted_cash - report.expected_cash;
  report.approved_by = approved_by;
  report.closed_at_us = now_us;
  AppendBatch batch = RegisterBatch(actor);
  batch.events.push_back(Event(EventType::kDayClosed, register_events::DayClosed(report)));
  return std::make_pair(std::move(batch), report);
}

}  // namespace pos
