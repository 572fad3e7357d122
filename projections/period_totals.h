// PeriodTotals: monthly and yearly sales totals per till and for the whole
// node, summed from ReceiptClosed events (sales and refunds, as the Z report
// counts them). The period is the UTC date of the ReceiptClosed event's wall time.
//
// Keys:
//   "month/<YYYY-MM>/<till>", "month/<YYYY-MM>/all" -> Record
//   "year/<YYYY>/<till>",     "year/<YYYY>/all"     -> Record
// Till: the lower-case hex of the event's origin node id; "all" sums every till.
// Invariant: for each period, "all" equals the sum of the tills' records.
// Record: a PeriodTotals as CBOR (via nlohmann_json): {"r": receipts,
// "rf": refunds, "to": total, "tx": {code: [basis points, gross, net, tax]},
// "p": {payment type label: amount kept}}.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "projections/projection.h"
#include "projections/receipt_journal.h"

namespace pos {

inline constexpr std::string_view kAllTills = "all";

struct PeriodTotals {
  uint64_t receipts = 0;  // closed receipts, refunds included
  uint64_t refunds = 0;
  int64_t total = 0;      // sum of the receipts' gross totals (refunds negative)
  // By tax rate code; basis_points is that of the latest receipt with the code.
  std::map<std::string, TaxFigures> tax;
  std::map<std::string, int64_t> payments;  // payment type label -> amount kept (cash net of change)
  bool operator==(const PeriodTotals&) const = default;
};

class PeriodTotalsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "period_totals";
  std::string_view Name() const override { return kName; }
  uint32_t Version() const override { return 1; }
  Status Apply(const EventView& event, ProjectionState& state) override;
};

// Queries over the committed totals. `till` is a node id in hex (either case) or
// kAllTills (also meant by ""). A period without receipts gives zero totals. A malformed month
// ("YYYY-MM") or year ("YYYY") is kInvalidArgument.
class PeriodTotalsView {
 public:
  explicit PeriodTotalsView(ProjectionReader reader) : reader_(reader) {}

  Result<PeriodTotals> Month(std::string_view month, std::string_view till = kAllTills) const;
  Result<PeriodTotals> Year(std::string_view year, std::string_view till = kAllTills) const;
  // Every till's totals of the period, and "all".
  Result<std::map<std::string, PeriodTotals>> MonthByTill(std::string_view month) const;
  Result<std::map<std::string, PeriodTotals>> YearByTill(std::string_view year) const;
  // Every month ("YYYY-MM") or year ("YYYY") with receipts of `till`, with its totals.
  Result<std::map<std::string, PeriodTotals>> Months(std::string_view till = kAllTills) const;
  Result<std::map<std::string, PeriodTotals>> Years(std::string_view till = kAllTills) const;

 private:
  Result<PeriodTotals> One(const std::string& key) const;
  // Records under `prefix`, keyed by the rest of their key; with a till filter,
  // only "<period>/<till_filter>" records, keyed by the period.
  Result<std::map<std::string, PeriodTotals>> Scan(const std::string& prefix, std::string_view till_filter) const;
  ProjectionReader reader_;
};

}  // namespace pos
