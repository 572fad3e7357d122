// Money as integer minor units (cents). Text form: an optional '-', digits, and
// at most two decimals with '.' ("1.99", "-0.50", "3"). No floating point anywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos {

// Parses "12.34" into 1234. Refuses more than two decimals, other characters,
// and magnitudes beyond 10^15 minor units.
Result<int64_t> ParseMoney(std::string_view text);
// 1234 -> "12.34", -5 -> "-0.05".
std::string FormatMoney(int64_t minor_units);

// Parses a percentage "19", "7.5", "19.00" into basis points (1900, 750, 1900).
Result<uint32_t> ParsePercent(std::string_view text);
// 1900 -> "19.00".
std::string FormatPercent(uint32_t basis_points);

}  // namespace pos
