// What a backup, a restore and a migration compare: a node's chain heads, event
// counts, projection digests, article count, Z reports and monthly totals.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "engine/status.h"
#include "tools/pos/cli_context.h"

namespace pos::cli {

// Monthly totals of closed days: per "month" (YYYY-MM of the Z report's close,
// UTC) the sums of receipts, refunds and total of `z_reports` (as NodeSummary lists them).
nlohmann::json MonthlyTotalsOf(const nlohmann::json& z_reports);

// The summary of the node's log up to local sequence `upto` (the whole log by
// default): node_id, last_sequence, events, events_by_type, heads (origin hex ->
// seq, hash), projections (name -> keys, sha256 of the state; only with the
// whole log), articles, z_reports, monthly_totals (MonthlyTotalsOf the Z
// reports: closed days only). Projections must be caught up.
Result<nlohmann::json> NodeSummary(Node& node, uint64_t upto = UINT64_MAX);

}  // namespace pos::cli
