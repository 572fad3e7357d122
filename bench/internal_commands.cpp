#include "bench/internal_commands.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "actors/node_daemon.h"
#include "engine/event_store.h"
#include "engine/store_layout.h"
#include "projections/catalog.h"
#include "projections/projection_runner.h"
#include "projections/receipt_journal.h"
#include "projections/z_reports.h"

namespace pos::bench {

long PeakRssKb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

namespace {

int Fail(const Status& status) {
  std::cerr << "pos_bench: " << status.ToString() << std::endl;
  return 1;
}

int Rebuild(const std::string& path) {
  auto store = EventStore::Open(path);
  if (!store.ok()) return Fail(store.status());
  ProjectionRunner runner(**store);
  for (Status s : {runner.Register(std::make_unique<ReceiptJournalProjection>()),
                   runner.Register(std::make_unique<ZReportsProjection>()),
                   runner.Register(std::make_unique<CatalogProjection>())}) {
    if (!s.ok()) return Fail(s);
  }
  const auto started = std::chrono::steady_clock::now();
  Status rebuilt = runner.Rebuild("");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!rebuilt.ok()) return Fail(rebuilt);
  // Where the memory is at the end: RocksDB's memtables and block caches, summed
  // over the event families and the rebuilt projections' families.
  const ColumnFamilies& base = (*store)->families();
  std::vector<rocksdb::ColumnFamilyHandle*> families{base.log, base.by_origin, base.by_stream, base.meta};
  for (const char* name : {"receipt_journal", "z_reports", "catalog"}) {
    auto family = (*store)->ProjectionFamily(name, false);
    if (family.ok()) families.push_back(*family);
  }
  uint64_t memtables = 0;
  uint64_t block_cache = 0;
  for (rocksdb::ColumnFamilyHandle* family : families) {
    uint64_t value = 0;
    if ((*store)->db()->GetIntProperty(family, "rocksdb.cur-size-all-mem-tables", &value)) memtables += value;
    if ((*store)->db()->GetIntProperty(family, "rocksdb.block-cache-usage", &value)) block_cache += value;
  }
  std::cout << nlohmann::json{{"events", (*store)->LastSequence()},
                              {"bytes", 0},
                              {"seconds", seconds},
                              {"vm_hwm_kb", PeakRssKb()},
                              {"memtables_kb", memtables / 1024},
                              {"block_cache_kb", block_cache / 1024}}
                   .dump()
            << std::endl;
  // As a clean shutdown does: the next phase (the start-up figure copies this
  // till) opens it without a write-ahead log of the rebuild to replay.
  Status flushed = (*store)->FlushMemtables();
  if (!flushed.ok()) return Fail(flushed);
  return 0;
}

int Scan(const std::string& path) {
  std::vector<std::string> names;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!listed.ok()) return Fail(Status::Internal("listing the families of " + path + ": " + listed.ToString()));
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Options options;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::Status opened = rocksdb::DB::OpenForReadOnly(options, path, families, &handles, &raw);
  if (!opened.ok()) return Fail(Status::Internal("opening " + path + " read-only: " + opened.ToString()));
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* log = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == layout::kLogFamily) log = handles[i];
  }
  if (log == nullptr) return Fail(Status::NotFound(path + " has no log family"));
  const auto started = std::chrono::steady_clock::now();
  uint64_t events = 0;
  uint64_t bytes = 0;
  uint64_t checksum = 0;  // touches every value so the scan cannot be optimised away
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), log));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::Slice value = it->value();
      ++events;
      bytes += value.size();
      if (!value.empty()) checksum += static_cast<uint8_t>(value[value.size() / 2]);
    }
    if (!it->status().ok()) return Fail(Status::Internal("scanning the log: " + it->status().ToString()));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
  std::cout << nlohmann::json{{"events", events},
                              {"bytes", bytes},
                              {"checksum", checksum},
                              {"seconds", seconds},
                              {"vm_hwm_kb", PeakRssKb()}}
                   .dump()
            << std::endl;
  return 0;
}

}  // namespace

void AddInternalCommands(CLI::App& app, int& exit_code) {
  auto* serve = app.add_subcommand("internal-serve", "")->group("");
  auto data = std::make_shared<std::string>();
  auto listen = std::make_shared<std::string>();
  serve->add_option("--data", *data)->required();
  serve->add_option("--listen", *listen);
  serve->callback([data, listen, &exit_code] {
    DaemonOptions options;
    options.data_dir = *data;
    options.listen = *listen;
    Status served = RunNodeDaemon(options);
    exit_code = served.ok() ? 0 : Fail(served);
  });

  auto* rebuild = app.add_subcommand("internal-rebuild", "")->group("");
  auto rebuild_store = std::make_shared<std::string>();
  rebuild->add_option("--store", *rebuild_store)->required();
  rebuild->callback([rebuild_store, &exit_code] { exit_code = Rebuild(*rebuild_store); });

  auto* scan = app.add_subcommand("internal-scan", "")->group("");
  auto scan_store = std::make_shared<std::string>();
  scan->add_option("--store", *scan_store)->required();
  scan->callback([scan_store, &exit_code] { exit_code = Scan(*scan_store); });
}

}  // namespace pos::bench
