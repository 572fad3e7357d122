#include "events/master_data.h"

#include "events/event_types.h"
#include "events/master_data_generated.h"

namespace pos {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Finish(flatbuffers::FlatBufferBuilder& builder) {
  return Bytes(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
}

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

template <typename Table>
const Table* Root(std::span<const uint8_t> payload) {
  flatbuffers::Verifier verifier(payload.data(), payload.size());
  if (!verifier.VerifyBuffer<Table>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<Table>(payload.data());
}

Status Malformed(std::string_view what) {
  return Status::Corruption("payload is not a well-formed " + std::string(what));
}

Status CheckKey(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::InvalidArgument(std::string(field) + " must not be empty");
  if (value.size() > 64) return Status::InvalidArgument(std::string(field) + " is longer than 64 characters");
  for (char c : value) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '/') {
      return Status::InvalidArgument(std::string(field) + " '" + std::string(value) +
                                     "' may not contain spaces, control characters or '/'");
    }
  }
  return Status::Ok();
}

Status CheckName(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::InvalidArgument(std::string(field) + " must not be empty");
  if (value.size() > 200) return Status::InvalidArgument(std::string(field) + " is longer than 200 characters");
  return Status::Ok();
}

}  // namespace

std::string_view UserRoleName(UserRole role) {
  switch (role) {
    case UserRole::kCashier: return "cashier";
    case UserRole::kSupervisor: return "supervisor";
    case UserRole::kAdmin: return "admin";
  }
  return "unknown";
}

std::optional<UserRole> ParseUserRole(std::string_view name) {
  if (name == "cashier") return UserRole::kCashier;
  if (name == "supervisor") return UserRole::kSupervisor;
  if (name == "admin") return UserRole::kAdmin;
  return std::nullopt;
}

std::string TaxRateStream(std::string_view code) { return "taxrate/" + std::string(code); }
std::string ArticleStream(std::string_view code) { return "article/" + std::string(code); }
std::string UserStream(std::string_view id) { return "user/" + std::string(id); }

Status ValidateTaxRate(const TaxRate& rate) {
  POS_RETURN_IF_ERROR(CheckKey("tax rate code", rate.code));
  POS_RETURN_IF_ERROR(CheckName("tax rate name", rate.name));
  if (rate.rate_basis_points > 10000) {
    return Status::InvalidArgument("tax rate " + std::to_string(rate.rate_basis_points) +
                                   " basis points is above 100 %");
  }
  return Status::Ok();
}

Status ValidateArticle(const Article& article) {
  POS_RETURN_IF_ERROR(CheckKey("article code", article.code));
  POS_RETURN_IF_ERROR(CheckName("article name", article.name));
  POS_RETURN_IF_ERROR(CheckKey("article tax rate", article.tax_rate));
  if (article.gross_price < 0) {
    return Status::InvalidArgument("article price must not be negative (got " +
                                   std::to_string(article.gross_price) + ")");
  }
  for (const auto& barcode : article.barcodes) POS_RETURN_IF_ERROR(CheckKey("barcode", barcode));
  return Status::Ok();
}

Status ValidateUser(const User& user) {
  POS_RETURN_IF_ERROR(CheckKey("user id", user.id));
  POS_RETURN_IF_ERROR(CheckName("user name", user.name));
  return Status::Ok();
}

std::vector<uint8_t> EncodeTaxRate(const TaxRate& rate, bool changed) {
  flatbuffers::FlatBufferBuilder b;
  b.ForceDefaults(true);  // every field is in the bytes, so `pos log` shows it
  auto data = fb::CreateTaxRateDataDirect(b, rate.code.c_str(), rate.name.c_str(), rate.rate_basis_points);
  if (changed) {
    b.Finish(fb::CreateTaxRateChanged(b, data));
  } else {
    b.Finish(fb::CreateTaxRateCreated(b, data));
  }
  return Finish(b);
}

std::vector<uint8_t> EncodeArticle(const Article& article, bool changed) {
  flatbuffers::FlatBufferBuilder b;
  b.ForceDefaults(true);  // every field is in the bytes, so `pos log` shows it
  std::vector<flatbuffers::Offset<flatbuffers::String>> barcodes;
  for (const auto& code : article.barcodes) barcodes.push_back(b.CreateString(code));
  auto data = fb::CreateArticleDataDirect(b, article.code.c_str(), article.name.c_str(), article.gross_price,
                                          article.tax_rate.c_str(), article.group.c_str(), &barcodes);
  if (changed) {
    b.Finish(fb::CreateArticleChanged(b, data));
  } else {
    b.Finish(fb::CreateArticleCreated(b, data));
  }
  return Finish(b);
}

