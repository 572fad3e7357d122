// The read models a site hub runs: the built-in ones (over every till's events:
// receipt journal, Z reports of every till, period totals, …) plus the site's
// own: site totals per day and the status of each till.
#pragma once

#include "engine/status.h"
#include "projections/projection_runner.h"

namespace pos {

Status RegisterHubProjections(ProjectionRunner& runner);

}  // namespace pos
