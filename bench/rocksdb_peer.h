// RocksDbPeer: the limit of figure 1. The same event bytes put straight into a
// RocksDB family (key: a global sequence, big-endian u64), one WriteBatch per
// command with WriteOptions.sync = true, from every front end's own thread:
// RocksDB's own write-group commit batches concurrent writers into one fsync.
// No hash chain, no indexes, no decisions: what the disk and RocksDB allow.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "bench/receipt_corpus.h"

namespace rocksdb {
class DB;
}

namespace pos::bench {

class RocksDbPeer final : public CommandSink {
 public:
  // Creates a fresh database in `dir` (absent or empty).
  static Result<std::unique_ptr<RocksDbPeer>> Create(const std::string& dir);
  ~RocksDbPeer() override;

  Status Store(size_t front_end, const CorpusCommand& command) override;

 private:
  explicit RocksDbPeer(std::unique_ptr<rocksdb::DB> db);
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> next_seq_{1};
};

}  // namespace pos::bench
