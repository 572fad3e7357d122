#include "tools/pos/master_data_json.h"

#include "domain/money.h"

namespace pos::cli {
namespace {

Result<std::string> StringField(const nlohmann::json& value, const std::string& where, const char* field,
                                bool required) {
  if (!value.contains(field)) {
    if (required) return Status::InvalidArgument(where + "." + field + " is missing");
    return std::string();
  }
  if (!value[field].is_string()) return Status::InvalidArgument(where + "." + field + " must be a string");
  return value[field].get<std::string>();
}

Status CheckObject(const nlohmann::json& value, const std::string& where) {
  if (!value.is_object()) return Status::InvalidArgument(where + " must be a JSON object");
  return Status::Ok();
}

}  // namespace

nlohmann::json ToJson(const TaxRate& rate) {
  return {{"code", rate.code}, {"name", rate.name}, {"rate", FormatPercent(rate.rate_basis_points)}};
}

nlohmann::json ToJson(const Article& article) {
  return {{"code", article.code},         {"name", article.name},   {"price", FormatMoney(article.gross_price)},
          {"tax_rate", article.tax_rate}, {"group", article.group}, {"barcodes", article.barcodes}};
}

nlohmann::json ToJson(const User& user) {
  return {{"id", user.id}, {"name", user.name}, {"role", std::string(UserRoleName(user.role))}};
}

Result<TaxRate> TaxRateFromJson(const nlohmann::json& value, const std::string& where) {
  POS_RETURN_IF_ERROR(CheckObject(value, where));
  TaxRate rate;
  POS_ASSIGN_OR_RETURN(rate.code, StringField(value, where, "code", true));
  POS_ASSIGN_OR_RETURN(rate.name, StringField(value, where, "name", true));
  POS_ASSIGN_OR_RETURN(std::string percent, StringField(value, where, "rate", true));
  auto basis_points = ParsePercent(percent);
  if (!basis_points.ok()) return basis_points.status().WithContext(where + ".rate");
  rate.rate_basis_points = *basis_points;
  POS_RETURN_IF_ERROR(ValidateTaxRate(rate).WithContext(where));
  return rate;
}

Result<Article> ArticleFromJson(const nlohmann::json& value, const std::string& where) {
  POS_RETURN_IF_ERROR(CheckObject(value, where));
  Article article;
  POS_ASSIGN_OR_RETURN(article.code, StringField(value, where, "code", true));
  POS_ASSIGN_OR_RETURN(article.name, StringField(value, where, "name", true));
  POS_ASSIGN_OR_RETURN(article.tax_rate, StringField(value, where, "tax_rate", true));
  POS_ASSIGN_OR_RETURN(article.group, StringField(value, where, "group", false));
  POS_ASSIGN_OR_RETURN(std::string price, StringField(value, where, "price", true));
  auto minor = ParseMoney(price);
  if (!minor.ok()) return minor.status().WithContext(where + ".price");
  article.gross_price = *minor;
  if (value.contains("barcodes")) {
    const auto& barcodes = value["barcodes"];
    if (!barcodes.is_array()) return Status::InvalidArgument(where + ".barcodes must be an array of strings");
    for (const auto& barcode : barcodes) {
      if (!barcode.is_string()) return Status::InvalidArgument(where + ".barcodes must be an array of strings");
      article.barcodes.push_back(barcode.get<std::string>());
    }
  }
  POS_RETURN_IF_ERROR(ValidateArticle(article).WithContext(where));
  return article;
}

Result<std::pair<User, std::string>> UserFromJson(const nlohmann::json& value, const std::string& where) {
  POS_RETURN_IF_ERROR(CheckObject(value, where));
  User user;
  POS_ASSIGN_OR_RETURN(user.id, StringField(value, where, "id", true));
  POS_ASSIGN_OR_RETURN(user.name, StringField(value, where, "name", true));
  POS_ASSIGN_OR_RETURN(std::string role, StringField(value, where, "role", true));
  auto parsed = ParseUserRole(role);
  if (!parsed) return Status::InvalidArgument(where + ".role '" + role + "' is not cashier, supervisor or admin");
  user.role = *parsed;
  POS_ASSIGN_OR_RETURN(std::string pin, StringField(value, where, "pin", true));
  POS_RETURN_IF_ERROR(ValidatePin(pin).WithContext(where + ".pin"));
  POS_RETURN_IF_ERROR(ValidateUser(user).WithContext(where));
  return std::make_pair(std::move(user), std::move(pin));
}

Status ValidatePin(std::string_view pin) {
  if (pin.size() < 4 || pin.size() > 12 || !std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("a PIN has 4 to 12 digits");
  }
  return Status::Ok();
}

}  // namespace pos::cli
