// TillStatus: what the hub's log says about each node whose events it holds
// (every till of the site, and the hub itself): how far its log reached the
// hub and when its last event was written. Deterministic: it reads only
// events, never the hub's clock; lag against "now" is computed by the reader.
//
// Keys: "node/<node id hex>" -> Record.
// Record: CBOR (via nlohmann_json) {"n": node name (from NodeInitialised),
// "hub": bool, "e": events held, "s": highest origin_seq held, "w": wall time
// (µs) of that event, "hlc": its HLC, "t": its type name, "rn": last receipt
// number closed, "rw": wall time of that close, "z": last Z number}.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "projections/projection.h"

namespace pos {

struct TillStatusRecord {
  std::string node;       // node id hex
  std::string name;       // node name, "" until its NodeInitialised arrived
  bool hub = false;
  uint64_t events = 0;
  uint64_t last_seq = 0;
  int64_t last_event_us = 0;
  uint64_t last_hlc = 0;
  std::string last_type;
  uint64_t last_receipt = 0;
  int64_t last_receipt_us = 0;
  uint64_t last_z = 0;
  bool operator==(const TillStatusRecord&) const = default;
};

class TillStatusProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "till_status";
  std::string_view Name() const override { return kName; }
  uint32_t Version() const override { return 1; }
  Status Apply(const EventView& event, ProjectionState& state) override;
};

class TillStatusView {
 public:
  explicit TillStatusView(ProjectionReader reader) : reader_(reader) {}
  // Every node, by node id.
  Result<std::vector<TillStatusRecord>> All() const;

 private:
  ProjectionReader reader_;
};

}  // namespace pos
