// How `pos log` shows one event: a text line or a JSON object.
//   text: "#12 origin 3fa1c2d4…/5 article/1001@1 ArticleCreated by admin 2026-11-24T17:30:00.123Z {payload}"
//   json: {"seq":12,"origin":"<32 hex>","origin_seq":5,"stream":"article/1001","stream_version":1,
//          "type":"ArticleCreated","type_id":110,"category":"masterdata","hlc":…,"time":"…",
//          "user":"admin","hash":"<64 hex>","prev_hash":"<64 hex>","payload":{…}}
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "events/event_view.h"

namespace pos::cli {

std::string FormatTimestamp(int64_t micros_since_epoch);  // ISO 8601 UTC, milliseconds
std::string FormatEventLine(uint64_t local_seq, const EventView& event);
nlohmann::json EventToJson(uint64_t local_seq, const EventView& event);

}  // namespace pos::cli
