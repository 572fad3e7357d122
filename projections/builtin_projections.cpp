#include "projections/builtin_projections.h"

#include "projections/article_sales.h"
#include "projections/catalog.h"
#include "projections/journal_statistics.h"
#include "projections/period_totals.h"
#include "projections/receipt_journal.h"
#include "projections/z_reports.h"

namespace pos {

Status RegisterBuiltinProjections(ProjectionRunner& runner) {
  POS_RETURN_IF_ERROR(runner.Register(std::make_unique<JournalStatisticsProjection>()));
  POS_RETURN_IF_ERROR(runner.Register(std::make_unique<CatalogProjection>()));
  POS_RETURN_IF_ERROR(runner.Register(std::make_unique<ReceiptJournalProjection>()));
  POS_RETURN_IF_ERROR(runner.Register(std::make_unique<ZReportsProjection>()));
  POS_RETURN_IF_ERROR(runner.Register(std::make_unique<PeriodTotalsProjection>()));
  POS_RETURN_IF_ERROR(runner.Register(std::make_unique<ArticleSalesProjection>()));
  return Status::Ok();
}

}  // namespace pos
