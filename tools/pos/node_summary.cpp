#include "tools/pos/node_summary.h"

#include <algorithm>
#include <ctime>
#include <memory>
#include <set>

#include <rocksdb/db.h>

#include "engine/bytes.h"
#include "engine/sha256.h"
#include "events/event_view.h"
#include "projections/catalog.h"
#include "projections/period_totals.h"
#include "projections/z_reports.h"

namespace pos::cli {

nlohmann::json MonthlyTotalsOf(const nlohmann::json& z_reports) {
  nlohmann::json monthly = nlohmann::json::object();
  for (const auto& z : z_reports) {
    nlohmann::json& m = monthly[z.value("month", "")];
    if (!m.is_object()) m = {{"receipts", uint64_t{0}}, {"refunds", uint64_t{0}}, {"total", int64_t{0}}};
    m["receipts"] = m.value("receipts", uint64_t{0}) + z.value("receipts", uint64_t{0});
    m["refunds"] = m.value("refunds", uint64_t{0}) + z.value("refunds", uint64_t{0});
    m["total"] = m.value("total", int64_t{0}) + z.value("total", int64_t{0});
  }
  return monthly;
}

Result<nlohmann::json> NodeSummary(Node& node, uint64_t upto) {
  EventStore& store = *node.store;
  const uint64_t last = std::min(upto, store.LastSequence());
  nlohmann::json heads = nlohmann::json::object();
  nlohmann::json counts = nlohmann::json::object();
  uint64_t events = 0;
  Status parsed;
  if (last > 0) {
    POS_RETURN_IF_ERROR(store.ScanLog(1, last, [&](uint64_t, std::string_view bytes) {
      auto event = EventView::Parse(bytes);
      if (!event.ok()) {
        parsed = event.status();
        return false;
      }
      ++events;
      const EventTypeInfo* info = FindEventType(event->type());
      const std::string type = info != nullptr ? std::string(info->name) : std::to_string(event->type());
      counts[type] = counts.value(type, 0) + 1;
      heads[ToHex(event->origin())] = {{"seq", event->origin_seq()}, {"hash", ToHex(event->hash())}};
      return true;
    }));
  }
  POS_RETURN_IF_ERROR(parsed);
  nlohmann::json projections = nlohmann::json::object();
  if (last == store.LastSequence()) {
    for (const std::string& name : store.ProjectionFamilyNames()) {
      POS_ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * family, store.ProjectionFamily(name, false));
      std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), family));
      std::string all;
      uint64_t keys = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const auto key = it->key();
        if (!key.empty() && key[0] == '\0') continue;  // the runner's checkpoint and version
        const auto value = it->value();
        all += std::to_string(key.size()) + ":" + key.ToString() + std::to_string(value.size()) + ":" + value.ToString();
        ++keys;
      }
      if (!it->status().ok()) return Status::IoError("reading projection " + name + ": " + it->status().ToString());
      const Sha256Digest d = Sha256(all);
      projections[name] = {{"keys", keys}, {"sha256", ToHex(std::span<const uint8_t>(d.data(), d.size()))}};
    }
  }
  POS_ASSIGN_OR_RETURN(ProjectionReader catalog_reader, node.runner->Reader(CatalogProjection::kName));
  POS_ASSIGN_OR_RETURN(auto articles, CatalogView(catalog_reader).Articles());
  POS_ASSIGN_OR_RETURN(ProjectionReader z_reader, node.runner->Reader(ZReportsProjection::kName));
  POS_ASSIGN_OR_RETURN(auto zs, ZReportsView(z_reader).All());
  nlohmann::json z_reports = nlohmann::json::array();
  for (const auto& z : zs) {
    const std::time_t t = static_cast<std::time_t>(z.closed_at_us / 1000000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char month[16];
    std::strftime(month, sizeof month, "%Y-%m", &tm);
    z_reports.push_back({{"till", z.till},
                         {"z_number", z.z_number},
                         {"month", month},
                         {"receipts", z.receipts},
                         {"refunds", z.refunds},
                         {"total", z.total},
                         {"counted_cash", z.counted_cash}});
  }
  const nlohmann::json monthly = MonthlyTotalsOf(z_reports);
  return nlohmann::json{{"node_id", ToHex(store.node_id())},
                        {"last_sequence", last},
                        {"events", events},
                        {"events_by_type", counts},
                        {"heads", heads},
                        {"projections", projections},
                        {"articles", articles.size()},
                        {"z_reports", z_reports},
                        {"monthly_totals", monthly}};
}

}  // namespace pos::cli
