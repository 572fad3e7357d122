#include "domain/tax_calculator.h"

#include <algorithm>
#include <map>

namespace pos {

namespace {
__extension__ typedef __int128 Int128;  // products of amounts and rates never overflow
}  // namespace

int64_t NetFromGross(int64_t gross, uint32_t basis_points) {
  const Int128 numerator = static_cast<Int128>(gross) * 10000;
  const Int128 denominator = 10000 + static_cast<Int128>(basis_points);
  const Int128 magnitude = (numerator < 0 ? -numerator : numerator);
  const Int128 rounded = (2 * magnitude + denominator) / (2 * denominator);
  return static_cast<int64_t>(numerator < 0 ? -rounded : rounded);
}

ReceiptTotals ComputeTotals(const Receipt& receipt) {
  std::map<std::string, TaxLineTotal> by_rate;
  for (const ReceiptLine& line : receipt.lines) {
    if (line.voided) continue;
    TaxLineTotal& t = by_rate[line.tax_rate];
    t.tax_rate = line.tax_rate;
    t.basis_points = line.tax_basis_points;
    t.gross += line.Amount();
  }
  int64_t before_discount = 0;
  for (const auto& [code, t] : by_rate) before_discount += t.gross;

  if (receipt.receipt_discount != 0 && before_discount != 0) {
    // Largest remainder: floor shares first, then one unit each to the largest remainders.
    struct Share {
      std::string code;
      int64_t floor;
      Int128 remainder;
    };
    std::vector<Share> shares;
    int64_t assigned = 0;
    for (const auto& [code, t] : by_rate) {
      const Int128 exact = static_cast<Int128>(receipt.receipt_discount) * t.gross;
      const int64_t floor_share = static_cast<int64_t>(exact / before_discount);
      shares.push_back({code, floor_share, exact % before_discount});
      assigned += floor_share;
    }
    std::stable_sort(shares.begin(), shares.end(), [](const Share& a, const Share& b) {
      const Int128 ra = a.remainder < 0 ? -a.remainder : a.remainder;
      const Int128 rb = b.remainder < 0 ? -b.remainder : b.remainder;
      return ra > rb;
    });
    int64_t left = receipt.receipt_discount - assigned;
    const int64_t step = left >= 0 ? 1 : -1;
    for (size_t i = 0; left != 0; i = (i + 1) % shares.size()) {
      shares[i].floor += step;
      left -= step;
    }
    for (const Share& share : shares) by_rate[share.code].gross -= share.floor;
  }

  ReceiptTotals totals;
  for (auto& [code, t] : by_rate) {
    t.net = NetFromGross(t.gross, t.basis_points);
    t.tax = t.gross - t.net;
    totals.total += t.gross;
    totals.tax_lines.push_back(t);
  }
  return totals;
}

}  // namespace pos
