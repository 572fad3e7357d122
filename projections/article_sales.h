// ArticleSales: pieces sold and gross revenue per article code, all time and
// per day. A receipt counts when it closes (ReceiptClosed): its lines are kept
// while it is open and dropped when it is cancelled; voided lines never count;
// refund receipts (negative quantities) count against their articles.
//
// Revenue of a line: quantity * unit price - line discount - its share of the
// receipt discounts. A receipt discount is spread over the receipt's live lines
// in proportion to their amounts (largest remainder, ties to the earlier line),
// so the revenues of a receipt's articles add up to its total.
// Day: the UTC date "YYYY-MM-DD" of the ReceiptClosed event's wall time.
//
// Keys:
//   "open/<till>/<receipt id>"   -> lines of a receipt still open (CBOR:
//                                   {"d": receipt discount, "l": [[line no, code, name,
//                                   quantity, unit price, discount, voided]]})
//   "article/<code>"             -> Record
//   "day/<YYYY-MM-DD>/<code>"    -> Record
// Till: the lower-case hex of the origin node id.
// Record: CBOR (via nlohmann_json) {"nm": name, "q": quantity, "rq": refunded
// pieces, "rv": revenue, "r": receipts}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/projection.h"

namespace pos {

struct ArticleSales {
  std::string code;
  std::string name;       // the name on the latest closed receipt with the article
  int64_t quantity = 0;   // pieces sold minus pieces refunded
  int64_t refunded = 0;   // pieces refunded (>= 0)
  int64_t revenue = 0;    // gross, minor units, refunds subtracted
  uint64_t receipts = 0;  // closed receipts (sales and refunds) with a live line of it
  bool operator==(const ArticleSales&) const = default;
};

class ArticleSalesProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "article_sales";
  std::string_view Name() const override { return kName; }
  uint32_t Version() const override { return 1; }
  Status Apply(const EventView& event, ProjectionState& state) override;
};

// Queries over the committed sales. `day` is "YYYY-MM-DD"; empty means all time.
// A malformed day is kInvalidArgument.
class ArticleSalesView {
 public:
  explicit ArticleSalesView(ProjectionReader reader) : reader_(reader) {}

  Result<std::optional<ArticleSales>> Find(std::string_view code, std::string_view day = {}) const;
  // Every article sold (in the day), by code.
  Result<std::vector<ArticleSales>> All(std::string_view day = {}) const;
  // The (at most) n articles of highest revenue, ties by code.
  Result<std::vector<ArticleSales>> Top(size_t n, std::string_view day = {}) const;

 private:
  Result<std::string> Prefix(std::string_view day) const;
  ProjectionReader reader_;
};

}  // namespace pos
