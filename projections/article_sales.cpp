#include "projections/article_sales.h"

#include <algorithm>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/receipts_generated.h"
#include "projections/receipt_journal.h"

namespace pos {
namespace {

using nlohmann::json;
__extension__ typedef __int128 Int128;  // discount * amount never overflows

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

struct OpenLine {
  uint32_t line_no = 0;
  std::string code;
  std::string name;
  int64_t quantity = 0;
  int64_t unit_price = 0;
  int64_t discount = 0;
  bool voided = false;
};

struct OpenReceipt {
  int64_t discount = 0;  // receipt discounts
  std::vector<OpenLine> lines;
};

std::string EncodeOpen(const OpenReceipt& r) {
  json lines = json::array();
  for (const OpenLine& l : r.lines) {
    lines.push_back(json::array({l.line_no, l.code, l.name, l.quantity, l.unit_price, l.discount, l.voided}));
  }
  const json j = {{"d", r.discount}, {"l", std::move(lines)}};
  const std::vector<uint8_t> bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

Result<OpenReceipt> DecodeOpen(std::string_view key, std::string_view value) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption("article sales record " + std::string(key) + " is malformed: " + std::string(why));
  };
  const json j = json::from_cbor(value.begin(), value.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a CBOR map");
  try {
    OpenReceipt r;
    r.discount = j.value("d", int64_t{0});
    if (auto it = j.find("l"); it != j.end()) {
      for (const json& l : *it) {
        r.lines.push_back({l.at(0).get<uint32_t>(), l.at(1).get<std::string>(), l.at(2).get<std::string>(),
                           l.at(3).get<int64_t>(), l.at(4).get<int64_t>(), l.at(5).get<int64_t>(),
                           l.at(6).get<bool>()});
      }
    }
    return r;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

std::string Encode(const ArticleSales& a) {
  const json j = {{"nm", a.name}, {"q", a.quantity}, {"rq", a.refunded}, {"rv", a.revenue}, {"r", a.receipts}};
  const std::vector<uint8_t> bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

Result<ArticleSales> Decode(std::string_view key, std::string_view code, std::string_view value) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption("article sales record " + std::string(key) + " is malformed: " + std::string(why));
  };
  const json j = json::from_cbor(value.begin(), value.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a CBOR map");
  try {
    ArticleSales a;
    a.code = std::string(code);
    a.name = j.value("nm", std::string());
    a.quantity = j.value("q", int64_t{0});
    a.refunded = j.value("rq", int64_t{0});
    a.revenue = j.value("rv", int64_t{0});
    a.receipts = j.value("r", uint64_t{0});
    return a;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

// Revenue of each live line: its amount minus its share of `discount`, spread in
// proportion to the amounts by largest remainder (ties to the earlier line).
std::vector<int64_t> LineRevenues(const std::vector<int64_t>& amounts, int64_t discount) {
  std::vector<int64_t> revenue = amounts;
  Int128 base = 0;
  for (int64_t amount : amounts) base += amount;
  if (discount == 0 || base == 0) return revenue;
  std::vector<int64_t> share(amounts.size());
  std::vector<Int128> remainder(amounts.size());
  int64_t assigned = 0;
  for (size_t i = 0; i < amounts.size(); ++i) {
    const Int128 exact = static_cast<Int128>(discount) * amounts[i];
    share[i] = static_cast<int64_t>(exact / base);
    remainder[i] = exact % base;
    if (remainder[i] < 0) remainder[i] = -remainder[i];
    assigned += share[i];
  }
  std::vector<size_t> order(amounts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  int64_t left = discount - assigned;
  const int64_t step = left >= 0 ? 1 : -1;
  for (size_t k = 0; left != 0; k = (k + 1) % order.size()) {
    share[order[k]] += step;
    left -= step;
  }
  for (size_t i = 0; i < revenue.size(); ++i) revenue[i] -= share[i];
  return revenue;
}

Status Malformed(const EventView& event) {
  const EventTypeInfo* info = FindEventType(event.type());
  return Status::Corruption("article sales: event " + ToHex(event.origin()) + "/" +
                            std::to_string(event.origin_seq()) + " (" +
                            std::string(info != nullptr ? info->name : "?") + ") has a malformed payload");
}

OpenLine* FindLine(OpenReceipt& r, uint32_t line_no) {
  for (OpenLine& line : r.lines) {
    if (line.line_no == line_no) return &line;
  }
  return nullptr;
}

// Adds one closed receipt's lines to the records under `prefix` ("article/" or "day/<day>/").
Status Count(ProjectionState& state, const std::string& prefix, const std::map<std::string, ArticleSales>& sold) {
  for (const auto& [code, add] : sold) {
    const std::string key = prefix + code;
    POS_ASSIGN_OR_RETURN(auto stored, state.Get(key));
    ArticleSales sum;
    if (stored.has_value()) {
      POS_ASSIGN_OR_RETURN(sum, Decode(key, code, *stored));
    }
    sum.name = add.name;
    sum.quantity += add.quantity;
    sum.refunded += add.refunded;
    sum.revenue += add.revenue;
    sum.receipts += 1;
    POS_RETURN_IF_ERROR(state.Put(key, Encode(sum)));
  }
  return Status::Ok();
}

}  // namespace

Status ArticleSalesProjection::Apply(const EventView& event, ProjectionState& state) {
  const auto type = static_cast<EventType>(event.type());
  switch (type) {
    case EventType::kReceiptOpened:
    case EventType::kLineAdded:
    case EventType::kLineVoided:
    case EventType::kLineDiscountGranted:
    case EventType::kReceiptDiscountGranted:
    case EventType::kReceiptCancelled:
    case EventType::kReceiptHandedOver:
    case EventType::kReceiptClosed:
      break;
    default:
      return Status::Ok();  // payments, parking and other types do not change sales
  }
  constexpr std::string_view kStreamPrefix = "receipt/";
  if (!event.stream().starts_with(kStreamPrefix)) return Status::Ok();
  const std::string open_key =
      "open/" + ToHex(event.origin()) + "/" + std::string(event.stream().substr(kStreamPrefix.size()));
  if (type == EventType::kReceiptOpened) return state.Put(open_key, EncodeOpen(OpenReceipt{}));

  POS_ASSIGN_OR_RETURN(auto stored, state.Get(open_key));
  if (!stored.has_value()) return Status::Ok();  // not open here: nothing to count
  POS_ASSIGN_OR_RETURN(OpenReceipt r, DecodeOpen(open_key, *stored));
  switch (type) {
    case EventType::kLineAdded: {
      const auto* p = event.PayloadAs<fb::LineAdded>();
      if (p == nullptr) return Malformed(event);
      r.lines.push_back({p->line_no(), Str(p->article_code()), Str(p->name()), p->quantity(), p->unit_price(), 0,
                         false});
      break;
    }
    case EventType::kLineVoided: {
      const auto* p = event.PayloadAs<fb::LineVoided>();
      if (p == nullptr) return Malformed(event);
      if (OpenLine* line = FindLine(r, p->line_no())) line->voided = true;
      break;
    }
    case EventType::kLineDiscountGranted: {
      const auto* p = event.PayloadAs<fb::LineDiscountGranted>();
      if (p == nullptr) return Malformed(event);
      if (OpenLine* line = FindLine(r, p->line_no())) line->discount += p->amount();
      break;
    }
    case EventType::kReceiptDiscountGranted: {
      const auto* p = event.PayloadAs<fb::ReceiptDiscountGranted>();
      if (p == nullptr) return Malformed(event);
      r.discount += p->amount();
      break;
    }
    case EventType::kReceiptCancelled:
    case EventType::kReceiptHandedOver:  // the till taking it over counts it
      return state.Delete(open_key);
    case EventType::kReceiptClosed: {
      if (event.PayloadAs<fb::ReceiptClosed>() == nullptr) return Malformed(event);
      std::vector<const OpenLine*> live;
      std::vector<int64_t> amounts;
      for (const OpenLine& line : r.lines) {
        if (line.voided) continue;
        live.push_back(&line);
        amounts.push_back(line.quantity * line.unit_price - line.discount);
      }
      const std::vector<int64_t> revenue = LineRevenues(amounts, r.discount);
      std::map<std::string, ArticleSales> sold;  // this receipt, by code
      for (size_t i = 0; i < live.size(); ++i) {
        ArticleSales& a = sold[live[i]->code];
        a.code = live[i]->code;
        a.name = live[i]->name;
        a.quantity += live[i]->quantity;
        if (live[i]->quantity < 0) a.refunded += -live[i]->quantity;
        a.revenue += revenue[i];
      }
      POS_RETURN_IF_ERROR(Count(state, "article/", sold));
      POS_RETURN_IF_ERROR(Count(state, "day/" + UtcDay(event.wall_time_us()) + "/", sold));
      return state.Delete(open_key);
    }
    default:
      break;
  }
  return state.Put(open_key, EncodeOpen(r));
}

Result<std::string> ArticleSalesView::Prefix(std::string_view day) const {
  if (day.empty()) return std::string("article/");
  if (!IsDay(day)) return Status::InvalidArgument("a day is YYYY-MM-DD (got '" + std::string(day) + "')");
  return "day/" + std::string(day) + "/";
}

Result<std::optional<ArticleSales>> ArticleSalesView::Find(std::string_view code, std::string_view day) const {
  POS_ASSIGN_OR_RETURN(std::string prefix, Prefix(day));
  const std::string key = prefix + std::string(code);
  POS_ASSIGN_OR_RETURN(auto value, reader_.Get(key));
  if (!value.has_value()) return std::optional<ArticleSales>();
  POS_ASSIGN_OR_RETURN(ArticleSales sales, Decode(key, code, *value));
  return std::optional<ArticleSales>(std::move(sales));
}

Result<std::vector<ArticleSales>> ArticleSalesView::All(std::string_view day) const {
  POS_ASSIGN_OR_RETURN(std::string prefix, Prefix(day));
  return DecodeAll<ArticleSales>(reader_, prefix, [&](std::string_view key, std::string_view value) {
    return Decode(key, key.substr(prefix.size()), value);
  });
}

Result<std::vector<ArticleSales>> ArticleSalesView::Top(size_t n, std::string_view day) const {
  POS_ASSIGN_OR_RETURN(std::vector<ArticleSales> all, All(day));
  std::stable_sort(all.begin(), all.end(),
                   [](const ArticleSales& a, const ArticleSales& b) { return a.revenue > b.revenue; });
  if (all.size() > n) all.resize(n);
  return all;
}

}  // namespace pos
