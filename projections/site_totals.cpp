#include "projections/site_totals.h"

#include <nlohmann/json.hpp>

#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/receipts_generated.h"
#include "projections/receipt_journal.h"

namespace pos {
namespace {

using nlohmann::json;

constexpr std::string_view kAll = "all";

std::string Encode(const SiteDayTotals& t) {
  const json j = {{"r", t.receipts}, {"rf", t.refunds}, {"c", t.cancelled}, {"to", t.total}, {"p", t.payments}};
  const std::vector<uint8_t> bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

Result<SiteDayTotals> Decode(std::string_view key, std::string_view value) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption("site totals record " + std::string(key) + " is malformed: " + std::string(why));
  };
  const json j = json::from_cbor(value.begin(), value.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a CBOR map");
  try {
    SiteDayTotals t;
    t.receipts = j.value("r", uint64_t{0});
    t.refunds = j.value("rf", uint64_t{0});
    t.cancelled = j.value("c", uint64_t{0});
    t.total = j.value("to", int64_t{0});
    if (auto it = j.find("p"); it != j.end()) t.payments = it->get<std::map<std::string, int64_t>>();
    return t;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

Status AddTo(ProjectionState& state, const std::string& key, const SiteDayTotals& delta) {
  POS_ASSIGN_OR_RETURN(auto stored, state.Get(key));
  SiteDayTotals sum;
  if (stored.has_value()) {
    POS_ASSIGN_OR_RETURN(sum, Decode(key, *stored));
  }
  sum.receipts += delta.receipts;
  sum.refunds += delta.refunds;
  sum.cancelled += delta.cancelled;
  sum.total += delta.total;
  for (const auto& [label, amount] : delta.payments) sum.payments[label] += amount;
  return state.Put(key, Encode(sum));
}

}  // namespace

Status SiteTotalsProjection::Apply(const EventView& event, ProjectionState& state) {
  const auto type = static_cast<EventType>(event.type());
  SiteDayTotals delta;
  if (type == EventType::kReceiptClosed) {
    const auto* p = event.PayloadAs<fb::ReceiptClosed>();
    if (p == nullptr) {
      return Status::Corruption("site totals: event " + ToHex(event.origin()) + "/" +
                                std::to_string(event.origin_seq()) + " (ReceiptClosed) has a malformed payload");
    }
    delta.receipts = 1;
    delta.refunds = p->refund_of_number() != 0 ? 1 : 0;
    delta.total = p->total();
    if (p->payments() != nullptr) {
      for (const auto* payment : *p->payments()) {
        delta.payments[PaymentTypeLabel(static_cast<uint8_t>(payment->type()))] += payment->amount();
      }
    }
  } else if (type == EventType::kReceiptCancelled) {
    delta.cancelled = 1;
  } else {
    return Status::Ok();
  }
  const std::string day = "day/" + UtcDay(event.wall_time_us()) + "/";
  POS_RETURN_IF_ERROR(AddTo(state, day + ToHex(event.origin()), delta));
  return AddTo(state, day + std::string(kAll), delta);
}

Result<std::map<std::string, SiteDayTotals>> SiteTotalsView::Day(std::string_view day) const {
  if (!IsDay(day)) return Status::InvalidArgument("'" + std::string(day) + "' is not a day (YYYY-MM-DD)");
  const std::string prefix = "day/" + std::string(day) + "/";
  std::map<std::string, SiteDayTotals> out;
  Status bad;
  POS_RETURN_IF_ERROR(reader_.ScanPrefix(prefix, [&](std::string_view key, std::string_view value) {
    auto totals = Decode(key, value);
    if (!totals.ok()) {
      bad = totals.status();
      return false;
    }
    out[std::string(key.substr(prefix.size()))] = std::move(totals).value();
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return out;
}

Result<std::map<std::string, SiteDayTotals>> SiteTotalsView::Days() const {
  std::map<std::string, SiteDayTotals> out;
  Status bad;
  POS_RETURN_IF_ERROR(reader_.ScanPrefix("day/", [&](std::string_view key, std::string_view value) {
    // "day/<YYYY-MM-DD>/<till or all>"
    if (!key.ends_with("/all")) return true;
    auto totals = Decode(key, value);
    if (!totals.ok()) {
      bad = totals.status();
      return false;
    }
    out[std::string(key.substr(4, 10))] = std::move(totals).value();
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return out;
}

}  // namespace pos
