#include "projections/z_reports.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/register_generated.h"

namespace pos {
namespace {

using nlohmann::json;

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

std::string Key(std::string_view till, uint64_t z_number) {
  std::string key = "z/" + std::string(till) + "/";
  AppendBigEndian64(key, z_number);
  return key;
}

template <typename T>
void Field(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end()) out = it->template get<T>();
}

// Record fields: t till, z z_number, ca closed at us, cb closed by, fr/lr first/last
// receipt, oa opened at us, r receipts, rf refunds, cn cancelled, vl voided lines,
// to total, tx tax lines (r rate, bp basis points, g gross, n net, t tax),
// p payments {label: amount}, c cashiers {user: [receipts, total]}, ci/co cash in/out,
// ec expected cash, cc counted cash, d difference, ab approved by.
std::string Encode(const ZReportRecord& z) {
  json tax = json::array();
  for (const TaxFigures& t : z.tax_lines) {
    tax.push_back({{"r", t.tax_rate}, {"bp", t.basis_points}, {"g", t.gross}, {"n", t.net}, {"t", t.tax}});
  }
  json cashiers = json::object();
  for (const auto& [user, figures] : z.cashiers) cashiers[user] = json::array({figures.receipts, figures.total});
  const json j = {{"t", z.till},          {"z", z.z_number},       {"ca", z.closed_at_us},    {"cb", z.closed_by},
                  {"fr", z.first_receipt}, {"lr", z.last_receipt},  {"oa", z.opened_at_us},    {"r", z.receipts},
                  {"rf", z.refunds},       {"cn", z.cancelled},     {"vl", z.voided_lines},    {"to", z.total},
                  {"tx", std::move(tax)},  {"p", z.payments},       {"c", std::move(cashiers)}, {"ci", z.cash_in},
                  {"co", z.cash_out},      {"ec", z.expected_cash}, {"cc", z.counted_cash},    {"d", z.difference},
                  {"ab", z.approved_by}};
  const std::vector<uint8_t> bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

Result<ZReportRecord> Decode(std::string_view key, std::string_view value) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption("z report record " + ToHex(key) + " is malformed: " + std::string(why));
  };
  const json j = json::from_cbor(value.begin(), value.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a CBOR map");
  try {
    ZReportRecord z;
    Field(j, "t", z.till);
    Field(j, "z", z.z_number);
    Field(j, "ca", z.closed_at_us);
    Field(j, "cb", z.closed_by);
    Field(j, "fr", z.first_receipt);
    Field(j, "lr", z.last_receipt);
    Field(j, "oa", z.opened_at_us);
    Field(j, "r", z.receipts);
    Field(j, "rf", z.refunds);
    Field(j, "cn", z.cancelled);
    Field(j, "vl", z.voided_lines);
    Field(j, "to", z.total);
    if (auto it = j.find("tx"); it != j.end()) {
      for (const json& t : *it) {
        TaxFigures tax;
        Field(t, "r", tax.tax_rate);
        Field(t, "bp", tax.basis_points);
        Field(t, "g", tax.gross);
        Field(t, "n", tax.net);
        Field(t, "t", tax.tax);
        z.tax_lines.push_back(std::move(tax));
      }
    }
    Field(j, "p", z.payments);
    if (auto it = j.find("c"); it != j.end()) {
      for (const auto& [user, figures] : it->items()) {
        z.cashiers[user] = {figures.at(0).get<uint32_t>(), figures.at(1).get<int64_t>()};
      }
    }
    Field(j, "ci", z.cash_in);
    Field(j, "co", z.cash_out);
    Field(j, "ec", z.expected_cash);
    Field(j, "cc", z.counted_cash);
    Field(j, "d", z.difference);
    Field(j, "ab", z.approved_by);
    return z;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

}  // namespace

Status ZReportsProjection::Apply(const EventView& event, ProjectionState& state) {
  if (event.type() != static_cast<uint32_t>(EventType::kDayClosed)) return Status::Ok();
  const auto* p = event.PayloadAs<fb::DayClosed>();
  if (p == nullptr) {
    return Status::Corruption("z reports: event " + ToHex(event.origin()) + "/" + std::to_string(event.origin_seq()) +
                              " (DayClosed) has a malformed payload");
  }
  ZReportRecord z;
  z.till = ToHex(event.origin());
  z.z_number = p->z_number();
  z.closed_at_us = event.wall_time_us();
  z.closed_by = std::string(event.user());
  z.first_receipt = p->first_receipt();
  z.last_receipt = p->last_receipt();
  z.opened_at_us = p->opened_at_us();
  z.receipts = p->receipts();
  z.refunds = p->refunds();
  z.cancelled = p->cancelled();
  z.voided_lines = p->voided_lines();
  z.total = p->total();
  if (p->tax_lines() != nullptr) {
    for (const auto* t : *p->tax_lines()) {
      z.tax_lines.push_back({Str(t->tax_rate()), t->basis_points(), t->gross(), t->net(), t->tax()});
    }
  }
  if (p->payments() != nullptr) {
    for (const auto* payment : *p->payments()) {
      z.payments[PaymentTypeLabel(static_cast<uint8_t>(payment->type()))] += payment->amount();
    }
  }
  if (p->cashiers() != nullptr) {
    for (const auto* c : *p->cashiers()) {
      ZCashierTotal& figures = z.cashiers[Str(c->cashier())];
      figures.receipts += c->receipts();
      figures.total += c->total();
    }
  }
  z.cash_in = p->cash_in();
  z.cash_out = p->cash_out();
  z.expected_cash = p->expected_cash();
  z.counted_cash = p->counted_cash();
  z.difference = p->difference();
  z.approved_by = Str(p->approved_by());
  return state.Put(Key(z.till, z.z_number), Encode(z));
}

Result<std::optional<ZReportRecord>> ZReportsView::Find(std::string_view till, uint64_t z_number) const {
  const std::string key = Key(TillKey(till), z_number);
  POS_ASSIGN_OR_RETURN(auto value, reader_.Get(key));
  if (!value.has_value()) return std::optional<ZReportRecord>();
  POS_ASSIGN_OR_RETURN(ZReportRecord z, Decode(key, *value));
  return std::optional<ZReportRecord>(std::move(z));
}

Result<std::vector<ZReportRecord>> ZReportsView::List(const std::string& prefix) const {
  return DecodeAll<ZReportRecord>(reader_, prefix,
                                  [](std::string_view key, std::string_view value) { return Decode(key, value); });
}

Result<std::vector<ZReportRecord>> ZReportsView::OfTill(std::string_view till) const {
  return List("z/" + TillKey(till) + "/");
}

Result<std::vector<ZReportRecord>> ZReportsView::All() const { return List("z/"); }

}  // namespace pos
