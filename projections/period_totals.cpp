#include "projections/period_totals.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/receipts_generated.h"

namespace pos {
namespace {

using nlohmann::json;

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

std::string Encode(const PeriodTotals& t) {
  json tax = json::object();
  for (const auto& [code, f] : t.tax) tax[code] = json::array({f.basis_points, f.gross, f.net, f.tax});
  const json j = {{"r", t.receipts}, {"rf", t.refunds}, {"to", t.total}, {"tx", std::move(tax)}, {"p", t.payments}};
  const std::vector<uint8_t> bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

Result<PeriodTotals> Decode(std::string_view key, std::string_view value) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption("period totals record " + std::string(key) + " is malformed: " + std::string(why));
  };
  const json j = json::from_cbor(value.begin(), value.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a CBOR map");
  try {
    PeriodTotals t;
    t.receipts = j.value("r", uint64_t{0});
    t.refunds = j.value("rf", uint64_t{0});
    t.total = j.value("to", int64_t{0});
    if (auto it = j.find("tx"); it != j.end()) {
      for (const auto& [code, f] : it->items()) {
        t.tax[code] = {code, f.at(0).get<uint32_t>(), f.at(1).get<int64_t>(), f.at(2).get<int64_t>(),
                       f.at(3).get<int64_t>()};
      }
    }
    if (auto it = j.find("p"); it != j.end()) t.payments = it->get<std::map<std::string, int64_t>>();
    return t;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

// The totals one ReceiptClosed adds.
struct Delta {
  bool refund = false;
  int64_t total = 0;
  std::vector<TaxFigures> tax;
  std::vector<std::pair<std::string, int64_t>> payments;
};

void Add(PeriodTotals& t, const Delta& d) {
  ++t.receipts;
  if (d.refund) ++t.refunds;
  t.total += d.total;
  for (const TaxFigures& f : d.tax) {
    TaxFigures& sum = t.tax[f.tax_rate];
    sum.tax_rate = f.tax_rate;
    sum.basis_points = f.basis_points;
    sum.gross += f.gross;
    sum.net += f.net;
    sum.tax += f.tax;
  }
  for (const auto& [label, amount] : d.payments) t.payments[label] += amount;
}

}  // namespace

Status PeriodTotalsProjection::Apply(const EventView& event, ProjectionState& state) {
  if (event.type() != static_cast<uint32_t>(EventType::kReceiptClosed)) return Status::Ok();
  const auto* p = event.PayloadAs<fb::ReceiptClosed>();
  if (p == nullptr) {
    return Status::Corruption("period totals: event " + ToHex(event.origin()) + "/" +
                              std::to_string(event.origin_seq()) + " (ReceiptClosed) has a malformed payload");
  }
  Delta delta;
  delta.refund = p->refund_of_number() != 0;
  delta.total = p->total();
  if (p->tax_lines() != nullptr) {
    for (const auto* t : *p->tax_lines()) {
      delta.tax.push_back({Str(t->tax_rate()), t->basis_points(), t->gross(), t->net(), t->tax()});
    }
  }
  if (p->payments() != nullptr) {
    for (const auto* payment : *p->payments()) {
      delta.payments.emplace_back(PaymentTypeLabel(static_cast<uint8_t>(payment->type())), payment->amount());
    }
  }
  const std::string day = UtcDay(event.wall_time_us());  // YYYY-MM-DD
  const std::string till = ToHex(event.origin());
  const std::string month = "month/" + day.substr(0, 7) + "/";
  const std::string year = "year/" + day.substr(0, 4) + "/";
  const std::string all(kAllTills);
  for (const std::string& key : {month + till, month + all, year + till, year + all}) {
    POS_ASSIGN_OR_RETURN(auto stored, state.Get(key));
    PeriodTotals totals;
    if (stored.has_value()) {
      POS_ASSIGN_OR_RETURN(totals, Decode(key, *stored));
    }
    Add(totals, delta);
    POS_RETURN_IF_ERROR(state.Put(key, Encode(totals)));
  }
  return Status::Ok();
}

namespace {

std::string TillOrAll(std::string_view till) { return till.empty() ? std::string(kAllTills) : TillKey(till); }

}  // namespace

Result<PeriodTotals> PeriodTotalsView::One(const std::string& key) const {
  POS_ASSIGN_OR_RETURN(auto value, reader_.Get(key));
  if (!value.has_value()) return PeriodTotals{};
  return Decode(key, *value);
}

Result<PeriodTotals> PeriodTotalsView::Month(std::string_view month, std::string_view till) const {
  if (!IsMonth(month)) return Status::InvalidArgument("a month is YYYY-MM (got '" + std::string(month) + "')");
  return One("month/" + std::string(month) + "/" + TillOrAll(till));
}

Result<PeriodTotals> PeriodTotalsView::Year(std::string_view year, std::string_view till) const {
  if (!IsYear(year)) return Status::InvalidArgument("a year is YYYY (got '" + std::string(year) + "')");
  return One("year/" + std::string(year) + "/" + TillOrAll(till));
}

Result<std::map<std::string, PeriodTotals>> PeriodTotalsView::Scan(const std::string& prefix,
                                                                   std::string_view till_filter) const {
  std::map<std::string, PeriodTotals> out;
  Status bad;
  POS_RETURN_IF_ERROR(reader_.ScanPrefix(prefix, [&](std::string_view key, std::string_view value) {
    std::string_view rest = key.substr(prefix.size());
    if (!till_filter.empty()) {
      // rest is "<period>/<till>": keep the period of the wanted till.
      const size_t slash = rest.find('/');
      if (slash == std::string_view::npos || rest.substr(slash + 1) != till_filter) return true;
      rest = rest.substr(0, slash);
    }
    auto totals = Decode(key, value);
    if (!totals.ok()) {
      bad = totals.status();
      return false;
    }
    out[std::string(rest)] = std::move(totals).value();
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return out;
}

Result<std::map<std::string, PeriodTotals>> PeriodTotalsView::MonthByTill(std::string_view month) const {
  if (!IsMonth(month)) return Status::InvalidArgument("a month is YYYY-MM (got '" + std::string(month) + "')");
  return Scan("month/" + std::string(month) + "/", {});
}

Result<std::map<std::string, PeriodTotals>> PeriodTotalsView::YearByTill(std::string_view year) const {
  if (!IsYear(year)) return Status::InvalidArgument("a year is YYYY (got '" + std::string(year) + "')");
  return Scan("year/" + std::string(year) + "/", {});
}

Result<std::map<std::string, PeriodTotals>> PeriodTotalsView::Months(std::string_view till) const {
  return Scan("month/", TillOrAll(till));
}

Result<std::map<std::string, PeriodTotals>> PeriodTotalsView::Years(std::string_view till) const {
  return Scan("year/", TillOrAll(till));
}

}  // namespace pos
