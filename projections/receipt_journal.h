// ReceiptJournal: every finished receipt of every till, as it was closed or
// cancelled, with its lines, payments and tax totals. Read by auditors and the
// receipt reprint; the till projections (z_reports, period_totals,
// article_sales) share this header's small value types and date helpers.
//
// A receipt is built while it is open, from the events of its stream
// "receipt/<id>" (ReceiptOpened, LineAdded, LineVoided, LineDiscountGranted,
// ReceiptDiscountGranted, PaymentAdded, ReceiptResumed), and published when
// ReceiptClosed or ReceiptCancelled arrives. Events of a receipt that is not
// open here (never opened, or finished already) change nothing but the
// "orphan_events" counter.
//
// Till: the lower-case hex of the origin node id of the receipt's events (32 digits).
// Day: the UTC date "YYYY-MM-DD" of the closing (cancelling) event's wall time.
//
// Keys (BE8 = u64 big-endian, so bytewise order is numeric order):
//   "open/<till>/<receipt id>"                   -> Record of a receipt still open
//   "receipt/<till>/<number BE8>"                -> Record of a closed receipt
//   "date/<day>/<till>/<number BE8>"             -> receipt id (index of closed receipts)
//   "cancelled/<till>/<ordinal BE8>"             -> Record of a cancelled receipt; the
//                                                   ordinal is dense from 1 per till
//   "cancelled_date/<day>/<till>/<ordinal BE8>"  -> receipt id (index of cancelled receipts)
//   "count/cancelled/<till>"                     -> u64 BE: the till's last ordinal
//   "orphan_events"                              -> u64 BE counter
//   "count/handed_over/<till>"                   -> u64 BE: receipts the till parked to the
//                                                   site (ReceiptHandedOver ends them here)
// Record: a JournalReceipt as CBOR (RFC 8949) of a map with short field names,
// written by CborWriter and read with nlohmann_json; the field names are listed
// in receipt_journal.cpp next to the encoder. A record is written once per
// receipt and chunk, not per event (ReceiptJournalProjection::OpenReceipt). Unknown fields are ignored on decoding, missing ones take their
// defaults, so Version() only needs a bump when a meaning changes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "projections/projection.h"

namespace pos {

// ---- Shared by the till projections ----------------------------------------

// "YYYY-MM-DD" (UTC, proleptic Gregorian) of a wall time in microseconds since
// the Unix epoch. Precondition: the year is within 0000..9999.
std::string UtcDay(int64_t wall_time_us);
// True for a well-formed "YYYY-MM-DD" (month 01-12, day 01-31), "YYYY-MM" or "YYYY".
bool IsDay(std::string_view text);
bool IsMonth(std::string_view text);
bool IsYear(std::string_view text);

// A till (node id hex) as the keys spell it: lower case.
std::string TillKey(std::string_view till);

// The name of a fb::PaymentType value: "cash", "card", "voucher"; "type<N>" for
// a value this code does not know.
std::string PaymentTypeLabel(uint8_t type);

// The tax figures of one tax rate (as in fb::TaxLine). Amounts in minor units.
struct TaxFigures {
  std::string tax_rate;  // tax rate code
  uint32_t basis_points = 0;
  int64_t gross = 0;
  int64_t net = 0;
  int64_t tax = 0;
  bool operator==(const TaxFigures&) const = default;
};

// ---- The receipt journal ----------------------------------------------------

struct JournalLine {
  uint32_t line_no = 0;
  std::string article_code;
  std::string name;
  std::string group;
  int64_t quantity = 0;    // negative on refunds
  int64_t unit_price = 0;  // gross
  int64_t discount = 0;    // sum of the line's LineDiscountGranted amounts
  bool voided = false;
  bool price_overridden = false;
  std::string tax_rate;
  uint32_t tax_basis_points = 0;
  // quantity * unit_price - discount, 0 when voided.
  int64_t Amount() const { return voided ? 0 : quantity * unit_price - discount; }
  bool operator==(const JournalLine&) const = default;
};

// A payment as tendered (PaymentAdded), before change.
struct JournalPayment {
  std::string type;  // PaymentTypeLabel
  int64_t amount = 0;
  std::string reference;
  bool operator==(const JournalPayment&) const = default;
};

enum class JournalStatus : uint8_t { kOpen = 0, kClosed = 1, kCancelled = 2 };

struct JournalReceipt {
  std::string till;  // origin node id hex
  std::string receipt_id;
  JournalStatus status = JournalStatus::kOpen;
  uint64_t number = 0;        // 0 unless closed
  uint64_t cancel_ordinal = 0;  // 0 unless cancelled
  std::string opened_by;      // cashier of ReceiptOpened
  std::string cashier;        // cashier of ReceiptClosed (the last one to resume it before that)
  bool training = false;
  int64_t opened_at_us = 0;
  int64_t closed_at_us = 0;   // wall time of ReceiptClosed / ReceiptCancelled
  uint64_t refund_of_number = 0;  // 0: a sale
  std::string refund_of_till;
  std::vector<JournalLine> lines;  // in line_no order
  int64_t receipt_discount = 0;
  std::vector<JournalPayment> payments;  // as tendered, in order
  // From ReceiptClosed (closed receipts only):
  int64_t total = 0;
  int64_t change = 0;
  std::vector<TaxFigures> tax_lines;
  std::map<std::string, int64_t> kept;  // payment type label -> amount kept (cash net of change)
  uint32_t line_count = 0;
  uint32_t voided_lines = 0;
  // From ReceiptCancelled:
  std::string cancel_reason;
  std::string cancel_approved_by;

