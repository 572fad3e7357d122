// MasterDataService: decides master data commands (tax rates, articles, users)
// against the catalog projection and appends their events.
//
// Rules: codes are unique among live entities; an article's tax rate must exist;
// a barcode belongs to one live article; a retired entity is not changed again.
// Each command appends to the entity's stream with the stream's version as the
// expected version, so two writers racing on one entity cannot both win.
// A refused command writes nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/event_store.h"
#include "events/master_data.h"
#include "projections/catalog.h"
#include "projections/projection_runner.h"

namespace pos {

struct CatalogImport {
  std::vector<TaxRate> tax_rates;
  std::vector<Article> articles;
  std::vector<User> users;  // pin_hash already filled
};

struct ImportSummary {
  size_t tax_rates = 0;
  size_t articles = 0;
  size_t users = 0;
};

class MasterDataService {
 public:
  // `runner` must have the catalog projection registered.
  MasterDataService(EventStore& store, ProjectionRunner& runner) : store_(store), runner_(runner) {}

  Status AddTaxRate(const TaxRate& rate, std::string_view acting_user);
  Status ChangeTaxRate(const TaxRate& rate, std::string_view acting_user);
  Status AddArticle(const Article& article, std::string_view acting_user);
  Status ChangeArticle(const Article& article, std::string_view acting_user);
  Status RetireArticle(std::string_view code, std::string_view acting_user);
  Status AddUser(const User& user, std::string_view acting_user);

  // Validates the whole import first (nothing is written if any entry is bad),
  // then appends every entity in one wave of group commits.
  Result<ImportSummary> Import(const CatalogImport& import, std::string_view acting_user);

  Result<CatalogView> Catalog() const;

 private:
  Status Submit(AppendBatch batch);
  Status CheckArticle(const CatalogView& catalog, const Article& article, bool changing,
                      const std::vector<TaxRate>& pending_rates) const;

  EventStore& store_;
  ProjectionRunner& runner_;
};

}  // namespace pos
