// Text and JSON forms of the command API's replies, as `pos sale …` prints them.
// Money is printed as decimal text ("12.34"), like the rest of the CLI.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "adapters/api_generated.h"
#include "domain/z_report.h"

namespace pos::cli {

// The result of an ok reply as JSON ({"ok": true} for Empty).
nlohmann::json ReplyResultToJson(const api::Reply& reply);
// The result of an ok reply as text; `done` is printed for an Empty result.
std::string ReplyResultText(const api::Reply& reply, const std::string& done);
// An API report back as the domain's ZReport (for report_format.h).
ZReport ReportFromApi(const api::Report& report);

}  // namespace pos::cli
