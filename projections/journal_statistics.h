// JournalStatistics: counts of the log's events by type, category and origin,
// its size and time span. Read by `pos stats`.
//
// Keys: "events", "bytes" (u64 BE counters), "type/<TypeName>", "category/<name>",
// "origin/<node id hex>" (u64 BE counters), "first_wall_us", "last_wall_us"
// (u64 BE microseconds since the epoch, of the earliest and latest event seen).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "projections/projection.h"

namespace pos {

class JournalStatisticsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "journal_stats";
  std::string_view Name() const override { return kName; }
  uint32_t Version() const override { return 1; }
  Status Apply(const EventView& event, ProjectionState& state) override;
};

struct JournalStatistics {
  uint64_t events = 0;
  uint64_t bytes = 0;
  int64_t first_wall_us = 0;
  int64_t last_wall_us = 0;
  std::map<std::string, uint64_t> by_type;
  std::map<std::string, uint64_t> by_category;
  std::map<std::string, uint64_t> by_origin;  // node id hex -> events
};

Result<JournalStatistics> ReadJournalStatistics(const ProjectionReader& reader);

}  // namespace pos
