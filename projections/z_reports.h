// ZReports: every Z report (DayClosed event) of every till, as it was fixed.
//
// Keys (BE8 = u64 big-endian):
//   "z/<till>/<z_number BE8>" -> Record
// Till: the lower-case hex of the DayClosed event's origin node id. A second
// DayClosed with the same (till, z_number), which the register never writes,
// replaces the first (log order).
// Record: a ZReportRecord as CBOR (via nlohmann_json) of a map with short
// field names, listed in z_reports.cpp next to the encoder; unknown fields are
// ignored on decoding and missing ones take their defaults.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/projection.h"
#include "projections/receipt_journal.h"

namespace pos {

struct ZCashierTotal {
  uint32_t receipts = 0;
  int64_t total = 0;
  bool operator==(const ZCashierTotal&) const = default;
};

// The figures of fb::DayClosed plus where and when it was written.
struct ZReportRecord {
  std::string till;         // origin node id hex
  uint64_t z_number = 0;
  int64_t closed_at_us = 0;  // wall time of the DayClosed event
  std::string closed_by;     // the event's acting user
  uint64_t first_receipt = 0;
  uint64_t last_receipt = 0;
  int64_t opened_at_us = 0;
  uint32_t receipts = 0;
  uint32_t refunds = 0;
  uint32_t cancelled = 0;
  uint32_t voided_lines = 0;
  int64_t total = 0;
  std::vector<TaxFigures> tax_lines;             // in the event's order (by tax rate code)
  std::map<std::string, int64_t> payments;       // payment type label -> amount kept
  std::map<std::string, ZCashierTotal> cashiers;  // user id -> figures
  int64_t cash_in = 0;
  int64_t cash_out = 0;
  int64_t expected_cash = 0;
  int64_t counted_cash = 0;
  int64_t difference = 0;
  std::string approved_by;

  bool operator==(const ZReportRecord&) const = default;
};

class ZReportsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "z_reports";
  std::string_view Name() const override { return kName; }
  uint32_t Version() const override { return 1; }
  Status Apply(const EventView& event, ProjectionState& state) override;
};

// Queries over the committed Z reports. `till` is a node id in hex (either case).
class ZReportsView {
 public:
  explicit ZReportsView(ProjectionReader reader) : reader_(reader) {}

  Result<std::optional<ZReportRecord>> Find(std::string_view till, uint64_t z_number) const;
  // Every Z report of `till`, in z_number order.
  Result<std::vector<ZReportRecord>> OfTill(std::string_view till) const;
  // Every Z report of every till, by (till, z_number).
  Result<std::vector<ZReportRecord>> All() const;

 private:
  Result<std::vector<ZReportRecord>> List(const std::string& prefix) const;
  ProjectionReader reader_;
};

}  // namespace pos
