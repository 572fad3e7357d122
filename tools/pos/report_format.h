// Text forms of the X and Z reports (Z-Bon) as `pos demo` and `pos sale` print them,
// and their JSON form for --json.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "domain/z_report.h"

namespace pos::cli {

// kind: "X" (interim), "Z" (day close) or "site" (the sum of several tills' Z reports).
std::string FormatDayReport(const ZReport& report, const std::string& kind, const std::string& till_name,
                            const std::string& currency);
nlohmann::json DayReportToJson(const ZReport& report);

}  // namespace pos::cli
