#include "projections/builtin_projections.h"

#include "projections/catalog.h"
#include "projections/journal_statistics.h"

namespace pos {

Status RegisterBuiltinProjections(ProjectionRunner& runner) {
  POS_RETURN_IF_ERROR(runner.Register(std::make_unique<JournalStatisticsProjection>()));
  POS_RETURN_IF_ERROR(runner.Register(std::make_unique<CatalogProjection>()));
  return Status::Ok();
}

}  // namespace pos
