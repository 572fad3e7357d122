// DriveFrontEnds: N concurrent front ends, each selling whole receipts one after
// the other until `receipts` receipts are sold in all. A receipt's commands are
// sequential (each waits for its acknowledgement), front ends run in parallel.
#pragma once

#include <cstddef>
#include <functional>

#include "engine/status.h"

namespace pos::bench {

// sell(front_end, receipt_index) sells one receipt. Returns receipts per second
// over the whole run, or the first error a front end met (the others stop).
Result<double> DriveFrontEnds(size_t front_ends, size_t receipts,
                              const std::function<Status(size_t front_end, size_t receipt)>& sell);

}  // namespace pos::bench
