#include "projections/catalog.h"

#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/event_view.h"

namespace pos {
namespace {

constexpr size_t kRecordHeader = 8 + kNodeIdSize + 1 + 4;

struct Record {
  uint64_t hlc = 0;
  std::string_view origin;
  bool live = false;
  uint32_t type = 0;
  std::span<const uint8_t> payload;
};

std::optional<Record> ParseRecord(std::string_view value) {
  if (value.size() < kRecordHeader) return std::nullopt;
  Record record;
  record.hlc = ReadBigEndian64(value);
  record.origin = value.substr(8, kNodeIdSize);
  record.live = value[8 + kNodeIdSize] == 1;
  record.type = ReadBigEndian32(value.substr(8 + kNodeIdSize + 1));
  const auto* bytes = reinterpret_cast<const uint8_t*>(value.data()) + kRecordHeader;
  record.payload = {bytes, value.size() - kRecordHeader};
  return record;
}

std::string MakeRecord(const EventView& event, bool live) {
  std::string value = BigEndian64(event.hlc());
  value.append(event.origin());
  value.push_back(live ? 1 : 0);
  AppendBigEndian32(value, live ? event.type() : 0);
  if (live) value.append(AsStringView(event.payload()));
  return value;
}

// True when `event` is newer than the stored record (or there is none).
Result<bool> Wins(const EventView& event, const std::optional<std::string>& stored, std::string_view key) {
  if (!stored.has_value()) return true;
  auto record = ParseRecord(*stored);
  if (!record) return Status::Corruption("catalog record " + std::string(key) + " is malformed");
  if (event.hlc() != record->hlc) return event.hlc() > record->hlc;
  return event.origin() > record->origin;
}

Status CorruptRecord(std::string_view key) {
  return Status::Corruption("catalog record " + std::string(key) + " is malformed");
}

// "barcode/<barcode>\0<article code>": one index entry per live article record
// that lists the barcode. The index is a function of the article records alone,
// which resolve last-writer-wins, so it converges in any arrival order.
std::string BarcodeKey(std::string_view barcode, std::string_view code) {
  std::string key = "barcode/";
  key.append(barcode);
  key.push_back('\0');
  key.append(code);
  return key;
}

std::string BarcodePrefix(std::string_view barcode) {
  std::string key = "barcode/";
  key.append(barcode);
  key.push_back('\0');
  return key;
}

// Barcode index maintenance for an article record change.
Status ReplaceBarcodes(ProjectionState& state, const std::optional<std::string>& old_record,
                       const std::vector<std::string>& new_barcodes, std::string_view code) {
  if (old_record.has_value()) {
    auto record = ParseRecord(*old_record);
    if (record && record->live) {
      auto old = DecodeArticle(record->type, record->payload);
      if (old.ok()) {
        for (const auto& barcode : old->barcodes) POS_RETURN_IF_ERROR(state.Delete(BarcodeKey(barcode, code)));
      }
    }
  }
  for (const auto& barcode : new_barcodes) POS_RETURN_IF_ERROR(state.Put(BarcodeKey(barcode, code), ""));
  return Status::Ok();
}

}  // namespace

Status CatalogProjection::Apply(const EventView& event, ProjectionState& state) {
  const auto type = static_cast<EventType>(event.type());
  std::string key;
  bool live = true;
  std::vector<std::string> barcodes;
  std::string article_code;
  switch (type) {
    case EventType::kTaxRateCreated:
    case EventType::kTaxRateChanged: {
      POS_ASSIGN_OR_RETURN(TaxRate rate, DecodeTaxRate(event.type(), event.payload()));
      key = TaxRateStream(rate.code);
      break;
    }
    case EventType::kArticleCreated:
    case EventType::kArticleChanged: {
      POS_ASSIGN_OR_RETURN(Article article, DecodeArticle(event.type(), event.payload()));
      key = ArticleStream(article.code);
      article_code = article.code;
      barcodes = article.barcodes;
      break;
    }
    case EventType::kUserCreated:
    case EventType::kUserChanged: {
      POS_ASSIGN_OR_RETURN(User user, DecodeUser(event.type(), event.payload()));
      key = UserStream(user.id);
      break;
    }
    case EventType::kTaxRateRetired:
    case EventType::kArticleRetired:
    case EventType::kUserRetired: {
      POS_ASSIGN_OR_RETURN(std::string id, DecodeRetiredKey(event.type(), event.payload()));
      key = type == EventType::kTaxRateRetired   ? TaxRateStream(id)
            : type == EventType::kArticleRetired ? ArticleStream(id)
                                                 : UserStream(id);
      if (type == EventType::kArticleRetired) article_code = id;
      live = false;
      break;
    }
    default:
      return Status::Ok();  // not master data
  }
  POS_ASSIGN_OR_RETURN(auto stored, state.Get(key));
  POS_ASSIGN_OR_RETURN(bool wins, Wins(event, stored, key));
  if (!wins) return Status::Ok();
  if (!article_code.empty()) POS_RETURN_IF_ERROR(ReplaceBarcodes(state, stored, barcodes, article_code));
  return state.Put(key, MakeRecord(event, live));
}

namespace {

template <typename T, typename Decode>
Result<std::optional<T>> FindLive(const ProjectionReader& reader, const std::string& key, Decode decode) {
  POS_ASSIGN_OR_RETURN(auto value, reader.Get(key));
  if (!value.has_value()) return std::optional<T>();
  auto record = ParseRecord(*value);
  if (!record) return CorruptRecord(key);
  if (!record->live) return std::optional<T>();
  POS_ASSIGN_OR_RETURN(T entity, decode(record->type, record->payload));
  return std::optional<T>(std::move(entity));
}

template <typename T, typename Decode>
Result<std::vector<T>> ListLive(const ProjectionReader& reader, std::string_view prefix, Decode decode) {
  std::vector<T> out;
  Status bad;
  POS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](std::string_view key, std::string_view value) {
    auto record = ParseRecord(value);
    if (!record) {
      bad = CorruptRecord(key);
      return false;
    }
    if (!record->live) return true;
    auto entity = decode(record->type, record->payload);
    if (!entity.ok()) {
      bad = entity.status().WithContext(std::string(key));
      return false;
    }
    out.push_back(std::move(entity).value());
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return out;
}

}  // namespace

Result<std::optional<Article>> CatalogView::FindArticle(std::string_view code) const {
  return FindLive<Article>(reader_, ArticleStream(code), DecodeArticle);
}

// Two articles may list the same barcode when their changes were made on
// different tills; the scan answers with the one changed last by (HLC, origin).
Result<std::optional<Article>> CatalogView::FindArticleByBarcode(std::string_view barcode) const {
  const std::string prefix = BarcodePrefix(barcode);
  std::vector<std::string> codes;
  POS_RETURN_IF_ERROR(reader_.ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
    codes.emplace_back(key.substr(prefix.size()));
    return true;
  }));
  std::optional<Article> best;
  std::pair<uint64_t, std::string> best_clock;
  for (const std::string& code : codes) {
    const std::string key = ArticleStream(code);
    POS_ASSIGN_OR_RETURN(auto value, reader_.Get(key));
    if (!value.has_value()) continue;
    auto record = ParseRecord(*value);
    if (!record) return CorruptRecord(key);
    if (!record->live) continue;
    std::pair<uint64_t, std::string> clock{record->hlc, std::string(record->origin)};
    if (best.has_value() && clock <= best_clock) continue;
    POS_ASSIGN_OR_RETURN(Article article, DecodeArticle(record->type, record->payload));
    best = std::move(article);
    best_clock = std::move(clock);
  }
  return best;
}

Result<std::optional<TaxRate>> CatalogView::FindTaxRate(std::string_view code) const {
  return FindLive<TaxRate>(reader_, TaxRateStream(code), DecodeTaxRate);
}

Result<std::optional<User>> CatalogView::FindUser(std::string_view id) const {
  return FindLive<User>(reader_, UserStream(id), DecodeUser);
}

Result<bool> CatalogView::IsRetired(std::string_view key) const {
  POS_ASSIGN_OR_RETURN(auto value, reader_.Get(key));
  if (!value.has_value()) return false;
  auto record = ParseRecord(*value);
  if (!record) return CorruptRecord(key);
  return !record->live;
}

Result<std::vector<Article>> CatalogView::Articles() const {
  return ListLive<Article>(reader_, "article/", DecodeArticle);
}
Result<std::vector<TaxRate>> CatalogView::TaxRates() const {
  return ListLive<TaxRate>(reader_, "taxrate/", DecodeTaxRate);
}
Result<std::vector<User>> CatalogView::Users() const { return ListLive<User>(reader_, "user/", DecodeUser); }

}  // namespace pos
