// Master data records (tax rates, articles, users) as plain C++ values, with
// their encoding into event payloads and back. Streams: "taxrate/<code>",
// "article/<code>", "user/<id>".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace pos {

struct TaxRate {
  std::string code;
  std::string name;
  uint32_t rate_basis_points = 0;  // 1900 = 19.00 %
  bool operator==(const TaxRate&) const = default;
};

struct Article {
  std::string code;
  std::string name;
  int64_t gross_price = 0;  // minor units, tax included
  std::string tax_rate;     // TaxRate::code
  std::string group;
  std::vector<std::string> barcodes;
  bool operator==(const Article&) const = default;
};

enum class UserRole : uint8_t { kCashier = 0, kSupervisor = 1, kAdmin = 2 };
std::string_view UserRoleName(UserRole role);
std::optional<UserRole> ParseUserRole(std::string_view name);

struct User {
  std::string id;
  std::string name;
  UserRole role = UserRole::kCashier;
  std::string pin_hash;
  bool operator==(const User&) const = default;
};

std::string TaxRateStream(std::string_view code);
std::string ArticleStream(std::string_view code);
std::string UserStream(std::string_view id);

// Field checks shared by every writer of master data: they name the bad field.
Status ValidateTaxRate(const TaxRate& rate);
Status ValidateArticle(const Article& article);
Status ValidateUser(const User& user);

// Payload encoders. `changed` selects *Changed over *Created.
std::vector<uint8_t> EncodeTaxRate(const TaxRate& rate, bool changed);
std::vector<uint8_t> EncodeArticle(const Article& article, bool changed);
std::vector<uint8_t> EncodeUser(const User& user, bool changed);
std::vector<uint8_t> EncodeRetired(uint32_t retired_type, std::string_view key);

// Decoders of a *Created or *Changed payload (the type id tells which).
Result<TaxRate> DecodeTaxRate(uint32_t type, std::span<const uint8_t> payload);
Result<Article> DecodeArticle(uint32_t type, std::span<const uint8_t> payload);
Result<User> DecodeUser(uint32_t type, std::span<const uint8_t> payload);
// The code or id of a *Retired payload.
Result<std::string> DecodeRetiredKey(uint32_t type, std::span<const uint8_t> payload);

}  // namespace pos
