#include "domain/money.h"

#include <cstdlib>

namespace pos {
namespace {

// Parses digits[.dd] into an integer scaled by 100. Sign handled by callers.
Result<int64_t> ParseScaled(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(text) +
                                   "' is not a number with at most two decimals (like 12.34)");
  };
  if (text.empty()) return bad();
  const size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 13 || fraction.size() > 2 || (dot != std::string_view::npos && fraction.empty())) {
    return bad();
  }
  int64_t value = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return bad();
    value = value * 10 + (c - '0');
  }
  int64_t cents = 0;
  for (size_t i = 0; i < 2; ++i) {
    cents *= 10;
    if (i < fraction.size()) {
      if (fraction[i] < '0' || fraction[i] > '9') return bad();
      cents += fraction[i] - '0';
    }
  }
  return value * 100 + cents;
}

}  // namespace

Result<int64_t> ParseMoney(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  POS_ASSIGN_OR_RETURN(int64_t value, ParseScaled(negative ? text.substr(1) : text, "amount"));
  return negative ? -value : value;
}

std::string FormatMoney(int64_t minor_units) {
  const bool negative = minor_units < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor_units) : static_cast<uint64_t>(minor_units);
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + cents;
}

Result<uint32_t> ParsePercent(std::string_view text) {
  POS_ASSIGN_OR_RETURN(int64_t value, ParseScaled(text, "percentage"));
  if (value > 10000) return Status::InvalidArgument("percentage " + std::string(text) + " is above 100");
  return static_cast<uint32_t>(value);
}

std::string FormatPercent(uint32_t basis_points) { return FormatMoney(basis_points); }

}  // namespace pos
