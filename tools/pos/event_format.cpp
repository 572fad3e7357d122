#include "tools/pos/event_format.h"

#include <ctime>

#include "engine/bytes.h"
#include "events/event_types.h"

namespace pos::cli {
namespace {

std::string TypeName(uint32_t type) {
  const EventTypeInfo* info = FindEventType(type);
  return info != nullptr ? std::string(info->name) : "unknown(" + std::to_string(type) + ")";
}

}  // namespace

std::string FormatTimestamp(int64_t micros) {
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>((micros / 1000) % 1000));
  return text;
}

std::string FormatEventLine(uint64_t local_seq, const EventView& event) {
  std::string line = "#" + std::to_string(local_seq) + "  " + ToHex(event.origin()).substr(0, 8) + "/" +
                     std::to_string(event.origin_seq()) + "  " + std::string(event.stream()) + "@" +
                     std::to_string(event.stream_version()) + "  " + TypeName(event.type());
  if (!event.user().empty()) line += "  by " + std::string(event.user());
  line += "  " + FormatTimestamp(event.wall_time_us()) + "  " + PayloadToJson(event.type(), event.payload());
  return line;
}

nlohmann::json EventToJson(uint64_t local_seq, const EventView& event) {
  const EventTypeInfo* info = FindEventType(event.type());
  nlohmann::json payload = nlohmann::json::parse(PayloadToJson(event.type(), event.payload()), nullptr, false);
  if (payload.is_discarded()) payload = nlohmann::json::object();
  return {{"seq", local_seq},
          {"origin", ToHex(event.origin())},
          {"origin_seq", event.origin_seq()},
          {"stream", std::string(event.stream())},
          {"stream_version", event.stream_version()},
          {"type", TypeName(event.type())},
          {"type_id", event.type()},
          {"category", info != nullptr ? std::string(EventCategoryName(info->category)) : "unknown"},
          {"hlc", event.hlc()},
          {"time", FormatTimestamp(event.wall_time_us())},
          {"user", std::string(event.user())},
          {"hash", ToHex(event.hash())},
          {"prev_hash", ToHex(event.prev_hash())},
          {"payload", payload}};
}

}  // namespace pos::cli
