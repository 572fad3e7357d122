// `pos catalog import FILE`: loads tax rates, articles and users from a JSON file.
#include <fstream>
#include <iostream>

#include "domain/master_data_service.h"
#include "engine/pin_hash.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/master_data_json.h"

namespace pos::cli {
namespace {

Result<CatalogImport> ReadImportFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open catalog file " + path);
  nlohmann::json document = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Status::InvalidArgument(path + " is not valid JSON");
  if (!document.is_object()) return Status::InvalidArgument(path + ": the top level must be a JSON object");
  for (const auto& [key, value] : document.items()) {
    if (key != "tax_rates" && key != "articles" && key != "users") {
      return Status::InvalidArgument(path + ": unknown key '" + key + "' (expected tax_rates, articles, users)");
    }
    if (!value.is_array()) return Status::InvalidArgument(path + ": '" + key + "' must be an array");
  }
  CatalogImport import;
  auto section = [&](const char* key) { return document.contains(key) ? document[key] : nlohmann::json::array(); };
  const auto rates = section("tax_rates");
  for (size_t i = 0; i < rates.size(); ++i) {
    auto rate = TaxRateFromJson(rates[i], "tax_rates[" + std::to_string(i) + "]");
    if (!rate.ok()) return rate.status().WithContext(path);
    import.tax_rates.push_back(std::move(rate).value());
  }
  const auto articles = section("articles");
  for (size_t i = 0; i < articles.size(); ++i) {
    auto article = ArticleFromJson(articles[i], "articles[" + std::to_string(i) + "]");
    if (!article.ok()) return article.status().WithContext(path);
    import.articles.push_back(std::move(article).value());
  }
  const auto users = section("users");
  for (size_t i = 0; i < users.size(); ++i) {
    auto user = UserFromJson(users[i], "users[" + std::to_string(i) + "]");
    if (!user.ok()) return user.status().WithContext(path);
    POS_ASSIGN_OR_RETURN(user->first.pin_hash, HashSecret(user->second));
    import.users.push_back(std::move(user->first));
  }
  return import;
}

}  // namespace

void AddCatalogCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("catalog", "Whole-catalog operations (import)");
  group->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* import = group->add_subcommand("import", "Import tax rates, articles and users from a JSON file");
  import->footer(
      "The file: {\"tax_rates\":[{\"code\":\"A\",\"name\":\"Regelsteuersatz\",\"rate\":\"19\"}],\n"
      "           \"articles\":[{\"code\":\"1001\",\"name\":\"Espresso\",\"price\":\"2.40\",\"tax_rate\":\"A\",\n"
      "                         \"group\":\"drinks\",\"barcodes\":[\"4006381333931\"]}],\n"
      "           \"users\":[{\"id\":\"anna\",\"name\":\"Anna Berg\",\"role\":\"cashier\",\"pin\":\"4711\"}]}\n"
      "Every entry is checked before anything is written: one bad entry and nothing is imported.\n"
      "See samples/catalog.json.");
  import->add_option("FILE", *file, "The JSON catalog file")->required();
  import->callback([&context, file] {
    auto import_data = ReadImportFile(*file);
    if (!import_data.ok()) {
      context.Fail(import_data.status());
      return;
    }
    auto node = context.OpenNode();
    if (!node.ok()) {
      context.Fail(node.status());
      return;
    }
    MasterDataService service(*node->store, *node->runner);
    auto summary = service.Import(*import_data, context.options.acting_user);
    if (!summary.ok()) {
      context.Fail(summary.status());
      return;
    }
    if (context.options.json) {
      context.PrintJson({{"tax_rates", summary->tax_rates}, {"articles", summary->articles}, {"users", summary->users}});
    } else {
      std::cout << "imported " << summary->tax_rates << " tax rates, " << summary->articles << " articles, "
                << summary->users << " users\n";
    }
  });
}

}  // namespace pos::cli
