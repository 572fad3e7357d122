// Receipt totals per tax rate, and the rounding rule.
//
// Prices are gross (tax included). For each tax rate:
//   gross = sum of the live lines' amounts at that rate, minus that rate's share of
//           the receipt discount;
//   net   = gross * 10000 / (10000 + basis_points), rounded half away from zero
//           to whole minor units;
//   tax   = gross - net (so net + tax == gross exactly, always).
// The receipt discount is shared out in proportion to each rate's gross, by the
// largest-remainder method, so the shares sum to the discount exactly; ties go
// to the rate whose code sorts first.
// Rounding happens once per tax rate and receipt, never per line.
#pragma once

#include <cstdint>

#include "domain/receipt.h"

namespace pos {

ReceiptTotals ComputeTotals(const Receipt& receipt);

// gross * 10000 / (10000 + basis_points), rounded half away from zero.
int64_t NetFromGross(int64_t gross, uint32_t basis_points);

}  // namespace pos
