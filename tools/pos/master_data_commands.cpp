// `pos taxrate …`, `pos article …`, `pos user …`: master data on the command line.
#include <iomanip>
#include <iostream>

#include "domain/master_data_service.h"
#include "domain/money.h"
#include "engine/pin_hash.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/master_data_json.h"
#include "tools/pos/secret_input.h"

namespace pos::cli {
namespace {

// Opens the node and runs `command` against its master data service.
void WithService(Context& context, const std::function<Status(MasterDataService&)>& command) {
  auto node = context.OpenNode();
  if (!node.ok()) {
    context.Fail(node.status());
    return;
  }
  MasterDataService service(*node->store, *node->runner);
  Status status = command(service);
  if (!status.ok()) context.Fail(status);
}

// Prints rows as a table, or as a JSON array with --json.
template <typename T>
void PrintList(Context& context, const std::vector<T>& items, const std::vector<std::string>& columns,
               const std::function<std::vector<std::string>(const T&)>& row) {
  if (context.options.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const T& item : items) array.push_back(ToJson(item));
    context.PrintJson(array);
    return;
  }
  std::vector<std::vector<std::string>> rows{columns};
  for (const T& item : items) rows.push_back(row(item));
  std::vector<size_t> widths(columns.size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  }
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      std::cout << std::left << std::setw(static_cast<int>(widths[i])) << r[i] << (i + 1 < r.size() ? "  " : "\n");
    }
  }
  std::cout << items.size() << " " << (items.size() == 1 ? "entry" : "entries") << "\n";
}

void Done(Context& context, const std::string& what) {
  if (context.options.json) {
    context.PrintJson({{"ok", true}, {"done", what}});
  } else {
    std::cout << what << "\n";
  }
}

// Reads a PIN from stdin (--pin-stdin) or, on a terminal, asks for it without echo.
Result<std::string> ReadPin(bool from_stdin) {
  POS_ASSIGN_OR_RETURN(std::string pin, ReadSecret("PIN", from_stdin));
  POS_RETURN_IF_ERROR(ValidatePin(pin));
  return pin;
}

void AddTaxRateOptions(CLI::App* cmd, TaxRate& rate, std::string& percent, bool required) {
  cmd->add_option("--code", rate.code, "Tax rate code, e.g. A")->required();
  auto* name = cmd->add_option("--name", rate.name, "Display name, e.g. 'Regelsteuersatz'");
  auto* value = cmd->add_option("--rate", percent, "Rate in percent with at most two decimals, e.g. 19 or 7.5");
  if (required) {
    name->required();
    value->required();
  }
}

}  // namespace

void AddTaxRateCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("taxrate", "Tax rates (add, change, list)");
  group->require_subcommand(1);

  struct Args {
    TaxRate rate;
    std::string percent;
  };
  auto args = std::make_shared<Args>();
  auto* add = group->add_subcommand("add", "Add a tax rate");
  add->footer("Example: pos taxrate add --code A --name Regelsteuersatz --rate 19");
  AddTaxRateOptions(add, args->rate, args->percent, true);
  add->callback([&context, args] {
    auto basis_points = ParsePercent(args->percent);
    if (!basis_points.ok()) {
      context.Fail(basis_points.status().WithContext("--rate"));
      return;
    }
    args->rate.rate_basis_points = *basis_points;
    WithService(context, [&](MasterDataService& service) {
      POS_RETURN_IF_ERROR(service.AddTaxRate(args->rate, context.options.acting_user));
      Done(context, "added tax rate " + args->rate.code);
      return Status::Ok();
    });
  });

  auto* change = group->add_subcommand("change", "Change a tax rate's name or rate");
  AddTaxRateOptions(change, args->rate, args->percent, false);
  change->callback([&context, args, change] {
    WithService(context, [&](MasterDataService& service) -> Status {
      POS_ASSIGN_OR_RETURN(CatalogView catalog, service.Catalog());
      POS_ASSIGN_OR_RETURN(auto current, catalog.FindTaxRate(args->rate.code));
      if (!current) return Status::NotFound("tax rate " + args->rate.code + " does not exist");
      if (change->count("--name") + change->count("--rate") == 0) {
        return Status::InvalidArgument("nothing to change: give --name or --rate");
      }
      TaxRate next = *current;
      if (change->count("--name") > 0) next.name = args->rate.name;
      if (change->count("--rate") > 0) {
        auto basis_points = ParsePercent(args->percent);
        if (!basis_points.ok()) return basis_points.status().WithContext("--rate");
        next.rate_basis_points = *basis_points;
      }
      POS_RETURN_IF_ERROR(service.ChangeTaxRate(next, context.options.acting_user));
      Done(context, "changed tax rate " + next.code);
      return Status::Ok();
    });
  });

  auto* list = group->add_subcommand("list", "List the tax rates");
  list->callback([&context] {
    WithService(context, [&](MasterDataService& service) -> Status {
      POS_ASSIGN_OR_RETURN(CatalogView catalog, service.Catalog());
      POS_ASSIGN_OR_RETURN(auto rates, catalog.TaxRates());
      PrintList<TaxRate>(context, rates, {"CODE", "RATE %", "NAME"}, [](const TaxRate& r) {
        return std::vector<std::string>{r.code, FormatPercent(r.rate_basis_points), r.name};
      });
      return Status::Ok();
    });
  });
}

void AddArticleCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("article", "Articles (add, change, retire, list)");
  group->require_subcommand(1);

  struct Args {
    Article article;
    std::string price;
  };
  auto args = std::make_shared<Args>();
  auto add_fields = [&](CLI::App* cmd, bool required) {
    cmd->add_option("--code", args->article.code, "Article number (PLU)")->required();
    auto* name = cmd->add_option("--name", args->article.name, "Name printed on receipts");
    auto* price = cmd->add_option("--price", args->price, "Gross price with tax, e.g. 2.40");
    auto* rate = cmd->add_option("--tax-rate", args->article.tax_rate, "Code of the article's tax rate");
    cmd->add_option("--group", args->article.group, "Merchandise group");
    cmd->add_option("--barcode", args->article.barcodes, "A GTIN/EAN that scans to this article (repeatable)");
    if (required) {
      name->required();
      price->required();
      rate->required();
    }
  };

  auto* add = group->add_subcommand("add", "Add an article");
  add->footer("Example: pos article add --code 1001 --name Espresso --price 2.40 --tax-rate A --barcode 4006381333931");
  add_fields(add, true);
  add->callback([&context, args] {
    auto minor = ParseMoney(args->price);
    if (!minor.ok()) {
      context.Fail(minor.status().WithContext("--price"));
      return;
    }
    args->article.gross_price = *minor;
    WithService(context, [&](MasterDataService& service) {
      POS_RETURN_IF_ERROR(service.AddArticle(args->article, context.options.acting_user));
      Done(context, "added article " + args->article.code);
      return Status::Ok();
    });
  });

  auto* change = group->add_subcommand("change", "Change an article; fields not given stay as they are");
  change->footer("--barcode replaces the article's barcodes with the ones given.");
  add_fields(change, false);
  change->callback([&context, args, change] {
    WithService(context, [&](MasterDataService& service) -> Status {
      POS_ASSIGN_OR_RETURN(CatalogView catalog, service.Catalog());
      POS_ASSIGN_OR_RETURN(auto current, catalog.FindArticle(args->article.code));
      if (!current) return Status::NotFound("article " + args->article.code + " does not exist");
      Article next = *current;
      if (change->count("--name") > 0) next.name = args->article.name;
      if (change->count("--tax-rate") > 0) next.tax_rate = args->article.tax_rate;
      if (change->count("--group") > 0) next.group = args->article.group;
      if (change->count("--barcode") > 0) next.barcodes = args->article.barcodes;
      if (change->count("--name") + change->count("--tax-rate") + change->count("--group") +
              change->count("--barcode") + change->count("--price") == 0) {
        return Status::InvalidArgument("nothing to change: give --name, --price, --tax-rate, --group or --barcode");
      }
      if (change->count("--price") > 0) {
        auto minor = ParseMoney(args->price);
        if (!minor.ok()) return minor.status().WithContext("--price");
        next.gross_price = *minor;
      }
      POS_RETURN_IF_ERROR(service.ChangeArticle(next, context.options.acting_user));
      Done(context, "changed article " + next.code);
      return Status::Ok();
    });
  });

  auto code = std::make_shared<std::string>();
  auto* retire = group->add_subcommand("retire", "Retire an article (it stays in the log and in old receipts)");
  retire->add_option("--code", *code, "Article number")->required();
  retire->callback([&context, code] {
    WithService(context, [&](MasterDataService& service) {
      POS_RETURN_IF_ERROR(service.RetireArticle(*code, context.options.acting_user));
      Done(context, "retired article " + *code);
      return Status::Ok();
    });
  });

  auto* list = group->add_subcommand("list", "List the live articles");
  list->callback([&context] {
    WithService(context, [&](MasterDataService& service) -> Status {
      POS_ASSIGN_OR_RETURN(CatalogView catalog, service.Catalog());
      POS_ASSIGN_OR_RETURN(auto articles, catalog.Articles());
      PrintList<Article>(context, articles, {"CODE", "PRICE", "TAX", "GROUP", "NAME"}, [](const Article& a) {
        return std::vector<std::string>{a.code, FormatMoney(a.gross_price), a.tax_rate, a.group, a.name};
      });
      return Status::Ok();
    });
  });
}

void AddUserCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("user", "Users: cashiers, supervisors, admins (add, list)");
  group->require_subcommand(1);

  struct Args {
    User user;
    std::string role = "cashier";
    bool pin_stdin = false;
  };
  auto args = std::make_shared<Args>();
  auto* add = group->add_subcommand("add", "Add a user with a PIN");
  add->footer("The PIN (4 to 12 digits) is asked for on the terminal, or read from standard input\n"
              "with --pin-stdin; it is never a command-line argument and only its salted hash is stored.\n"
              "Example: echo 4711 | pos user add --id anna --name 'Anna Berg' --role cashier --pin-stdin");
  add->add_option("--id", args->user.id, "Login id")->required();
  add->add_option("--name", args->user.name, "Full name")->required();
  add->add_option("--role", args->role, "cashier, supervisor or admin")
      ->check(CLI::IsMember({"cashier", "supervisor", "admin"}))
      ->capture_default_str();
  add->add_flag("--pin-stdin", args->pin_stdin, "Read the PIN from standard input");
  add->callback([&context, args] {
    auto pin = ReadPin(args->pin_stdin);
    if (!pin.ok()) {
      context.Fail(pin.status());
      return;
    }
    auto hash = HashSecret(*pin);
    if (!hash.ok()) {
      context.Fail(hash.status());
      return;
    }
    args->user.role = *ParseUserRole(args->role);
    args->user.pin_hash = *hash;
    WithService(context, [&](MasterDataService& service) {
      POS_RETURN_IF_ERROR(service.AddUser(args->user, context.options.acting_user));
      Done(context, "added " + args->role + " " + args->user.id);
      return Status::Ok();
    });
  });

  auto* list = group->add_subcommand("list", "List the users");
  list->callback([&context] {
    WithService(context, [&](MasterDataService& service) -> Status {
      POS_ASSIGN_OR_RETURN(CatalogView catalog, service.Catalog());
      POS_ASSIGN_OR_RETURN(auto users, catalog.Users());
      PrintList<User>(context, users, {"ID", "ROLE", "NAME"}, [](const User& u) {
        return std::vector<std::string>{u.id, std::string(UserRoleName(u.role)), u.name};
      });
      return Status::Ok();
    });
  });
}

}  // namespace pos::cli
