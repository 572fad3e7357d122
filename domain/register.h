// Register: the decision logic of one till, as plain C++ over its own events.
//
// State is only ever changed by Apply(committed event). Each Decide* method
// checks a command against the state and returns the events to append (one
// stream, with the expected version), changing nothing; the caller appends them
// and then applies them. Receipt numbers are assigned in ReceiptClosed as the
// last number + 1: the number exists only if that event is durable, so numbers
// are dense per till across restarts and crashes.
//
// Errors: kInvalidArgument (bad values), kNotFound (no such receipt or line),
// kFailedPrecondition (not allowed in this state, e.g. paying short),
// kPermissionDenied (the caller records DeniedEvent() as evidence).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/permissions.h"
#include "domain/receipt.h"
#include "domain/z_report.h"
#include "domain/receipt_handover.h"
#include "engine/event_store.h"
#include "events/event_view.h"
#include "events/master_data.h"

namespace pos {

// An authenticated user acting at the till.
struct Actor {
  std::string user_id;
  UserRole role = UserRole::kCashier;
};

// What a refund may still take back from a closed receipt.
struct ClosedReceiptRecord {
  std::string receipt_id;
  uint64_t number = 0;
  int64_t total = 0;
  bool is_refund = false;
  std::vector<ReceiptLine> lines;
  std::map<std::string, int64_t> refunded;  // article code -> pieces already refunded
};

struct CloseOutcome {
  uint64_t number = 0;
  ReceiptTotals totals;
  int64_t change = 0;
  std::vector<NewEvent> fiscal_events;  // the fiscal module's events in the close batch (e.g. the TSE's)
};

class Register {
 public:
  // node_id: the till's 16-byte node id.
  explicit Register(std::string node_id);

  // Folds one committed event into the state. Events of other types are ignored.
  Status Apply(const EventView& event);

  const std::string& stream() const { return register_stream_; }
  const std::optional<std::string>& signed_on() const { return signed_on_; }
  const Receipt* FindReceipt(std::string_view receipt_id) const;  // open or parked
  std::vector<const Receipt*> OpenReceipts() const;               // open and parked, by id
  const ClosedReceiptRecord* FindClosed(uint64_t number) const;
  // The id of this till's receipt that took over the site-parked `source_receipt_id`, or nullptr.
  const std::string* TakenOverAs(std::string_view source_receipt_id) const;
  uint64_t last_receipt_number() const { return last_receipt_number_; }
  uint64_t last_z_number() const { return last_z_number_; }
  const DayFigures& day() const { return day_; }
  // The X report: today's figures so far, with counted cash = expected.
  ZReport XReport() const;

  Result<AppendBatch> DecideSignOn(const User& user) const;
  Result<AppendBatch> DecideSignOff() const;
  Result<AppendBatch> DecideOpen(const Actor& actor, const std::optional<Actor>& approver, uint64_t refund_of_number,
                                 bool training) const;
  // price: nullopt takes the catalog price; a different price needs price_override.
  Result<AppendBatch> DecideAddLine(const Actor& actor, const std::optional<Actor>& approver,
                                    std::string_view receipt_id, const Article& article, const TaxRate& rate,
                                    int64_t quantity, std::optional<int64_t> price) const;
  Result<AppendBatch> DecideVoidLine(const Actor& actor, std::string_view receipt_id, uint32_t line_no) const;
  Result<AppendBatch> DecideLineDiscount(const Actor& actor, const std::optional<Actor>& approver,
                                         std::string_view receipt_id, uint32_t line_no, int64_t amount) const;
  Result<AppendBatch> DecideReceiptDiscount(const Actor& actor, const std::optional<Actor>& approver,
                                            std::string_view receipt_id, int64_t amount) const;
  Result<AppendBatch> DecidePayment(const Actor& actor, std::string_view receipt_id, const Payment& payment) const;
  Result<AppendBatch> DecidePark(const Actor& actor, std::string_view receipt_id) const;
  Result<AppendBatch> DecideResume(const Actor& actor, std::string_view receipt_id) const;
  // Parks the open receipt to the site (domain/receipt_handover.h): the batch
  // ends it on this till with ReceiptHandedOver. Refund receipts and receipts
  // with payments are refused.
  Result<AppendBatch> DecideHandOver(const Actor& actor, std::string_view receipt_id) const;
  // Takes over a receipt parked to the site, once the hub granted it: a new
  // receipt of this till with ReceiptOpened, ReceiptTakenOver and the source's
  // live lines (renumbered from 1) and discounts.
  Result<AppendBatch> DecideTakeOver(const Actor& actor, const SiteParkedReceipt& source) const;
  Result<AppendBatch> DecideCancel(const Actor& actor, const std::optional<Actor>& approver,
                                   std::string_view receipt_id, const std::string& reason) const;
  // Also returns what the close will fix (number, totals, change).
  Result<std::pair<AppendBatch, CloseOutcome>> DecideClose(const Actor& actor, std::string_view receipt_id) const;
  Result<AppendBatch> DecideCashMovement(const Actor& actor, const std::optional<Actor>& approver, bool cash_in,
                                         int64_t amount, const std::string& reason) const;
  Result<std::pair<AppendBatch, ZReport>> DecideDayClose(const Actor& actor, const std::optional<Actor>& approver,
                                                         int64_t counted_cash, int64_t now_us) const;

  // The whole state as bytes for a start-up snapshot (domain/till_snapshot.h;
  // the layout is in register_snapshot.cpp), and back. DecodeState replaces the
  // state only when the bytes decode completely; otherwise kCorruption.
  void EncodeState(std::string& out) const;
  Status DecodeState(std::string_view bytes);

  // The evidence of a refused command, for the register stream.
  AppendBatch DeniedEvent(const Actor& actor, Permission permission, std::string_view command) const;

  // Who approves `permission` for `actor`: "" when the actor's role allows it,
  // the approver's id when theirs does, else kPermissionDenied.
  static Result<std::string> Authorise(const Actor& actor, const std::optional<Actor>& approver,
                                       Permission permission);

 private:
  Result<const Receipt*> OpenReceipt(std::string_view receipt_id) const;  // must be open (not parked)
  AppendBatch ReceiptBatch(const Receipt& receipt, const Actor& actor) const;
  AppendBatch RegisterBatch(const Actor& actor) const;
  void StartDayIfNeeded(int64_t wall_time_us);

  std::string node_id_;
  std::string node_prefix_;  // first 8 hex digits of the node id
  std::string register_stream_;
  uint64_t register_version_ = 0;
  std::optional<std::string> signed_on_;
  uint64_t receipts_opened_ = 0;
  uint64_t last_receipt_number_ = 0;
  uint64_t last_z_number_ = 0;
  std::map<std::string, Receipt, std::less<>> open_;       // open and parked receipts
  std::map<uint64_t, ClosedReceiptRecord> closed_;         // by receipt number
  std::map<std::string, std::string, std::less<>> taken_over_;  // source receipt id -> own receipt id
  DayFigures day_;
  bool day_started_ = false;
};

}  // namespace pos
