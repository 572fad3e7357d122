#include "bench/till_fixture.h"

#include <memory>

#include "domain/fiscal/software_tse.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "domain/master_data_service.h"
#include "engine/bytes.h"
#include "engine/clock.h"
#include "engine/event_store.h"
#include "engine/pin_hash.h"
#include "projections/builtin_projections.h"

namespace pos::bench {

FixtureCatalog MakeFixtureCatalog(int articles) {
  FixtureCatalog catalog;
  catalog.tax_rates = {{"A", "Standard", 1900}, {"B", "Reduced", 700}};
  static const char* const kGroups[] = {"drinks", "bakery", "dairy", "produce", "household"};
  for (int i = 0; i < articles; ++i) {
    Article article;
    article.code = std::to_string(10000 + i);
    article.name = "Article " + std::to_string(i) + " " + kGroups[i % 5];
    article.gross_price = 49 + (i * 37) % 1950;  // 0.49 .. 19.98
    article.tax_rate = i % 3 == 2 ? "B" : "A";
    article.group = kGroups[i % 5];
    article.barcodes = {"40" + std::to_string(1000000000 + i)};
    catalog.articles.push_back(std::move(article));
  }
  catalog.users = {{kCashier, "Anna", UserRole::kCashier, ""}, {kSupervisor, "Sam", UserRole::kSupervisor, ""}};
  return catalog;
}

Status CreateTillFixture(const std::string& dir, const TillFixtureOptions& options) {
  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, EventStore::Create(dir, {.node_name = options.node_name}));
  ProjectionRunner runner(*store);
  POS_RETURN_IF_ERROR(RegisterBuiltinProjections(runner));
  POS_RETURN_IF_ERROR(runner.CatchUp());
  MasterDataService master(*store, runner);
  const FixtureCatalog catalog = MakeFixtureCatalog(options.articles);
  for (const TaxRate& rate : catalog.tax_rates) POS_RETURN_IF_ERROR(master.AddTaxRate(rate, "root"));
  for (const Article& article : catalog.articles) POS_RETURN_IF_ERROR(master.AddArticle(article, "root"));
  const std::string pins[] = {kCashierPin, kSupervisorPin};
  for (size_t i = 0; i < catalog.users.size(); ++i) {
    User user = catalog.users[i];
    POS_ASSIGN_OR_RETURN(user.pin_hash, HashSecret(pins[i]));
    POS_RETURN_IF_ERROR(master.AddUser(user, "root"));
  }
  POS_RETURN_IF_ERROR(runner.CatchUp());
  if (options.tse) {
    POS_ASSIGN_OR_RETURN(std::unique_ptr<fiscal::SoftwareTse> tse, fiscal::SoftwareTse::Open(fiscal::TseDirOf(*store)));
    POS_RETURN_IF_ERROR(tse->Initialise(kTseAdminPin, DefaultClock()->NowMicros()).status());
    POS_RETURN_IF_ERROR(tse->RegisterClient(kTseAdminPin, ToHex(store->node_id())));
  }
  return Status::Ok();
}

}  // namespace pos::bench
