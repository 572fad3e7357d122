// Catalog: the current master data (tax rates, articles, users) and the lookups
// a till needs (article by code or barcode, user by id).
//
// Conflicts resolve last-writer-wins per entity by (hybrid logical clock,
// origin node id): an event older than the entity's current record changes
// nothing here, and stays in the log. Retiring an entity leaves a tombstone
// with its clock, so an older change cannot bring it back.
//
// Keys: "taxrate/<code>", "article/<code>", "user/<id>" -> Record (below);
//       "barcode/<barcode>\0<article code>" -> "" for every live article record
//       listing the barcode (several when tills disagreed; the lookup takes the
//       article record with the highest (HLC, origin)). Version 2: was
//       "barcode/<code>" -> article code, which depended on arrival order.
// Record: hlc u64 BE | origin 16 B | live u8 (1 live, 0 retired) |
//         type u32 BE | payload bytes of the *Created/*Changed event.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "events/master_data.h"
#include "projections/projection.h"

namespace pos {

class CatalogProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "catalog";
  std::string_view Name() const override { return kName; }
  uint32_t Version() const override { return 2; }
  Status Apply(const EventView& event, ProjectionState& state) override;
};

// Queries over the catalog's committed state. Retired entities are not listed.
class CatalogView {
 public:
  explicit CatalogView(ProjectionReader reader) : reader_(reader) {}

  Result<std::optional<Article>> FindArticle(std::string_view code) const;
  Result<std::optional<Article>> FindArticleByBarcode(std::string_view barcode) const;
  Result<std::optional<TaxRate>> FindTaxRate(std::string_view code) const;
  Result<std::optional<User>> FindUser(std::string_view id) const;
  // True when the entity was retired (a tombstone exists).
  Result<bool> IsRetired(std::string_view key) const;

  Result<std::vector<Article>> Articles() const;
  Result<std::vector<TaxRate>> TaxRates() const;
  Result<std::vector<User>> Users() const;

 private:
  ProjectionReader reader_;
};

}  // namespace pos
