// RawDb: the RocksDB under a closed store, opened with all its column families,
// so tests can damage it behind the engine's back (tamper, delete, reorder).
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pos::testing {

class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    rocksdb::Options options;
    auto s = rocksdb::DB::ListColumnFamilies(options, path, &names_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names_) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    s = rocksdb::DB::Open(options, path, descriptors, &handles_, &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(raw);
  }
  ~RawDb() {
    if (!db_) return;
    for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
    EXPECT_TRUE(db_->Close().ok());
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  bool ok() const { return db_ != nullptr; }
  rocksdb::DB* db() { return db_.get(); }
  // The named family; the default family when there is none of that name.
  rocksdb::ColumnFamilyHandle* Family(std::string_view name) {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return handles_[i];
    }
    ADD_FAILURE() << "no column family " << name;
    return db_->DefaultColumnFamily();
  }
  std::string Get(std::string_view family, const std::string& key) {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), Family(family), key, &value);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return value;
  }
  void Put(std::string_view family, const std::string& key, const std::string& value) {
    auto s = db_->Put(rocksdb::WriteOptions(), Family(family), key, value);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  void Delete(std::string_view family, const std::string& key) {
    auto s = db_->Delete(rocksdb::WriteOptions(), Family(family), key);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace pos::testing
