#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "engine/bytes.h"
#include "projections/projection.h"

namespace pos {
namespace {

Status Reserved(std::string_view key) {
  if (!key.empty() && key.front() == '\0') {
    return Status::InvalidArgument("projection keys starting with byte 0x00 are reserved for the runner");
  }
  return Status::Ok();
}

Status FromRocks(const rocksdb::Status& s) {
  return s.ok() ? Status::Ok() : Status::IoError("projection storage: " + s.ToString());
}

Result<uint64_t> DecodeCounter(Result<std::optional<std::string>> value) {
  if (!value.ok()) return value.status();
  if (!value->has_value()) return uint64_t{0};
  if (value->value().size() != 8) return Status::Corruption("projection counter is not 8 bytes");
  return ReadBigEndian64(value->value());
}

Status Scan(rocksdb::Iterator* it, std::string_view prefix,
            const std::function<bool(std::string_view, std::string_view)>& visit) {
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status());
}

}  // namespace

Result<std::optional<std::string>> ProjectionState::Get(std::string_view key) const {
  std::string value;
  auto s = batch_->GetFromBatchAndDB(db_, rocksdb::ReadOptions(), family_, rocksdb::Slice(key.data(), key.size()),
                                     &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s);
  return std::optional<std::string>(std::move(value));
}

Status ProjectionState::Put(std::string_view key, std::string_view value) {
  POS_RETURN_IF_ERROR(Reserved(key));
  return FromRocks(batch_->Put(family_, rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size())));
}

Status ProjectionState::Delete(std::string_view key) {
  POS_RETURN_IF_ERROR(Reserved(key));
  return FromRocks(batch_->Delete(family_, rocksdb::Slice(key.data(), key.size())));
}

Status ProjectionState::ScanPrefix(std::string_view prefix,
                                   const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      batch_->NewIteratorWithBase(family_, db_->NewIterator(rocksdb::ReadOptions(), family_)));
  return Scan(it.get(), prefix, visit);
}

Result<uint64_t> ProjectionState::GetCounter(std::string_view key) const { return DecodeCounter(Get(key)); }

Status ProjectionState::AddToCounter(std::string_view key, int64_t delta) {
  POS_ASSIGN_OR_RETURN(uint64_t current, GetCounter(key));
  return Put(key, BigEndian64(current + static_cast<uint64_t>(delta)));
}

Result<std::optional<std::string>> ProjectionReader::Get(std::string_view key) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), family_, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s);
  return std::optional<std::string>(std::move(value));
}

Status ProjectionReader::ScanPrefix(std::string_view prefix,
                                    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), family_));
  return Scan(it.get(), prefix, visit);
}

Result<uint64_t> ProjectionReader::GetCounter(std::string_view key) const { return DecodeCounter(Get(key)); }

}  // namespace pos
