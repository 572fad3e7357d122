// A 2 x 20 character customer (pole) display fed as text.
//
// Every call writes one frame to the sink in a single Write: exactly two rows, each
// exactly 20 characters followed by "\n" (so a frame is 42 characters). Characters are
// Unicode code points of UTF-8 text; rows are cut after the 20th character or padded
// with spaces. Control characters and malformed UTF-8 bytes show as '?', TAB as a space.
//
//   ShowLine("Cola 0.5l", 240)   "Cola 0.5l           \n"
//                                "            2.40 EUR\n"
//   ShowTotal(1234)              "TOTAL               \n"
//                                "           12.34 EUR\n"
//   ShowChange(66)               "CHANGE              \n"
//                                "            0.66 EUR\n"
//   Clear()                      20 spaces "\n", 20 spaces "\n"
//
// Row 1 is left-aligned text; row 2 is "<amount> <currency>" right-aligned, amounts as
// FormatMoney ("-0.05"). When that does not fit in 20 characters the currency is left
// out; an amount that alone does not fit shows as 20 '#', never as a cut number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/device_sinks.h"
#include "engine/status.h"

namespace pos {

struct CustomerDisplayOptions {
  std::string currency = "EUR";  // empty: amounts without currency
  std::string total_label = "TOTAL";
  std::string change_label = "CHANGE";
};

class CustomerDisplay {
 public:
  static constexpr size_t kColumns = 20;
  static constexpr size_t kRows = 2;

  // The sink must outlive the display.
  explicit CustomerDisplay(ByteSink& sink, CustomerDisplayOptions options = {})
      : sink_(sink), options_(std::move(options)) {}

  Status ShowLine(std::string_view name, int64_t amount);
  Status ShowTotal(int64_t total);
  Status ShowChange(int64_t change);
  Status Clear();

  // The frame the Show* calls write, for callers that want to preview it.
  std::string Frame(std::string_view top_left, std::string_view bottom_right) const;
  std::string AmountText(int64_t amount) const;

 private:
  Status Show(std::string_view top_left, std::string_view bottom_right);

  ByteSink& sink_;
  CustomerDisplayOptions options_;
};

}  // namespace pos