std::vector<uint8_t> EncodeUser(const User& user, bool changed) {
  flatbuffers::FlatBufferBuilder b;
  b.ForceDefaults(true);  // every field is in the bytes, so `pos log` shows it
  auto data = fb::CreateUserDataDirect(b, user.id.c_str(), user.name.c_str(),
                                       static_cast<fb::UserRole>(user.role), user.pin_hash.c_str());
  if (changed) {
    b.Finish(fb::CreateUserChanged(b, data));
  } else {
    b.Finish(fb::CreateUserCreated(b, data));
  }
  return Finish(b);
}

std::vector<uint8_t> EncodeRetired(uint32_t retired_type, std::string_view key) {
  flatbuffers::FlatBufferBuilder b;
  b.ForceDefaults(true);  // every field is in the bytes, so `pos log` shows it
  auto text = b.CreateString(key.data(), key.size());
  switch (static_cast<EventType>(retired_type)) {
    case EventType::kTaxRateRetired: b.Finish(fb::CreateTaxRateRetired(b, text)); break;
    case EventType::kArticleRetired: b.Finish(fb::CreateArticleRetired(b, text)); break;
    case EventType::kUserRetired: b.Finish(fb::CreateUserRetired(b, text)); break;
    default: return {};
  }
  return Finish(b);
}

Result<TaxRate> DecodeTaxRate(uint32_t type, std::span<const uint8_t> payload) {
  const fb::TaxRateData* data = nullptr;
  if (type == static_cast<uint32_t>(EventType::kTaxRateCreated)) {
    if (const auto* root = Root<fb::TaxRateCreated>(payload)) data = root->tax_rate();
  } else if (type == static_cast<uint32_t>(EventType::kTaxRateChanged)) {
    if (const auto* root = Root<fb::TaxRateChanged>(payload)) data = root->tax_rate();
  }
  if (data == nullptr) return Malformed("TaxRateCreated/Changed");
  return TaxRate{Str(data->code()), Str(data->name()), data->rate_basis_points()};
}

Result<Article> DecodeArticle(uint32_t type, std::span<const uint8_t> payload) {
  const fb::ArticleData* data = nullptr;
  if (type == static_cast<uint32_t>(EventType::kArticleCreated)) {
    if (const auto* root = Root<fb::ArticleCreated>(payload)) data = root->article();
  } else if (type == static_cast<uint32_t>(EventType::kArticleChanged)) {
    if (const auto* root = Root<fb::ArticleChanged>(payload)) data = root->article();
  }
  if (data == nullptr) return Malformed("ArticleCreated/Changed");
  Article article{Str(data->code()), Str(data->name()), data->gross_price(),
                  Str(data->tax_rate()), Str(data->group()), {}};
  if (data->barcodes() != nullptr) {
    for (const auto* code : *data->barcodes()) article.barcodes.push_back(Str(code));
  }
  return article;
}

Result<User> DecodeUser(uint32_t type, std::span<const uint8_t> payload) {
  const fb::UserData* data = nullptr;
  if (type == static_cast<uint32_t>(EventType::kUserCreated)) {
    if (const auto* root = Root<fb::UserCreated>(payload)) data = root->user();
  } else if (type == static_cast<uint32_t>(EventType::kUserChanged)) {
    if (const auto* root = Root<fb::UserChanged>(payload)) data = root->user();
  }
  if (data == nullptr) return Malformed("UserCreated/Changed");
  return User{Str(data->id()), Str(data->name()), static_cast<UserRole>(data->role()), Str(data->pin_hash())};
}

Result<std::string> DecodeRetiredKey(uint32_t type, std::span<const uint8_t> payload) {
  switch (static_cast<EventType>(type)) {
    case EventType::kTaxRateRetired:
      if (const auto* r = Root<fb::TaxRateRetired>(payload)) return Str(r->code());
      break;
    case EventType::kArticleRetired:
      if (const auto* r = Root<fb::ArticleRetired>(payload)) return Str(r->code());
      break;
    case EventType::kUserRetired:
      if (const auto* r = Root<fb::UserRetired>(payload)) return Str(r->id());
      break;
    default: break;
  }
  return Malformed("*Retired event");
}

}  // namespace pos
