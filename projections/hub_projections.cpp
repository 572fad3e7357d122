#include "projections/hub_projections.h"

#include "projections/builtin_projections.h"
#include "projections/site_totals.h"
#include "projections/till_status.h"

namespace pos {

Status RegisterHubProjections(ProjectionRunner& runner) {
  POS_RETURN_IF_ERROR(RegisterBuiltinProjections(runner));
  POS_RETURN_IF_ERROR(runner.Register(std::make_unique<SiteTotalsProjection>()));
  return runner.Register(std::make_unique<TillStatusProjection>());
}

}  // namespace pos
