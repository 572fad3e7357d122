#include "projections/receipt_journal.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/bytes.h"
#include "projections/cbor_writer.h"
#include "events/event_types.h"
#include "events/receipts_generated.h"

namespace pos {

// ---- Shared helpers ----------------------------------------------------------

namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;
// 0000-01-01 and 9999-12-31 in days since 1970-01-01: the range UtcDay renders.
constexpr int64_t kFirstDay = -719'528;
constexpr int64_t kLastDay = 2'932'896;

std::string Padded(int64_t value, size_t width) {
  std::string text = std::to_string(value);
  if (text.size() < width) text.insert(0, width - text.size(), '0');
  return text;
}

bool Digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int Number(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

std::string UtcDay(int64_t wall_time_us) {
  // Days since the epoch, rounded down, then Howard Hinnant's civil_from_days.
  int64_t days = wall_time_us / kMicrosPerDay;
  if (wall_time_us % kMicrosPerDay < 0) --days;
  days = std::clamp(days, kFirstDay, kLastDay) + 719'468;
  const int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  const int64_t day_of_era = days - era * 146'097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // March = 0
  const int64_t day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const int64_t month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return Padded(year, 4) + "-" + Padded(month, 2) + "-" + Padded(day, 2);
}

bool IsYear(std::string_view text) { return text.size() == 4 && Digits(text); }

bool IsMonth(std::string_view text) {
  if (text.size() != 7 || text[4] != '-' || !IsYear(text.substr(0, 4)) || !Digits(text.substr(5, 2))) return false;
  const int month = Number(text.substr(5, 2));
  return month >= 1 && month <= 12;
}

bool IsDay(std::string_view text) {
  if (text.size() != 10 || text[7] != '-' || !IsMonth(text.substr(0, 7)) || !Digits(text.substr(8, 2))) return false;
  const int day = Number(text.substr(8, 2));
  return day >= 1 && day <= 31;
}

std::string TillKey(std::string_view till) {
  std::string out(till);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string PaymentTypeLabel(uint8_t type) {
  switch (static_cast<fb::PaymentType>(type)) {
    case fb::PaymentType::Cash: return "cash";
    case fb::PaymentType::Card: return "card";
    case fb::PaymentType::Voucher: return "voucher";
  }
  return "type" + std::to_string(type);
}

// ---- The receipt journal ----------------------------------------------------

namespace {

using nlohmann::json;

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

// Sets `out` from j[key] when the field is present; a field of the wrong type throws
// (caught by Decode).
template <typename T>
void Field(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end()) out = it->template get<T>();
}

// Record fields: t till, id receipt id, s status, n number, co cancel ordinal,
// ob opened by, c cashier, tr training, oa opened at us, ca closed at us,
// rn/rt refund of number/till, l lines, rd receipt discount, p payments,
// to total, ch change, tx tax lines, k kept payments, lc line count,
// vl voided lines, cr cancel reason, cb cancel approved by.
// Line: no, a article code, nm name, g group, q quantity, u unit price,
// d discount, v voided, po price overridden, r tax rate, bp basis points.
// Payment: ty type label, am amount, rf reference.
// Tax line: r rate, bp basis points, g gross, n net, t tax.
std::string Encode(const JournalReceipt& r) {
  std::string out;
  out.reserve(256 + 96 * r.lines.size());
  CborWriter w(out);
  w.Map(23);
  w.Key("t"); w.Text(r.till);
  w.Key("id"); w.Text(r.receipt_id);
  w.Key("s"); w.Unsigned(static_cast<uint8_t>(r.status));
  w.Key("n"); w.Unsigned(r.number);
  w.Key("co"); w.Unsigned(r.cancel_ordinal);
  w.Key("ob"); w.Text(r.opened_by);
  w.Key("c"); w.Text(r.cashier);
  w.Key("tr"); w.Bool(r.training);
  w.Key("oa"); w.Signed(r.opened_at_us);
  w.Key("ca"); w.Signed(r.closed_at_us);
  w.Key("rn"); w.Unsigned(r.refund_of_number);
  w.Key("rt"); w.Text(r.refund_of_till);
  w.Key("l"); w.Array(r.lines.size());
  for (const JournalLine& l : r.lines) {
    w.Map(11);
    w.Key("no"); w.Unsigned(l.line_no);
    w.Key("a"); w.Text(l.article_code);
    w.Key("nm"); w.Text(l.name);
    w.Key("g"); w.Text(l.group);
    w.Key("q"); w.Signed(l.quantity);
    w.Key("u"); w.Signed(l.unit_price);
    w.Key("d"); w.Signed(l.discount);
    w.Key("v"); w.Bool(l.voided);
    w.Key("po"); w.Bool(l.price_overridden);
    w.Key("r"); w.Text(l.tax_rate);
    w.Key("bp"); w.Unsigned(l.tax_basis_points);
  }
  w.Key("rd"); w.Signed(r.receipt_discount);
  w.Key("p"); w.Array(r.payments.size());
  for (const JournalPayment& p : r.payments) {
    w.Map(3);
    w.Key("ty"); w.Text(p.type);
    w.Key("am"); w.Signed(p.amount);
    w.Key("rf"); w.Text(p.reference);
  }
  w.Key("to"); w.Signed(r.total);
  w.Key("ch"); w.Signed(r.change);
  w.Key("tx"); w.Array(r.tax_lines.size());
  for (const TaxFigures& t : r.tax_lines) {
    w.Map(5);
    w.Key("r"); w.Text(t.tax_rate);
    w.Key("bp"); w.Unsigned(t.basis_points);
    w.Key("g"); w.Signed(t.gross);
    w.Key("n"); w.Signed(t.net);
    w.Key("t"); w.Signed(t.tax);
  }
  w.Key("k"); w.Map(r.kept.size());
  for (const auto& [type, amount] : r.kept) {
    w.Key(type);
    w.Signed(amount);
  }
  w.Key("lc"); w.Unsigned(r.line_count);
  w.Key("vl"); w.Unsigned(r.voided_lines);
  w.Key("cr"); w.Text(r.cancel_reason);
  w.Key("cb"); w.Text(r.cancel_approved_by);
  return out;
}

Result<JournalReceipt> Decode(std::string_view key, std::string_view value) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption("receipt journal record " + ToHex(key) + " is malformed: " + std::string(why));
  };
  const json j = json::from_cbor(value.begin(), value.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a CBOR map");
  try {
    JournalReceipt r;
    Field(j, "t", r.till);
    Field(j, "id", r.receipt_id);
    uint8_t status = 0;
    Field(j, "s", status);
    if (status > static_cast<uint8_t>(JournalStatus::kCancelled)) return bad("unknown status");
    r.status = static_cast<JournalStatus>(status);
    Field(j, "n", r.number);
    Field(j, "co", r.cancel_ordinal);
    Field(j, "ob", r.opened_by);
    Field(j, "c", r.cashier);
    Field(j, "tr", r.training);
    Field(j, "oa", r.opened_at_us);
    Field(j, "ca", r.closed_at_us);
    Field(j, "rn", r.refund_of_number);
    Field(j, "rt", r.refund_of_till);
    if (auto it = j.find("l"); it != j.end()) {
      for (const json& l : *it) {
        JournalLine line;
        Field(l, "no", line.line_no);
        Field(l, "a", line.article_code);
        Field(l, "nm", line.name);
        Field(l, "g", line.group);
        Field(l, "q", line.quantity);
        Field(l, "u", line.unit_price);
        Field(l, "d", line.discount);
        Field(l, "v", line.voided);
        Field(l, "po", line.price_overridden);
        Field(l, "r", line.tax_rate);
        Field(l, "bp", line.tax_basis_points);
        r.lines.push_back(std::move(line));
      }
    }
    Field(j, "rd", r.receipt_discount);
    if (auto it = j.find("p"); it != j.end()) {
      for (const json& p : *it) {
        JournalPayment payment;
        Field(p, "ty", payment.type);
        Field(p, "am", payment.amount);
        Field(p, "rf", payment.reference);
        r.payments.push_back(std::move(payment));
      }
    }
    Field(j, "to", r.total);
    Field(j, "ch", r.change);
    if (auto it = j.find("tx"); it != j.end()) {
      for (const json& t : *it) {
        TaxFigures tax;
        Field(t, "r", tax.tax_rate);
        Field(t, "bp", tax.basis_points);
        Field(t, "g", tax.gross);
        Field(t, "n", tax.net);
        Field(t, "t", tax.tax);
        r.tax_lines.push_back(std::move(tax));
      }
    }
    Field(j, "k", r.kept);
    Field(j, "lc", r.line_count);
    Field(j, "vl", r.voided_lines);
    Field(j, "cr", r.cancel_reason);
    Field(j, "cb", r.cancel_approved_by);
    return r;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

Status Malformed(const EventView& event) {
  const EventTypeInfo* info = FindEventType(event.type());
  return Status::Corruption("receipt journal: event " + ToHex(event.origin()) + "/" +
                            std::to_string(event.origin_seq()) + " (" +
                            std::string(info != nullptr ? info->name : "?") + ") has a malformed payload");
}

std::string Slash(std::string_view a, std::string_view b) {
  std::string out(a);
  out.push_back('/');
  out.append(b);
  return out;
}

std::string NumberKey(std::string_view prefix, std::string_view till, uint64_t number) {
  std::string key = Slash(prefix, till);
  key.push_back('/');
  AppendBigEndian64(key, number);
  return key;
}

bool IsReceiptEvent(EventType type) {
  switch (type) {
    case EventType::kReceiptOpened:
    case EventType::kLineAdded:
    case EventType::kLineVoided:
    case EventType::kLineDiscountGranted:
    case EventType::kReceiptDiscountGranted:
    case EventType::kPaymentAdded:
    case EventType::kReceiptParked:
    case EventType::kReceiptResumed:
    case EventType::kReceiptCancelled:
    case EventType::kReceiptClosed:
    case EventType::kReceiptHandedOver:
      return true;
    default:
      return false;
  }
}

JournalLine* FindLine(JournalReceipt& receipt, uint32_t line_no) {
  for (JournalLine& line : receipt.lines) {
    if (line.line_no == line_no) return &line;
  }
  return nullptr;
}

// Folds one event into an open receipt. Returns false when the payload is malformed.
bool Fold(const EventView& event, EventType type, JournalReceipt& r) {
  switch (type) {
    case EventType::kLineAdded: {
      const auto* p = event.PayloadAs<fb::LineAdded>();
      if (p == nullptr) return false;
      JournalLine line;
      line.line_no = p->line_no();
      line.article_code = Str(p->article_code());
      line.name = Str(p->name());
      line.group = Str(p->group());
      line.quantity = p->quantity();
      line.unit_price = p->unit_price();
      line.tax_rate = Str(p->tax_rate());
      line.tax_basis_points = p->tax_basis_points();
      line.price_overridden = p->price_overridden();
      r.lines.push_back(std::move(line));
      return true;
    }
    case EventType::kLineVoided: {
      const auto* p = event.PayloadAs<fb::LineVoided>();
      if (p == nullptr) return false;
      if (JournalLine* line = FindLine(r, p->line_no())) line->voided = true;
      return true;
    }
    case EventType::kLineDiscountGranted: {
      const auto* p = event.PayloadAs<fb::LineDiscountGranted>();
      if (p == nullptr) return false;
      if (JournalLine* line = FindLine(r, p->line_no())) line->discount += p->amount();
      return true;
    }
    case EventType::kReceiptDiscountGranted: {
      const auto* p = event.PayloadAs<fb::ReceiptDiscountGranted>();
      if (p == nullptr) return false;
      r.receipt_discount += p->amount();
      return true;
    }
    case EventType::kPaymentAdded: {
      const auto* p = event.PayloadAs<fb::PaymentAdded>();
      if (p == nullptr) return false;
      r.payments.push_back({PaymentTypeLabel(static_cast<uint8_t>(p->type())), p->amount(), Str(p->reference())});
      return true;
    }
    case EventType::kReceiptResumed: {
      const auto* p = event.PayloadAs<fb::ReceiptResumed>();
      if (p == nullptr) return false;
      r.cashier = Str(p->cashier());
      return true;
    }
    case EventType::kReceiptCancelled: {
      const auto* p = event.PayloadAs<fb::ReceiptCancelled>();
      if (p == nullptr) return false;
      r.status = JournalStatus::kCancelled;
      r.closed_at_us = event.wall_time_us();
      r.cancel_reason = Str(p->reason());
      r.cancel_approved_by = Str(p->approved_by());
      return true;
    }
    case EventType::kReceiptClosed: {
      const auto* p = event.PayloadAs<fb::ReceiptClosed>();
      if (p == nullptr) return false;
      r.status = JournalStatus::kClosed;
      r.closed_at_us = event.wall_time_us();
      r.number = p->number();
      r.cashier = Str(p->cashier());
      r.total = p->total();
      r.change = p->change();
      if (p->tax_lines() != nullptr) {
        for (const auto* t : *p->tax_lines()) {
          r.tax_lines.push_back({Str(t->tax_rate()), t->basis_points(), t->gross(), t->net(), t->tax()});
        }
      }
      if (p->payments() != nullptr) {
        for (const auto* payment : *p->payments()) {
          r.kept[PaymentTypeLabel(static_cast<uint8_t>(payment->type()))] += payment->amount();
        }
      }
      r.line_count = p->line_count();
      r.voided_lines = p->voided_lines();
      r.refund_of_number = p->refund_of_number();
      r.refund_of_till = Str(p->refund_of_till());
      return true;
    }
    default:
      return true;
  }
}

}  // namespace

const std::string& ReceiptJournalProjection::TillOf(const EventView& event) {
  if (event.origin() != last_origin_) {
    last_origin_.assign(event.origin());
    last_till_ = ToHex(event.origin());
  }
  return last_till_;
}

Status ReceiptJournalProjection::Apply(const EventView& event, ProjectionState& state) {
  const auto type = static_cast<EventType>(event.type());
  // A parked receipt keeps its lines and cashier: nothing to record.
  if (!IsReceiptEvent(type) || type == EventType::kReceiptParked) return Status::Ok();
  constexpr std::string_view kStreamPrefix = "receipt/";
  if (!event.stream().starts_with(kStreamPrefix)) return state.AddToCounter("orphan_events", 1);
  const std::string& till = TillOf(event);
  std::string open_key = "open/";
  open_key.append(till).push_back('/');
  open_key.append(event.stream().substr(kStreamPrefix.size()));

  if (type == EventType::kReceiptOpened) {
    const auto* p = event.PayloadAs<fb::ReceiptOpened>();
    if (p == nullptr) return Malformed(event);
    // A receipt's stream starts with its one ReceiptOpened, so no record of it is
    // stored yet unless this chunk already holds one (then it keeps its flag).
    OpenReceipt& open = open_[open_key];
    open.receipt = JournalReceipt{};
    JournalReceipt& r = open.receipt;
    r.till = till;
    r.receipt_id = Str(p->receipt_id());
    r.opened_by = Str(p->cashier());
    r.cashier = r.opened_by;
    r.training = p->training();
    r.opened_at_us = event.wall_time_us();
    r.refund_of_number = p->refund_of_number();
    r.refund_of_till = Str(p->refund_of_till());
    return Status::Ok();
  }

  auto it = open_.find(open_key);
  if (it == open_.end()) {
    POS_ASSIGN_OR_RETURN(auto stored, state.Get(open_key));
    if (!stored.has_value()) return state.AddToCounter("orphan_events", 1);
    POS_ASSIGN_OR_RETURN(JournalReceipt r, Decode(open_key, *stored));
    it = open_.emplace(open_key, OpenReceipt{std::move(r), /*stored=*/true}).first;
  }
  OpenReceipt& open = it->second;
  auto finish = [&]() -> Status {
    const bool stored = open.stored;
    open_.erase(it);
    return stored ? state.Delete(open_key) : Status::Ok();
  };
  if (type == EventType::kReceiptHandedOver) {
    // Parked to the site: finished here; the till taking it over journals it as its own receipt.
    POS_RETURN_IF_ERROR(state.AddToCounter("count/handed_over/" + till, 1));
    return finish();
  }
  JournalReceipt& r = open.receipt;
  if (!Fold(event, type, r)) return Malformed(event);

  switch (r.status) {
    case JournalStatus::kOpen:
      return Status::Ok();  // written by FinishChunk if still open then
    case JournalStatus::kClosed: {
      const std::string day = UtcDay(r.closed_at_us);
      POS_RETURN_IF_ERROR(state.Put(NumberKey("receipt", till, r.number), Encode(r)));
      POS_RETURN_IF_ERROR(state.Put(NumberKey("date/" + day, till, r.number), r.receipt_id));
      return finish();
    }
    case JournalStatus::kCancelled: {
      const std::string counter = "count/cancelled/" + till;
      POS_ASSIGN_OR_RETURN(uint64_t last, state.GetCounter(counter));
      r.cancel_ordinal = last + 1;
      POS_RETURN_IF_ERROR(state.Put(counter, BigEndian64(r.cancel_ordinal)));
      const std::string day = UtcDay(r.closed_at_us);
      POS_RETURN_IF_ERROR(state.Put(NumberKey("cancelled", till, r.cancel_ordinal), Encode(r)));
      POS_RETURN_IF_ERROR(state.Put(NumberKey("cancelled_date/" + day, till, r.cancel_ordinal), r.receipt_id));
      return finish();
    }
  }
  return Status::Ok();
}

Status ReceiptJournalProjection::FinishChunk(ProjectionState& state) {
  for (const auto& [key, open] : open_) POS_RETURN_IF_ERROR(state.Put(key, Encode(open.receipt)));
  open_.clear();
  return Status::Ok();
}

void ReceiptJournalProjection::AbandonChunk() { open_.clear(); }

// ---- Queries ----------------------------------------------------------------

Result<std::optional<JournalReceipt>> ReceiptJournalView::Find(std::string_view till, uint64_t number) const {
  const std::string key = NumberKey("receipt", TillKey(till), number);
  POS_ASSIGN_OR_RETURN(auto value, reader_.Get(key));
  if (!value.has_value()) return std::optional<JournalReceipt>();
  POS_ASSIGN_OR_RETURN(JournalReceipt receipt, Decode(key, *value));
  return std::optional<JournalReceipt>(std::move(receipt));
}

Result<std::vector<JournalReceipt>> ReceiptJournalView::List(const std::string& prefix) const {
  return DecodeAll<JournalReceipt>(reader_, prefix,
                                   [](std::string_view key, std::string_view value) { return Decode(key, value); });
}

Result<std::vector<JournalReceipt>> ReceiptJournalView::ClosedOfTill(std::string_view till) const {
  return List("receipt/" + TillKey(till) + "/");
}

Result<std::vector<JournalReceipt>> ReceiptJournalView::CancelledOfTill(std::string_view till) const {
  return List("cancelled/" + TillKey(till) + "/");
}

Result<std::vector<JournalReceipt>> ReceiptJournalView::Open() const { return List("open/"); }

Result<uint64_t> ReceiptJournalView::OrphanEvents() const { return reader_.GetCounter("orphan_events"); }

Result<std::vector<JournalReceipt>> ReceiptJournalView::ClosedBetween(std::string_view from_day,
                                                                      std::string_view to_day) const {
  return Between("date", "receipt", from_day, to_day);
}

Result<std::vector<JournalReceipt>> ReceiptJournalView::CancelledBetween(std::string_view from_day,
                                                                         std::string_view to_day) const {
  return Between("cancelled_date", "cancelled", from_day, to_day);
}

// Scans the index one month prefix at a time ("<index>/YYYY-MM-"), so a range
// costs its months, not the whole index; then reads each record it names.
Result<std::vector<JournalReceipt>> ReceiptJournalView::Between(std::string_view index, std::string_view record,
                                                                std::string_view from_day,
                                                                std::string_view to_day) const {
  if (!IsDay(from_day) || !IsDay(to_day)) {
    return Status::InvalidArgument("a day is YYYY-MM-DD (got '" + std::string(from_day) + "' to '" +
                                   std::string(to_day) + "')");
  }
  std::vector<std::pair<std::string, uint64_t>> found;  // (till, number or ordinal)
  if (from_day > to_day) return std::vector<JournalReceipt>();
  int year = Number(from_day.substr(0, 4));
  int month = Number(from_day.substr(5, 2));
  const int last_year = Number(to_day.substr(0, 4));
  const int last_month = Number(to_day.substr(5, 2));
  const size_t day_at = index.size() + 1;  // "<index>/" then the day
  const size_t rest_at = day_at + 11;      // "<day>/" then "<till>/<BE8>"
  while (year < last_year || (year == last_year && month <= last_month)) {
    const std::string prefix = std::string(index) + "/" + Padded(year, 4) + "-" + Padded(month, 2) + "-";
    POS_RETURN_IF_ERROR(reader_.ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
      if (key.size() < rest_at + 10) return true;  // not an index key of this layout
      const std::string_view day = key.substr(day_at, 10);
      if (day < from_day) return true;
      if (day > to_day) return false;
      const std::string_view rest = key.substr(rest_at);
      found.emplace_back(std::string(rest.substr(0, rest.size() - 9)), ReadBigEndian64(rest.substr(rest.size() - 8)));
      return true;
    }));
    if (++month > 12) {
      month = 1;
      ++year;
    }
  }
  std::vector<JournalReceipt> out;
  for (const auto& [till, number] : found) {
    const std::string key = NumberKey(record, till, number);
    POS_ASSIGN_OR_RETURN(auto value, reader_.Get(key));
    if (!value.has_value()) {
      return Status::Corruption("receipt journal index names " + std::string(record) + " " + till + "/" +
                                std::to_string(number) + ", which is missing");
    }
    POS_ASSIGN_OR_RETURN(JournalReceipt receipt, Decode(key, *value));
    out.push_back(std::move(receipt));
  }
  return out;
}

}  // namespace pos
