#include "projections/journal_statistics.h"

#include "engine/bytes.h"
#include "events/event_types.h"

namespace pos {
namespace {

std::string TypeName(uint32_t type) {
  const EventTypeInfo* info = FindEventType(type);
  return info != nullptr ? std::string(info->name) : "unknown(" + std::to_string(type) + ")";
}

std::string CategoryName(uint32_t type) {
  const EventTypeInfo* info = FindEventType(type);
  return info != nullptr ? std::string(EventCategoryName(info->category)) : "unknown";
}

}  // namespace

Status JournalStatisticsProjection::Apply(const EventView& event, ProjectionState& state) {
  POS_RETURN_IF_ERROR(state.AddToCounter("events", 1));
  POS_RETURN_IF_ERROR(state.AddToCounter("bytes", static_cast<int64_t>(event.bytes().size())));
  POS_RETURN_IF_ERROR(state.AddToCounter("type/" + TypeName(event.type()), 1));
  POS_RETURN_IF_ERROR(state.AddToCounter("category/" + CategoryName(event.type()), 1));
  POS_RETURN_IF_ERROR(state.AddToCounter("origin/" + ToHex(event.origin()), 1));
  const auto wall = static_cast<uint64_t>(event.wall_time_us());
  POS_ASSIGN_OR_RETURN(auto first, state.Get("first_wall_us"));
  if (!first.has_value() || ReadBigEndian64(*first) > wall) POS_RETURN_IF_ERROR(state.Put("first_wall_us", BigEndian64(wall)));
  POS_ASSIGN_OR_RETURN(auto last, state.Get("last_wall_us"));
  if (!last.has_value() || ReadBigEndian64(*last) < wall) POS_RETURN_IF_ERROR(state.Put("last_wall_us", BigEndian64(wall)));
  return Status::Ok();
}

Result<JournalStatistics> ReadJournalStatistics(const ProjectionReader& reader) {
  JournalStatistics stats;
  POS_ASSIGN_OR_RETURN(stats.events, reader.GetCounter("events"));
  POS_ASSIGN_OR_RETURN(stats.bytes, reader.GetCounter("bytes"));
  POS_ASSIGN_OR_RETURN(uint64_t first, reader.GetCounter("first_wall_us"));
  POS_ASSIGN_OR_RETURN(uint64_t last, reader.GetCounter("last_wall_us"));
  stats.first_wall_us = static_cast<int64_t>(first);
  stats.last_wall_us = static_cast<int64_t>(last);
  struct Group {
    std::string_view prefix;
    std::map<std::string, uint64_t>* into;
  };
  for (const Group& group : {Group{"type/", &stats.by_type}, Group{"category/", &stats.by_category},
                             Group{"origin/", &stats.by_origin}}) {
    Status bad;
    POS_RETURN_IF_ERROR(reader.ScanPrefix(group.prefix, [&](std::string_view key, std::string_view value) {
      if (value.size() != 8) {
        bad = Status::Corruption("journal statistics counter " + std::string(key) + " is not 8 bytes");
        return false;
      }
      (*group.into)[std::string(key.substr(group.prefix.size()))] = ReadBigEndian64(value);
      return true;
    }));
    POS_RETURN_IF_ERROR(bad);
  }
  return stats;
}

}  // namespace pos
