// JSON forms of master data, as `pos … list --json` prints them and
// `pos catalog import` reads them (docs/cli.md shows the import file).
//   tax rate: {"code":"A","name":"Regelsteuersatz","rate":"19.00"}
//   article:  {"code":"1001","name":"Espresso","price":"2.40","tax_rate":"A",
//              "group":"drinks","barcodes":["4006381333931"]}
//   user:     {"id":"anna","name":"Anna Berg","role":"cashier"}  (import adds "pin")
#pragma once

#include <nlohmann/json.hpp>

#include "engine/status.h"
#include "events/master_data.h"

namespace pos::cli {

nlohmann::json ToJson(const TaxRate& rate);
nlohmann::json ToJson(const Article& article);
nlohmann::json ToJson(const User& user);  // never includes the PIN hash

// Parsers name the entry and field that is wrong: "articles[3].price: …".
Result<TaxRate> TaxRateFromJson(const nlohmann::json& value, const std::string& where);
Result<Article> ArticleFromJson(const nlohmann::json& value, const std::string& where);
// Returns the user and its plain PIN (to be hashed by the caller).
Result<std::pair<User, std::string>> UserFromJson(const nlohmann::json& value, const std::string& where);

// A PIN is 4 to 12 digits.
Status ValidatePin(std::string_view pin);

}  // namespace pos::cli
