#include "domain/master_data_service.h"

#include <set>

#include "events/event_types.h"

namespace pos {
namespace {

AppendBatch MakeBatch(std::string stream, uint64_t expected, std::string_view user, EventType type,
                      std::vector<uint8_t> payload) {
  AppendBatch batch;
  batch.stream = std::move(stream);
  batch.expected_version = expected;
  batch.user = std::string(user);
  batch.events.push_back(NewEvent{type, std::move(payload)});
  return batch;
}

}  // namespace

Result<CatalogView> MasterDataService::Catalog() const {
  POS_ASSIGN_OR_RETURN(ProjectionReader reader, runner_.Reader(CatalogProjection::kName));
  return CatalogView(reader);
}

Status MasterDataService::Submit(AppendBatch batch) {
  auto appended = store_.Append(std::move(batch));
  if (!appended.ok()) return appended.status();
  return runner_.CatchUp();
}

Status MasterDataService::CheckArticle(const CatalogView& catalog, const Article& article, bool changing,
                                       const std::vector<TaxRate>& pending_rates) const {
  POS_RETURN_IF_ERROR(ValidateArticle(article));
  POS_ASSIGN_OR_RETURN(auto rate, catalog.FindTaxRate(article.tax_rate));
  const bool pending = std::any_of(pending_rates.begin(), pending_rates.end(),
                                   [&](const TaxRate& r) { return r.code == article.tax_rate; });
  if (!rate.has_value() && !pending) {
    return Status::NotFound("article " + article.code + ": tax rate '" + article.tax_rate +
                            "' does not exist (add it with `pos taxrate add`)");
  }
  POS_ASSIGN_OR_RETURN(auto existing, catalog.FindArticle(article.code));
  if (changing && !existing.has_value()) {
    return Status::NotFound("article " + article.code + " does not exist (add it with `pos article add`)");
  }
  if (!changing && existing.has_value()) {
    return Status::AlreadyExists("article " + article.code + " exists already (use `pos article change`)");
  }
  POS_ASSIGN_OR_RETURN(bool retired, catalog.IsRetired(ArticleStream(article.code)));
  if (retired) return Status::FailedPrecondition("article " + article.code + " is retired; use a new code");
  std::set<std::string> seen;
  for (const auto& barcode : article.barcodes) {
    if (!seen.insert(barcode).second) {
      return Status::InvalidArgument("article " + article.code + ": barcode " + barcode + " is given twice");
    }
    POS_ASSIGN_OR_RETURN(auto owner, catalog.FindArticleByBarcode(barcode));
    if (owner.has_value() && owner->code != article.code) {
      return Status::AlreadyExists("barcode " + barcode + " belongs to article " + owner->code + " already");
    }
  }
  return Status::Ok();
}

Status MasterDataService::AddTaxRate(const TaxRate& rate, std::string_view acting_user) {
  POS_RETURN_IF_ERROR(ValidateTaxRate(rate));
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_ASSIGN_OR_RETURN(auto existing, catalog.FindTaxRate(rate.code));
  if (existing.has_value()) return Status::AlreadyExists("tax rate " + rate.code + " exists already");
  POS_ASSIGN_OR_RETURN(bool retired, catalog.IsRetired(TaxRateStream(rate.code)));
  if (retired) return Status::FailedPrecondition("tax rate " + rate.code + " is retired; use a new code");
  POS_ASSIGN_OR_RETURN(uint64_t version, store_.StreamVersion(TaxRateStream(rate.code)));
  return Submit(MakeBatch(TaxRateStream(rate.code), version, acting_user, EventType::kTaxRateCreated,
                          EncodeTaxRate(rate, /*changed=*/false)));
}

Status MasterDataService::ChangeTaxRate(const TaxRate& rate, std::string_view acting_user) {
  POS_RETURN_IF_ERROR(ValidateTaxRate(rate));
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_ASSIGN_OR_RETURN(auto existing, catalog.FindTaxRate(rate.code));
  if (!existing.has_value()) return Status::NotFound("tax rate " + rate.code + " does not exist");
  if (*existing == rate) return Status::Ok();  // nothing changes, nothing is written
  POS_ASSIGN_OR_RETURN(uint64_t version, store_.StreamVersion(TaxRateStream(rate.code)));
  return Submit(MakeBatch(TaxRateStream(rate.code), version, acting_user, EventType::kTaxRateChanged,
                          EncodeTaxRate(rate, /*changed=*/true)));
}

Status MasterDataService::AddArticle(const Article& article, std::string_view acting_user) {
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_RETURN_IF_ERROR(CheckArticle(catalog, article, /*changing=*/false, {}));
  POS_ASSIGN_OR_RETURN(uint64_t version, store_.StreamVersion(ArticleStream(article.code)));
  return Submit(MakeBatch(ArticleStream(article.code), version, acting_user, EventType::kArticleCreated,
                          EncodeArticle(article, /*changed=*/false)));
}

Status MasterDataService::ChangeArticle(const Article& article, std::string_view acting_user) {
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_RETURN_IF_ERROR(CheckArticle(catalog, article, /*changing=*/true, {}));
  POS_ASSIGN_OR_RETURN(auto existing, catalog.FindArticle(article.code));
  if (existing.has_value() && *existing == article) return Status::Ok();
  POS_ASSIGN_OR_RETURN(uint64_t version, store_.StreamVersion(ArticleStream(article.code)));
  return Submit(MakeBatch(ArticleStream(article.code), version, acting_user, EventType::kArticleChanged,
                          EncodeArticle(article, /*changed=*/true)));
}

Status MasterDataService::RetireArticle(std::string_view code, std::string_view acting_user) {
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_ASSIGN_OR_RETURN(auto existing, catalog.FindArticle(code));
  if (!existing.has_value()) return Status::NotFound("article " + std::string(code) + " does not exist");
  POS_ASSIGN_OR_RETURN(uint64_t version, store_.StreamVersion(ArticleStream(code)));
  return Submit(MakeBatch(ArticleStream(code), version, acting_user, EventType::kArticleRetired,
                          EncodeRetired(static_cast<uint32_t>(EventType::kArticleRetired), code)));
}

Status MasterDataService::AddUser(const User& user, std::string_view acting_user) {
  POS_RETURN_IF_ERROR(ValidateUser(user));
  if (user.pin_hash.empty()) return Status::InvalidArgument("user " + user.id + " has no PIN");
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  POS_ASSIGN_OR_RETURN(auto existing, catalog.FindUser(user.id));
  if (existing.has_value()) return Status::AlreadyExists("user " + user.id + " exists already");
  POS_ASSIGN_OR_RETURN(uint64_t version, store_.StreamVersion(UserStream(user.id)));
  return Submit(MakeBatch(UserStream(user.id), version, acting_user, EventType::kUserCreated,
                          EncodeUser(user, /*changed=*/false)));
}

Result<ImportSummary> MasterDataService::Import(const CatalogImport& import, std::string_view acting_user) {
  POS_ASSIGN_OR_RETURN(CatalogView catalog, Catalog());
  std::vector<AppendBatch> batches;
  std::set<std::string> codes;
  std::set<std::string> barcodes;
  for (const TaxRate& rate : import.tax_rates) {
    POS_RETURN_IF_ERROR(ValidateTaxRate(rate));
    if (!codes.insert(TaxRateStream(rate.code)).second) {
      return Status::InvalidArgument("tax rate " + rate.code + " appears twice in the import");
    }
    POS_ASSIGN_OR_RETURN(auto existing, catalog.FindTaxRate(rate.code));
    if (existing.has_value()) return Status::AlreadyExists("tax rate " + rate.code + " exists already");
    POS_ASSIGN_OR_RETURN(uint64_t version, store_.StreamVersion(TaxRateStream(rate.code)));
    batches.push_back(MakeBatch(TaxRateStream(rate.code), version, acting_user, EventType::kTaxRateCreated,
                                EncodeTaxRate(rate, false)));
  }
  for (const Article& article : import.articles) {
    POS_RETURN_IF_ERROR(CheckArticle(catalog, article, /*changing=*/false, import.tax_rates));
    if (!codes.insert(ArticleStream(article.code)).second) {
      return Status::InvalidArgument("article " + article.code + " appears twice in the import");
    }
    for (const auto& barcode : article.barcodes) {
      if (!barcodes.insert(barcode).second) {
        return Status::InvalidArgument("barcode " + barcode + " appears twice in the import");
      }
    }
    POS_ASSIGN_OR_RETURN(uint64_t version, store_.StreamVersion(ArticleStream(article.code)));
    batches.push_back(MakeBatch(ArticleStream(article.code), version, acting_user, EventType::kArticleCreated,
                                EncodeArticle(article, false)));
  }
  for (const User& user : import.users) {
    POS_RETURN_IF_ERROR(ValidateUser(user));
    if (user.pin_hash.empty()) return Status::InvalidArgument("user " + user.id + " has no PIN");
    if (!codes.insert(UserStream(user.id)).second) {
      return Status::InvalidArgument("user " + user.id + " appears twice in the import");
    }
    POS_ASSIGN_OR_RETURN(auto existing, catalog.FindUser(user.id));
    if (existing.has_value()) return Status::AlreadyExists("user " + user.id + " exists already");
    POS_ASSIGN_OR_RETURN(uint64_t version, store_.StreamVersion(UserStream(user.id)));
    batches.push_back(MakeBatch(UserStream(user.id), version, acting_user, EventType::kUserCreated,
                                EncodeUser(user, false)));
  }
  for (auto& result : store_.AppendMany(std::move(batches))) {
    if (!result.ok()) return result.status().WithContext("import stopped part way; the entries before were stored");
  }
  POS_RETURN_IF_ERROR(runner_.CatchUp());
  return ImportSummary{import.tax_rates.size(), import.articles.size(), import.users.size()};
}

}  // namespace pos
