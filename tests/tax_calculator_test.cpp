// The tax calculator: net from gross with half-away-from-zero rounding, totals
// per tax rate, the receipt discount shared out by largest remainder.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "domain/tax_calculator.h"

namespace pos {
namespace {

// Reference rounding, written differently from the code under test: quotient and
// remainder of |gross| * 10000 / (10000 + bp), rounded up when the remainder is at
// least half the divisor, then the sign put back.
int64_t ReferenceNet(int64_t gross, uint32_t basis_points) {
  const int64_t divisor = 10000 + static_cast<int64_t>(basis_points);
  const int64_t magnitude = (gross < 0 ? -gross : gross) * 10000;
  int64_t quotient = magnitude / divisor;
  if (2 * (magnitude % divisor) >= divisor) ++quotient;
  return gross < 0 ? -quotient : quotient;
}

ReceiptLine Line(std::string rate, uint32_t basis_points, int64_t quantity, int64_t unit_price,
                 int64_t discount = 0, bool voided = false) {
  ReceiptLine line;
  line.article_code = "art";
  line.quantity = quantity;
  line.unit_price = unit_price;
  line.tax_rate = std::move(rate);
  line.tax_basis_points = basis_points;
  line.discount = discount;
  line.voided = voided;
  return line;
}

Receipt ReceiptOf(std::vector<ReceiptLine> lines, int64_t receipt_discount = 0) {
  Receipt receipt;
  receipt.id = "test-1";
  for (size_t i = 0; i < lines.size(); ++i) lines[i].line_no = static_cast<uint32_t>(i + 1);
  receipt.lines = std::move(lines);
  receipt.receipt_discount = receipt_discount;
  return receipt;
}

TEST(NetFromGrossTest, ExamplesAtTheUsualRates) {
  // 19 %
  EXPECT_EQ(NetFromGross(119, 1900), 100);
  EXPECT_EQ(NetFromGross(1, 1900), 1);   // 0.840 -> 1, tax 0
  EXPECT_EQ(NetFromGross(6, 1900), 5);   // 5.042 -> 5, tax 1
  EXPECT_EQ(NetFromGross(5, 1900), 4);   // 4.202 -> 4
  EXPECT_EQ(NetFromGross(3, 1900), 3);   // 2.521 -> 3
  EXPECT_EQ(NetFromGross(1190, 1900), 1000);
  EXPECT_EQ(NetFromGross(500, 1900), 420);  // 420.168
  // 7 %
  EXPECT_EQ(NetFromGross(107, 700), 100);
  EXPECT_EQ(NetFromGross(1, 700), 1);    // 0.935
  EXPECT_EQ(NetFromGross(390, 700), 364);  // 364.486
  EXPECT_EQ(NetFromGross(780, 700), 729);  // 728.972
  // 0 %: net is the gross
  EXPECT_EQ(NetFromGross(0, 0), 0);
  EXPECT_EQ(NetFromGross(1, 0), 1);
  EXPECT_EQ(NetFromGross(12345, 0), 12345);
  EXPECT_EQ(NetFromGross(-12345, 0), -12345);
  EXPECT_EQ(NetFromGross(0, 1900), 0);
}

TEST(NetFromGrossTest, NegativeAmountsRoundSymmetrically) {
  EXPECT_EQ(NetFromGross(-119, 1900), -100);
  EXPECT_EQ(NetFromGross(-1, 1900), -1);
  EXPECT_EQ(NetFromGross(-6, 1900), -5);
  EXPECT_EQ(NetFromGross(-3, 1900), -3);
  EXPECT_EQ(NetFromGross(-250, 1900), -210);  // -210.084
  EXPECT_EQ(NetFromGross(-1, 700), -1);
  EXPECT_EQ(NetFromGross(-390, 700), -364);
}

TEST(NetFromGrossTest, ExactHalvesRoundAwayFromZero) {
  // At 19 % and 7 % an exact half cannot occur; 100 % (divide by 2) and
  // 300 % (divide by 4) produce them.
  EXPECT_EQ(NetFromGross(1, 10000), 1);    // 0.5
  EXPECT_EQ(NetFromGross(3, 10000), 2);    // 1.5
  EXPECT_EQ(NetFromGross(5, 10000), 3);    // 2.5
  EXPECT_EQ(NetFromGross(-1, 10000), -1);  // -0.5
  EXPECT_EQ(NetFromGross(-3, 10000), -2);  // -1.5
  EXPECT_EQ(NetFromGross(2, 30000), 1);    // 0.5
  EXPECT_EQ(NetFromGross(6, 30000), 2);    // 1.5
  EXPECT_EQ(NetFromGross(1, 30000), 0);    // 0.25
  EXPECT_EQ(NetFromGross(3, 30000), 1);    // 0.75
  EXPECT_EQ(NetFromGross(-2, 30000), -1);
  EXPECT_EQ(NetFromGross(-6, 30000), -2);
  EXPECT_EQ(NetFromGross(-1, 30000), 0);
}

TEST(NetFromGrossTest, MatchesTheReferenceOverARange) {
  for (uint32_t bp : {0u, 500u, 700u, 1000u, 1600u, 1900u, 2500u, 10000u, 30000u}) {
    for (int64_t gross = -5000; gross <= 5000; ++gross) {
      ASSERT_EQ(NetFromGross(gross, bp), ReferenceNet(gross, bp)) << gross << " at " << bp << " bp";
      ASSERT_EQ(NetFromGross(-gross, bp), -NetFromGross(gross, bp)) << gross << " at " << bp << " bp";
    }
  }
  // Large amounts do not overflow (the product is taken in 128 bits).
  const int64_t big = 900'000'000'000'000'000;
  EXPECT_EQ(NetFromGross(big, 0), big);
  EXPECT_EQ(NetFromGross(big, 10000), big / 2);
  EXPECT_EQ(NetFromGross(-big, 10000), -big / 2);
}

TEST(ComputeTotalsTest, GroupsByRateInCodeOrder) {
  const Receipt receipt = ReceiptOf({Line("B", 700, 1, 107), Line("A", 1900, 1, 119), Line("A", 1900, 2, 119),
                                     Line("C", 0, 3, 50)});
  const ReceiptTotals totals = ComputeTotals(receipt);
  ASSERT_EQ(totals.tax_lines.size(), 3u);
  EXPECT_EQ(totals.tax_lines[0], (TaxLineTotal{"A", 1900, 357, 300, 57}));
  EXPECT_EQ(totals.tax_lines[1], (TaxLineTotal{"B", 700, 107, 100, 7}));
  EXPECT_EQ(totals.tax_lines[2], (TaxLineTotal{"C", 0, 150, 150, 0}));
  EXPECT_EQ(totals.total, 357 + 107 + 150);
}

TEST(ComputeTotalsTest, RoundsOncePerRateNotPerLine) {
  // Six lines of 0.01 at 19 %: per line the net would round to 0.01 each (tax 0);
  // per rate the gross 0.06 has net 0.05 and tax 0.01.
  std::vector<ReceiptLine> lines;
  for (int i = 0; i < 6; ++i) lines.push_back(Line("A", 1900, 1, 1));
  const ReceiptTotals totals = ComputeTotals(ReceiptOf(lines));
  ASSERT_EQ(totals.tax_lines.size(), 1u);
  EXPECT_EQ(totals.tax_lines[0], (TaxLineTotal{"A", 1900, 6, 5, 1}));
}

TEST(ComputeTotalsTest, VoidedLinesAreExcluded) {
  const Receipt receipt = ReceiptOf({Line("A", 1900, 1, 1190, 0, /*voided=*/true), Line("B", 700, 2, 107),
                                     Line("B", 700, 1, 9999, 0, /*voided=*/true)});
  const ReceiptTotals totals = ComputeTotals(receipt);
  ASSERT_EQ(totals.tax_lines.size(), 1u) << "a rate with only voided lines does not appear";
  EXPECT_EQ(totals.tax_lines[0], (TaxLineTotal{"B", 700, 214, 200, 14}));
  EXPECT_EQ(totals.total, 214);

  const ReceiptTotals none = ComputeTotals(ReceiptOf({Line("A", 1900, 1, 100, 0, true)}));
  EXPECT_EQ(none.total, 0);
  EXPECT_TRUE(none.tax_lines.empty());
}

TEST(ComputeTotalsTest, LineDiscountsReduceTheLineAmount) {
  // 2 x 11.90 - 3.80 = 20.00 gross at 19 % -> 16.81 net (16.806), 3.19 tax.
  const ReceiptTotals totals = ComputeTotals(ReceiptOf({Line("A", 1900, 2, 1190, 380), Line("B", 700, 1, 390, 390)}));
  ASSERT_EQ(totals.tax_lines.size(), 2u);
  EXPECT_EQ(totals.tax_lines[0], (TaxLineTotal{"A", 1900, 2000, 1681, 319}));
  EXPECT_EQ(totals.tax_lines[1], (TaxLineTotal{"B", 700, 0, 0, 0})) << "a fully discounted live line keeps its rate";
  EXPECT_EQ(totals.total, 2000);
}

TEST(ComputeTotalsTest, ReceiptDiscountIsSharedByLargestRemainder) {
  // 10.00 at A and 5.00 at B, 1.00 off: exact shares 0.6667 and 0.3333; the floors
  // 0.66 + 0.33 leave 0.01, which goes to A (the larger remainder).
  ReceiptTotals totals = ComputeTotals(ReceiptOf({Line("A", 1900, 1, 1000), Line("B", 700, 1, 500)}, 100));
  ASSERT_EQ(totals.tax_lines.size(), 2u);
  EXPECT_EQ(totals.tax_lines[0].gross, 1000 - 67);
  EXPECT_EQ(totals.tax_lines[1].gross, 500 - 33);
  EXPECT_EQ(totals.total, 1400);

  // 20.00 at A and 3.90 at B, 3.90 off: exact 3.2636 and 0.6364 -> B takes the odd cent.
  totals = ComputeTotals(ReceiptOf({Line("A", 1900, 2, 1000), Line("B", 700, 1, 390)}, 390));
  EXPECT_EQ(totals.tax_lines[0], (TaxLineTotal{"A", 1900, 1674, 1407, 267}));
  EXPECT_EQ(totals.tax_lines[1], (TaxLineTotal{"B", 700, 326, 305, 21}));
  EXPECT_EQ(totals.total, 2000);

  // The whole total off: every rate ends at zero.
  totals = ComputeTotals(ReceiptOf({Line("A", 1900, 1, 333), Line("B", 700, 1, 667), Line("C", 0, 1, 1)}, 1001));
  for (const TaxLineTotal& t : totals.tax_lines) EXPECT_EQ(t, (TaxLineTotal{t.tax_rate, t.basis_points, 0, 0, 0}));
  EXPECT_EQ(totals.total, 0);
}

TEST(ComputeTotalsTest, DiscountTiesGoToTheRateThatSortsFirst) {
  // Equal grosses, one cent off: the remainders tie, A gets it, whatever the line order.
  ReceiptTotals totals = ComputeTotals(ReceiptOf({Line("B", 700, 1, 500), Line("A", 1900, 1, 500)}, 1));
  EXPECT_EQ(totals.tax_lines[0].gross, 499);
  EXPECT_EQ(totals.tax_lines[1].gross, 500);
  // Three equal rates, two cents off: A and B take one each.
  totals = ComputeTotals(ReceiptOf({Line("C", 0, 1, 100), Line("B", 700, 1, 100), Line("A", 1900, 1, 100)}, 2));
  EXPECT_EQ(totals.tax_lines[0].gross, 99);
  EXPECT_EQ(totals.tax_lines[1].gross, 99);
  EXPECT_EQ(totals.tax_lines[2].gross, 100);
}

struct Rate {
  const char* code;
  uint32_t bp;
};
constexpr Rate kRates[] = {{"A", 1900}, {"B", 700}, {"C", 0}};

// A few hundred pseudo-random receipts (fixed seed): the invariants of the rules.
TEST(ComputeTotalsTest, InvariantsHoldOverRandomReceipts) {
  std::mt19937_64 rng(20240611);
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int with_discount = 0;
  int with_odd_share = 0;
  for (int round = 0; round < 600; ++round) {
    std::vector<ReceiptLine> lines;
    const int64_t count = uniform(1, 8);
    for (int64_t i = 0; i < count; ++i) {
      const Rate& rate = kRates[uniform(0, 2)];
      ReceiptLine line = Line(rate.code, rate.bp, uniform(1, 5), uniform(1, 5000));
      if (uniform(0, 9) < 3) line.discount = uniform(1, line.quantity * line.unit_price);
      line.voided = uniform(0, 9) < 2;
      lines.push_back(line);
    }
    Receipt receipt = ReceiptOf(lines);
    // Gross per rate before the receipt discount, computed here line by line.
    std::map<std::string, int64_t> before;
    std::map<std::string, uint32_t> bps;
    int64_t live_total = 0;
    for (const ReceiptLine& line : receipt.lines) {
      if (line.voided) continue;
      before[line.tax_rate] += line.quantity * line.unit_price - line.discount;
      bps[line.tax_rate] = line.tax_basis_points;
      live_total += line.quantity * line.unit_price - line.discount;
    }
    if (live_total > 0 && uniform(0, 1) == 1) {
      receipt.receipt_discount = uniform(1, live_total);
      ++with_discount;
    }
    SCOPED_TRACE("round " + std::to_string(round));
    const ReceiptTotals totals = ComputeTotals(receipt);

    // One tax line per rate with live lines, in code order.
    std::vector<std::string> codes;
    for (const TaxLineTotal& t : totals.tax_lines) codes.push_back(t.tax_rate);
    std::vector<std::string> expected_codes;
    for (const auto& [code, gross] : before) expected_codes.push_back(code);
    ASSERT_EQ(codes, expected_codes);

    int64_t sum = 0;
    int64_t shared = 0;
    std::map<std::string, int64_t> share;
    for (const TaxLineTotal& t : totals.tax_lines) {
      EXPECT_EQ(t.basis_points, bps[t.tax_rate]);
      EXPECT_EQ(t.net + t.tax, t.gross) << t.tax_rate;
      EXPECT_EQ(t.net, ReferenceNet(t.gross, t.basis_points)) << t.tax_rate;
      EXPECT_GE(t.gross, 0) << t.tax_rate;
      sum += t.gross;
      share[t.tax_rate] = before[t.tax_rate] - t.gross;
      shared += share[t.tax_rate];
    }
    EXPECT_EQ(totals.total, sum);
    EXPECT_EQ(shared, receipt.receipt_discount) << "the shares add up to the discount exactly";
    EXPECT_EQ(totals.total, live_total - receipt.receipt_discount);

    // Largest remainder: each share is the floor of its exact share or one more,
    // and a rate that got the extra unit has a remainder at least as large as any
    // rate that did not (equal remainders: the code that sorts first wins).
    if (receipt.receipt_discount != 0) {
      std::vector<std::string> rounded_up;
      std::vector<std::string> rounded_down;
      std::map<std::string, int64_t> remainder;
      for (const auto& [code, gross] : before) {
        const int64_t exact_numerator = receipt.receipt_discount * gross;
        const int64_t floor_share = exact_numerator / live_total;
        remainder[code] = exact_numerator % live_total;
        ASSERT_TRUE(share[code] == floor_share || share[code] == floor_share + 1)
            << code << ": share " << share[code] << ", exact " << exact_numerator << "/" << live_total;
        (share[code] == floor_share ? rounded_down : rounded_up).push_back(code);
      }
      if (!rounded_up.empty()) ++with_odd_share;
      for (const std::string& up : rounded_up) {
        for (const std::string& down : rounded_down) {
          EXPECT_TRUE(remainder[up] > remainder[down] || (remainder[up] == remainder[down] && up < down))
              << up << " (remainder " << remainder[up] << ") took the extra unit before " << down
              << " (remainder " << remainder[down] << ")";
        }
      }
    }
  }
  // The generator really exercised the discount paths.
  EXPECT_GT(with_discount, 200);
  EXPECT_GT(with_odd_share, 100);
}

// Negative lines (returns on a sale) and a discount: the sums still hold exactly.
TEST(ComputeTotalsTest, NetPlusTaxIsGrossWithReturnLinesToo) {
  std::mt19937_64 rng(7);
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (int round = 0; round < 300; ++round) {
    std::vector<ReceiptLine> lines;
    const int64_t count = uniform(1, 6);
    for (int64_t i = 0; i < count; ++i) {
      const Rate& rate = kRates[uniform(0, 2)];
      const int64_t quantity = uniform(0, 3) == 0 ? -uniform(1, 3) : uniform(1, 5);
      lines.push_back(Line(rate.code, rate.bp, quantity, uniform(1, 5000)));
    }
    Receipt receipt = ReceiptOf(lines);
    int64_t live_total = 0;
    for (const ReceiptLine& line : receipt.lines) live_total += line.Amount();
    if (live_total > 0) receipt.receipt_discount = uniform(0, live_total);
    const ReceiptTotals totals = ComputeTotals(receipt);
    int64_t sum = 0;
    for (const TaxLineTotal& t : totals.tax_lines) {
      EXPECT_EQ(t.net + t.tax, t.gross);
      EXPECT_EQ(t.net, ReferenceNet(t.gross, t.basis_points));
      sum += t.gross;
    }
    EXPECT_EQ(totals.total, sum);
    EXPECT_EQ(totals.total, live_total - receipt.receipt_discount) << "round " << round;
  }
}

}  // namespace
}  // namespace pos
