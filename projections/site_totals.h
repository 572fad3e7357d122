// SiteTotals: the hub's sales per UTC day over every till of the site, summed
// from ReceiptClosed and ReceiptCancelled events of all origins. The day is the
// UTC date of the event's wall time (as in the receipt journal).
//
// Keys: "day/<YYYY-MM-DD>/<till>" and "day/<YYYY-MM-DD>/all" -> Record.
// Till: lower-case hex of the event's origin; "all" sums every till of the day.
// Invariant: for each day, "all" equals the sum of the tills' records.
// Record: CBOR (via nlohmann_json) {"r": receipts closed, "rf": refunds among
// them, "c": receipts cancelled, "to": sum of totals (refunds negative),
// "p": {payment label: amount kept}}.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "projections/projection.h"

namespace pos {

struct SiteDayTotals {
  uint64_t receipts = 0;
  uint64_t refunds = 0;
  uint64_t cancelled = 0;
  int64_t total = 0;
  std::map<std::string, int64_t> payments;
  bool operator==(const SiteDayTotals&) const = default;
};

class SiteTotalsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "site_totals";
  std::string_view Name() const override { return kName; }
  uint32_t Version() const override { return 1; }
  Status Apply(const EventView& event, ProjectionState& state) override;
};

class SiteTotalsView {
 public:
  explicit SiteTotalsView(ProjectionReader reader) : reader_(reader) {}
  // Every till of `day` ("YYYY-MM-DD") and "all"; empty when nothing was sold.
  Result<std::map<std::string, SiteDayTotals>> Day(std::string_view day) const;
  // Every day with receipts, with the site's ("all") totals.
  Result<std::map<std::string, SiteDayTotals>> Days() const;

 private:
  ProjectionReader reader_;
};

}  // namespace pos
