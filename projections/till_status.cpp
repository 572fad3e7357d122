#include "projections/till_status.h"

#include <nlohmann/json.hpp>

#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/node_generated.h"
#include "events/receipts_generated.h"
#include "events/register_generated.h"

namespace pos {
namespace {

using nlohmann::json;

std::string Encode(const TillStatusRecord& r) {
  const json j = {{"n", r.name},           {"hub", r.hub},          {"e", r.events},
                  {"s", r.last_seq},       {"w", r.last_event_us},  {"hlc", r.last_hlc},
                  {"t", r.last_type},      {"rn", r.last_receipt},  {"rw", r.last_receipt_us},
                  {"z", r.last_z}};
  const std::vector<uint8_t> bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

Result<TillStatusRecord> Decode(std::string_view key, std::string_view value) {
  const json j = json::from_cbor(value.begin(), value.end(), true, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption("till status record " + std::string(key) + " is malformed: not a CBOR map");
  }
  try {
    TillStatusRecord r;
    r.node = std::string(key.substr(key.find('/') + 1));
    r.name = j.value("n", std::string());
    r.hub = j.value("hub", false);
    r.events = j.value("e", uint64_t{0});
    r.last_seq = j.value("s", uint64_t{0});
    r.last_event_us = j.value("w", int64_t{0});
    r.last_hlc = j.value("hlc", uint64_t{0});
    r.last_type = j.value("t", std::string());
    r.last_receipt = j.value("rn", uint64_t{0});
    r.last_receipt_us = j.value("rw", int64_t{0});
    r.last_z = j.value("z", uint64_t{0});
    return r;
  } catch (const json::exception& e) {
    return Status::Corruption("till status record " + std::string(key) + " is malformed: " + e.what());
  }
}

Status Malformed(const EventView& event) {
  return Status::Corruption("till status: event " + ToHex(event.origin()) + "/" + std::to_string(event.origin_seq()) +
                            " has a malformed payload");
}

}  // namespace

Status TillStatusProjection::Apply(const EventView& event, ProjectionState& state) {
  const std::string key = "node/" + ToHex(event.origin());
  POS_ASSIGN_OR_RETURN(auto stored, state.Get(key));
  TillStatusRecord r;
  if (stored.has_value()) {
    POS_ASSIGN_OR_RETURN(r, Decode(key, *stored));
  }
  ++r.events;
  // Events of one origin arrive in origin order (the chain), so the last is the highest.
  r.last_seq = event.origin_seq();
  r.last_event_us = event.wall_time_us();
  r.last_hlc = event.hlc();
  const EventTypeInfo* info = FindEventType(event.type());
  r.last_type = info != nullptr ? std::string(info->name) : std::to_string(event.type());
  switch (static_cast<EventType>(event.type())) {
    case EventType::kNodeInitialised: {
      const auto* p = event.PayloadAs<fb::NodeInitialised>();
      if (p == nullptr) return Malformed(event);
      r.name = p->node_name() != nullptr ? p->node_name()->str() : "";
      r.hub = p->role() == fb::NodeRole::Hub;
      break;
    }
    case EventType::kReceiptClosed: {
      const auto* p = event.PayloadAs<fb::ReceiptClosed>();
      if (p == nullptr) return Malformed(event);
      r.last_receipt = p->number();
      r.last_receipt_us = event.wall_time_us();
      break;
    }
    case EventType::kDayClosed: {
      const auto* p = event.PayloadAs<fb::DayClosed>();
      if (p == nullptr) return Malformed(event);
      r.last_z = p->z_number();
      break;
    }
    default:
      break;
  }
  return state.Put(key, Encode(r));
}

Result<std::vector<TillStatusRecord>> TillStatusView::All() const {
  return DecodeAll<TillStatusRecord>(reader_, "node/", Decode);
}

}  // namespace pos