  bool operator==(const JournalReceipt&) const = default;
};

class ReceiptJournalProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "receipt_journal";
  std::string_view Name() const override { return kName; }
  uint32_t Version() const override { return 1; }
  Status Apply(const EventView& event, ProjectionState& state) override;
  // Writes the receipts still open at the chunk's end ("open/..." records).
  Status FinishChunk(ProjectionState& state) override;
  void AbandonChunk() override;

 private:
  // A receipt open within the chunk in progress: its events are folded here and
  // its record is written once, when it closes (or is cancelled, or handed over)
  // or, if still open, by FinishChunk, instead of read, decoded, re-encoded and
  // written per event.
  struct OpenReceipt {
    JournalReceipt receipt;
    bool stored = false;  // an "open/..." record of it is committed (from an earlier chunk)
  };
  const std::string& TillOf(const EventView& event);

  std::unordered_map<std::string, OpenReceipt> open_;  // by "open/<till>/<receipt id>" key
  std::string last_origin_;  // TillOf's cache: the last origin seen and its hex
  std::string last_till_;
};

// Queries over the journal's committed state. `till` is a node id in hex (either case).
// Day arguments are "YYYY-MM-DD", inclusive; a malformed one is kInvalidArgument.
class ReceiptJournalView {
 public:
  explicit ReceiptJournalView(ProjectionReader reader) : reader_(reader) {}

  // The closed receipt `number` of `till`.
  Result<std::optional<JournalReceipt>> Find(std::string_view till, uint64_t number) const;
  // Every closed receipt of `till`, in number order.
  Result<std::vector<JournalReceipt>> ClosedOfTill(std::string_view till) const;
  // Closed receipts whose closing day is in [from_day, to_day], by (day, till, number).
  Result<std::vector<JournalReceipt>> ClosedBetween(std::string_view from_day, std::string_view to_day) const;
  // Cancelled receipts of `till`, in the order they were cancelled.
  Result<std::vector<JournalReceipt>> CancelledOfTill(std::string_view till) const;
  // Cancelled receipts whose cancelling day is in [from_day, to_day], by (day, till, ordinal).
  Result<std::vector<JournalReceipt>> CancelledBetween(std::string_view from_day, std::string_view to_day) const;
  // Receipts still open (or parked), by (till, receipt id).
  Result<std::vector<JournalReceipt>> Open() const;
  // Receipt events whose receipt was not open when they arrived.
  Result<uint64_t> OrphanEvents() const;

 private:
  Result<std::vector<JournalReceipt>> Between(std::string_view index, std::string_view record,
                                              std::string_view from_day, std::string_view to_day) const;
  Result<std::vector<JournalReceipt>> List(const std::string& prefix) const;
  ProjectionReader reader_;
};

}  // namespace pos
