#include "bench/rocksdb_peer.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "engine/bytes.h"

namespace pos::bench {

RocksDbPeer::RocksDbPeer(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
RocksDbPeer::~RocksDbPeer() = default;

Result<std::unique_ptr<RocksDbPeer>> RocksDbPeer::Create(const std::string& dir) {
  rocksdb::Options options;  // as the event store's (engine/event_store.cpp)
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.IncreaseParallelism(2);
  options.max_open_files = 512;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status opened = rocksdb::DB::Open(options, dir, &raw);
  if (!opened.ok()) return Status::Internal("creating the raw RocksDB peer at " + dir + ": " + opened.ToString());
  return std::unique_ptr<RocksDbPeer>(new RocksDbPeer(std::unique_ptr<rocksdb::DB>(raw)));
}

Status RocksDbPeer::Store(size_t, const CorpusCommand& command) {
  rocksdb::WriteBatch batch;
  const uint64_t first = next_seq_.fetch_add(command.events.size());
  for (size_t i = 0; i < command.events.size(); ++i) batch.Put(BigEndian64(first + i), command.events[i]);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::Status written = db_->Write(sync, &batch);
  if (!written.ok()) return Status::Internal("raw RocksDB write: " + written.ToString());
  return Status::Ok();
}

}  // namespace pos::bench
