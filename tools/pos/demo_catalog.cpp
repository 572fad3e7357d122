#include "tools/pos/demo_catalog.h"

#include <array>
#include <random>

#include "engine/pin_hash.h"

namespace pos::cli {
namespace {

struct Group {
  const char* name;
  const char* tax_rate;
  int64_t min_price;
  int64_t max_price;
  std::array<const char*, 8> nouns;
};

const std::array<Group, 7> kGroups = {{
    {"drinks", "A", 89, 1299, {"Mineral water", "Cola", "Apple juice", "Lemonade", "Iced tea", "Beer", "Red wine", "Espresso"}},
    {"bakery", "B", 39, 599, {"Pretzel", "Croissant", "Rye bread", "Bagel", "Muffin", "Baguette", "Donut", "Apple pie"}},
    {"dairy", "B", 49, 899, {"Milk", "Yoghurt", "Butter", "Gouda", "Cream", "Quark", "Mozzarella", "Kefir"}},
    {"produce", "B", 29, 699, {"Apples", "Bananas", "Tomatoes", "Carrots", "Grapes", "Potatoes", "Onions", "Lettuce"}},
    {"household", "A", 99, 2499, {"Dish soap", "Sponges", "Paper towels", "Detergent", "Light bulb", "Batteries", "Candles", "Foil"}},
    {"press", "B", 150, 1290, {"Newspaper", "Magazine", "Comic", "Puzzle book", "Road atlas", "Cookbook", "Postcard", "Calendar"}},
    {"vouchers", "C", 1000, 5000, {"Gift voucher", "Gift card", "Voucher", "Bonus card", "Gift token", "Coupon", "Present card", "Credit"}},
}};

const std::array<const char*, 12> kAdjectives = {"Organic", "Classic", "Fresh",  "Premium", "Light", "Family",
                                                 "Mini",    "Large",   "Bavarian", "Alpine", "Farm", "Daily"};

}  // namespace

const std::vector<DemoUser>& DemoCashiers() {
  static const std::vector<DemoUser> cashiers = {{"anna", "1111"}, {"ben", "2222"}, {"cara", "3333"}, {"dave", "4444"},
                                                 {"eva", "5151"},  {"finn", "6161"}, {"gina", "7171"}, {"hugo", "8181"}};
  return cashiers;
}

std::string Ean13(const std::string& body12) {
  int sum = 0;
  for (size_t i = 0; i < 12; ++i) sum += (body12[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return body12 + static_cast<char>('0' + (10 - sum % 10) % 10);
}

Result<CatalogImport> MakeDemoCatalog(uint64_t seed, size_t articles, int pin_iterations) {
  CatalogImport catalog;
  catalog.tax_rates = {{"A", "Regelsteuersatz", 1900}, {"B", "Ermaessigter Steuersatz", 700}, {"C", "Steuerfrei", 0}};
  std::mt19937_64 random(seed);
  for (size_t i = 0; i < articles; ++i) {
    const Group& group = kGroups[i % kGroups.size()];
    Article article;
    article.code = std::to_string(10000 + i);
    article.name = std::string(kAdjectives[random() % kAdjectives.size()]) + " " +
                   group.nouns[(i / kGroups.size()) % group.nouns.size()] + " " + std::to_string(i);
    article.group = group.name;
    article.tax_rate = group.tax_rate;
    const auto span = static_cast<uint64_t>(group.max_price - group.min_price);
    article.gross_price = group.min_price + static_cast<int64_t>(random() % (span + 1));
    char body[16];
    std::snprintf(body, sizeof body, "400%09zu", 100000000 + i);
    article.barcodes.push_back(Ean13(body));
    catalog.articles.push_back(std::move(article));
  }
  std::vector<std::pair<User, std::string>> users = {{{"root", "Site Admin", UserRole::kAdmin, ""}, "9999"},
                                                     {{kDemoSupervisor, "Sam Supervisor", UserRole::kSupervisor, ""},
                                                      kDemoSupervisorPin}};
  for (const DemoUser& cashier : DemoCashiers()) {
    std::string name = cashier.id;
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
    users.push_back({{cashier.id, name, UserRole::kCashier, ""}, cashier.pin});
  }
  for (auto& [user, pin] : users) {
    POS_ASSIGN_OR_RETURN(user.pin_hash, HashSecret(pin, pin_iterations));
    catalog.users.push_back(user);
  }
  return catalog;
}

}  // namespace pos::cli
