// Backups of a node's data directory on rocksdb::BackupEngine (docs/backup.md).
//
// A backup directory holds:
//   rocksdb/               the BackupEngine's own tree: shared, checksummed SST
//                          files (incremental: a file already backed up is not
//                          copied again), one meta file per backup id
//   files/<id>/<path>      the node's extra files (tse/…, peripherals.json,
//                          vendor.pub, node.key, *.lic) as they were at backup time
//   manifests/<id>.json    written last, atomically (temp file, fsync, rename):
//                          format, backup id, node id and name, chain heads and
//                          last local sequence seen when the backup began, the
//                          caller's summary, and the size and SHA-256 of every
//                          extra file. A backup without its manifest is incomplete.
// A backup is safe while the till sells: acknowledged events are fsynced, the
// BackupEngine flushes the memtables and copies the live WAL, so the restored
// store holds at least every event acknowledged before the backup began and
// every WriteBatch either whole or not at all.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/event_store.h"
#include "engine/status.h"

namespace pos {

inline constexpr std::string_view kBackupManifestFormat = "pos-backup-v1";

// progress(done, total): units are bytes for create and verify.
using BackupProgress = std::function<void(uint64_t done, uint64_t total)>;

struct BackupEntry {
  uint32_t id = 0;
  int64_t timestamp = 0;     // seconds since the epoch
  uint64_t size = 0;         // bytes of the RocksDB files of this backup
  uint32_t number_files = 0;
  bool has_manifest = false; // false: incomplete (the manifest is written last)
  nlohmann::json manifest;   // when has_manifest
};

// The extra files of the data directory `data_dir` (relative paths, sorted):
// tse/**, tse-retired/** (replaced TSEs), peripherals.json, vendor.pub, node.key,
// *.lic, *.license.
std::vector<std::string> NodeExtraFiles(const std::string& data_dir);

// Backs up the open store (incremental) and its extra files into `backup_dir`
// (created when absent); `summary` goes into the manifest as "summary".
// Returns the new backup id.
Result<uint32_t> CreateBackup(EventStore& store, const std::string& backup_dir, const nlohmann::json& summary,
                              const BackupProgress& progress = {});

// The backups in `backup_dir`, oldest first. An error when it is not one.
Result<std::vector<BackupEntry>> ListBackups(const std::string& backup_dir);

// The latest complete backup id (0 when there is none).
Result<uint32_t> LatestBackupId(const std::string& backup_dir);

// Checks backup `id`: the RocksDB files against their recorded sizes and
// checksums, the manifest's presence, the extra files against its SHA-256s.
Status VerifyBackup(const std::string& backup_dir, uint32_t id, const BackupProgress& progress = {});

// Restores backup `id` into `target_dir`, which must be absent or empty (the
// caller makes a temp directory and renames it into place). Verifies first.
Result<nlohmann::json> RestoreBackup(const std::string& backup_dir, uint32_t id, const std::string& target_dir,
                                     const BackupProgress& progress = {});

// Retention: keeps the `keep` newest backups (by id) of `backup_dir` and deletes
// the older ones (their RocksDB meta and private files, SST files no kept backup
// shares, manifests/<id>.json and files/<id>/). Returns how many were deleted.
Result<uint32_t> PurgeOldBackups(const std::string& backup_dir, uint32_t keep);

// Writes `content` to `path` atomically: temp file, fsync, rename, fsync of the directory.
Status WriteFileAtomically(const std::string& path, const std::string& content, int mode = 0644);

// Lowercase hex SHA-256 of a file's contents.
Result<std::string> Sha256OfFile(const std::string& path);

}  // namespace pos
