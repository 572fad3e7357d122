#include "engine/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include "engine/bytes.h"
#include "engine/sha256.h"

namespace pos {
namespace fs = std::filesystem;
namespace {

std::string EngineDir(const std::string& backup_dir) { return (fs::path(backup_dir) / "rocksdb").string(); }
std::string ManifestPath(const std::string& backup_dir, uint32_t id) {
  return (fs::path(backup_dir) / "manifests" / (std::to_string(id) + ".json")).string();
}
std::string FilesDir(const std::string& backup_dir, uint32_t id) {
  return (fs::path(backup_dir) / "files" / std::to_string(id)).string();
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  return Status::IoError(what + ": " + s.ToString());
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Status::IoError("reading " + path + " failed");
  return out.str();
}

Status FsyncPath(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return Status::IoError("cannot open " + path + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::IoError("fsync of " + path + " failed");
}

Status CopyFileSynced(const std::string& from, const std::string& to) {
  POS_ASSIGN_OR_RETURN(std::string content, ReadWholeFile(from));
  std::error_code ec;
  fs::create_directories(fs::path(to).parent_path(), ec);
  if (ec) return Status::IoError("cannot create " + fs::path(to).parent_path().string() + ": " + ec.message());
  const auto perms = fs::status(from, ec).permissions();
  {
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError("cannot write " + to);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) return Status::IoError("writing " + to + " failed");
  }
  fs::permissions(to, perms, ec);
  return FsyncPath(to, false);
}

struct EngineCloser {
  void operator()(rocksdb::BackupEngineReadOnly* e) const { delete e; }
  void operator()(rocksdb::BackupEngine* e) const { delete e; }
};

Result<std::unique_ptr<rocksdb::BackupEngineReadOnly, EngineCloser>> OpenReadOnly(const std::string& backup_dir) {
  std::error_code ec;
  if (!fs::is_directory(fs::path(EngineDir(backup_dir)) / "meta", ec)) {
    return Status::NotFound(backup_dir + " is not a pos backup directory (no rocksdb/meta in it)");
  }
  rocksdb::BackupEngineOptions options(EngineDir(backup_dir));
  options.share_files_with_checksum = true;
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  auto s = rocksdb::BackupEngineReadOnly::Open(rocksdb::Env::Default(), options, &raw);
  if (!s.ok()) return FromRocks(s, "opening the backup directory " + backup_dir);
  return std::unique_ptr<rocksdb::BackupEngineReadOnly, EngineCloser>(raw);
}

Result<nlohmann::json> ReadManifest(const std::string& backup_dir, uint32_t id) {
  const std::string path = ManifestPath(backup_dir, id);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::Corruption("backup " + std::to_string(id) + " in " + backup_dir +
                              " has no manifest (" + path + "): it is incomplete or damaged");
  }
  POS_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  auto manifest = nlohmann::json::parse(text, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object() || manifest.value("format", "") != kBackupManifestFormat ||
      manifest.value("backup_id", 0u) != id || !manifest.contains("files") || !manifest["files"].is_array()) {
    return Status::Corruption("the manifest " + path + " is damaged (not a " + std::string(kBackupManifestFormat) +
                              " manifest of backup " + std::to_string(id) + ")");
  }
  return manifest;
}

Status VerifyExtraFiles(const std::string& backup_dir, uint32_t id, const nlohmann::json& manifest) {
  for (const auto& file : manifest["files"]) {
    const std::string rel = file.value("path", "");
    if (rel.empty() || rel.find("..") != std::string::npos || rel.front() == '/') {
      return Status::Corruption("the manifest of backup " + std::to_string(id) + " names a bad path '" + rel + "'");
    }
    const std::string path = (fs::path(FilesDir(backup_dir, id)) / rel).string();
    auto sha = Sha256OfFile(path);
    if (!sha.ok()) return Status::Corruption("backup " + std::to_string(id) + ": file " + rel + " is missing or unreadable");
    if (*sha != file.value("sha256", "")) {
      return Status::Corruption("backup " + std::to_string(id) + ": file " + rel +
                                " does not match its SHA-256 in the manifest (damaged)");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> Sha256OfFile(const std::string& path) {
  POS_ASSIGN_OR_RETURN(std::string content, ReadWholeFile(path));
  const Sha256Digest d = Sha256(content);
  return ToHex(std::span<const uint8_t>(d.data(), d.size()));
}

Status WriteFileAtomically(const std::string& path, const std::string& content, int mode) {
  const fs::path target(path);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Status::IoError("cannot create " + target.parent_path().string() + ": " + ec.message());
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return Status::IoError("cannot write " + tmp);
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::IoError("writing " + tmp + " failed");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::IoError("fsync of " + tmp + " failed");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IoError("cannot rename " + tmp + " to " + path);
  }
  return FsyncPath(target.parent_path().string(), true);
}

std::vector<std::string> NodeExtraFiles(const std::string& data_dir) {
  std::vector<std::string> files;
  std::error_code ec;
  const fs::path root(data_dir);
  // node.toml: the daemon's settings; curve.keys: the till's site-sync identity
  // (sync/curve_keys.h), so a restored till syncs again without re-joining.
  for (const char* name : {"peripherals.json", "vendor.pub", "node.key", "node.toml", "curve.keys"}) {
    if (fs::is_regular_file(root / name, ec)) files.emplace_back(name);
  }
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && (name.ends_with(".lic") || name.ends_with(".license"))) files.push_back(name);
  }
  for (const char* dir : {"tse", "tse-retired"}) {
    if (!fs::is_directory(root / dir, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(root / dir, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec)) files.push_back(fs::relative(it->path(), root, ec).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<uint32_t> CreateBackup(EventStore& store, const std::string& backup_dir, const nlohmann::json& summary,
                              const BackupProgress& progress) {
  std::error_code ec;
  fs::create_directories(EngineDir(backup_dir), ec);
  if (ec) return Status::IoError("cannot create the backup directory " + backup_dir + ": " + ec.message());

  // What every restored copy holds at least: the state acknowledged before now.
  const uint64_t last_seq_at_start = store.LastSequence();
  const ChainHeads heads_at_start = store.Heads();

  uint64_t total = 0;
  for (const auto& entry : fs::directory_iterator(store.path(), ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  rocksdb::BackupEngineOptions options(EngineDir(backup_dir));
  options.share_files_with_checksum = true;
  options.sync = true;
  constexpr uint64_t kInterval = 1 << 20;
  options.callback_trigger_interval_size = kInterval;
  rocksdb::BackupEngine* raw = nullptr;
  auto s = rocksdb::BackupEngine::Open(rocksdb::Env::Default(), options, &raw);
  if (!s.ok()) return FromRocks(s, "opening the backup directory " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngine, EngineCloser> engine(raw);

  rocksdb::CreateBackupOptions create;
  create.flush_before_backup = true;
  uint64_t copied = 0;
  if (progress) {
    create.progress_callback = [&] {
      copied += kInterval;
      progress(std::min(copied, total), total);
    };
  }
  rocksdb::BackupID id = 0;
  const nlohmann::json app_metadata = {{"node_id", ToHex(store.node_id())}, {"node_name", store.node_name()}};
  s = engine->CreateNewBackupWithMetadata(create, store.db(), app_metadata.dump(), &id);
  if (!s.ok()) return FromRocks(s, "backing up " + store.path() + " into " + backup_dir);

  nlohmann::json files = nlohmann::json::array();
  for (const std::string& rel : NodeExtraFiles(store.path())) {
    const std::string to = (fs::path(FilesDir(backup_dir, id)) / rel).string();
    POS_RETURN_IF_ERROR(CopyFileSynced((fs::path(store.path()) / rel).string(), to));
    POS_ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(to));
    files.push_back({{"path", rel}, {"size", fs::file_size(to, ec)}, {"sha256", sha}});
  }
  nlohmann::json heads = nlohmann::json::object();
  for (const auto& [origin, head] : heads_at_start) {
    heads[ToHex(origin)] = {{"seq", head.seq}, {"hash", ToHex(head.hash)}};
  }
  const nlohmann::json manifest = {
      {"format", kBackupManifestFormat},
      {"backup_id", id},
      {"node_id", ToHex(store.node_id())},
      {"node_name", store.node_name()},
      {"created_at_unix", std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()},
      {"last_sequence_at_start", last_seq_at_start},
      {"heads_at_start", heads},
      {"summary", summary},
      {"files", files}};
  POS_RETURN_IF_ERROR(WriteFileAtomically(ManifestPath(backup_dir, id), manifest.dump(2) + "\n"));
  if (progress) progress(total, total);
  return static_cast<uint32_t>(id);
}

Result<uint32_t> PurgeOldBackups(const std::string& backup_dir, uint32_t keep) {
  if (keep == 0) return Status::InvalidArgument("the retention must keep at least one backup");
  POS_ASSIGN_OR_RETURN(std::vector<BackupEntry> before, ListBackups(backup_dir));
  rocksdb::BackupEngineOptions options(EngineDir(backup_dir));
  options.share_files_with_checksum = true;
  options.sync = true;
  rocksdb::BackupEngine* raw = nullptr;
  auto s = rocksdb::BackupEngine::Open(rocksdb::Env::Default(), options, &raw);
  if (!s.ok()) return FromRocks(s, "opening the backup directory " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngine, EngineCloser> engine(raw);
  s = engine->PurgeOldBackups(keep);
  if (!s.ok()) return FromRocks(s, "deleting old backups in " + backup_dir);
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  uint32_t purged = 0;
  std::error_code ec;
  for (const auto& entry : before) {
    const bool kept = std::any_of(infos.begin(), infos.end(), [&](const auto& i) { return i.backup_id == entry.id; });
    if (kept) continue;
    // The manifest first: a backup without it reads as incomplete, never as whole.
    fs::remove(ManifestPath(backup_dir, entry.id), ec);
    fs::remove_all(FilesDir(backup_dir, entry.id), ec);
    ++purged;
  }
  return purged;
}

Result<std::vector<BackupEntry>> ListBackups(const std::string& backup_dir) {
  POS_ASSIGN_OR_RETURN(auto engine, OpenReadOnly(backup_dir));
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  std::vector<BackupEntry> out;
  for (const auto& info : infos) {
    BackupEntry entry;
    entry.id = info.backup_id;
    entry.timestamp = info.timestamp;
    entry.size = info.size;
    entry.number_files = info.number_files;
    auto manifest = ReadManifest(backup_dir, info.backup_id);
    entry.has_manifest = manifest.ok();
    if (manifest.ok()) entry.manifest = *manifest;
    out.push_back(std::move(entry));
  }
  return out;
}

Result<uint32_t> LatestBackupId(const std::string& backup_dir) {
  POS_ASSIGN_OR_RETURN(auto list, ListBackups(backup_dir));
  uint32_t latest = 0;
  for (const auto& entry : list) {
    if (entry.has_manifest) latest = std::max(latest, entry.id);
  }
  return latest;
}

Status VerifyBackup(const std::string& backup_dir, uint32_t id, const BackupProgress& progress) {
  POS_ASSIGN_OR_RETURN(auto engine, OpenReadOnly(backup_dir));
  std::vector<rocksdb::BackupID> corrupt;
  engine->GetCorruptedBackups(&corrupt);
  if (std::find(corrupt.begin(), corrupt.end(), id) != corrupt.end()) {
    return Status::Corruption("backup " + std::to_string(id) + " in " + backup_dir +
                              " is damaged (its RocksDB meta file does not read back)");
  }
  rocksdb::BackupInfo info;
  auto s = engine->GetBackupInfo(id, &info);
  if (!s.ok()) return Status::NotFound("there is no backup " + std::to_string(id) + " in " + backup_dir);
  if (progress) progress(0, info.size);
  s = engine->VerifyBackup(id, /*verify_with_checksum=*/true);
  if (!s.ok()) {
    return Status::Corruption("backup " + std::to_string(id) + " in " + backup_dir +
                              " is damaged: " + s.ToString());
  }
  POS_ASSIGN_OR_RETURN(nlohmann::json manifest, ReadManifest(backup_dir, id));
  POS_RETURN_IF_ERROR(VerifyExtraFiles(backup_dir, id, manifest));
  if (progress) progress(info.size, info.size);
  return Status::Ok();
}

Result<nlohmann::json> RestoreBackup(const std::string& backup_dir, uint32_t id, const std::string& target_dir,
                                     const BackupProgress& progress) {
  POS_RETURN_IF_ERROR(VerifyBackup(backup_dir, id, progress));
  POS_ASSIGN_OR_RETURN(nlohmann::json manifest, ReadManifest(backup_dir, id));
  std::error_code ec;
  if (fs::exists(target_dir, ec) && !fs::is_empty(target_dir, ec)) {
    return Status::FailedPrecondition("cannot restore into " + target_dir + ": it is not empty");
  }
  POS_ASSIGN_OR_RETURN(auto engine, OpenReadOnly(backup_dir));
  rocksdb::RestoreOptions options;
  auto s = engine->RestoreDBFromBackup(options, id, target_dir, target_dir);
  if (!s.ok()) return FromRocks(s, "restoring backup " + std::to_string(id) + " from " + backup_dir);
  for (const auto& file : manifest["files"]) {
    const std::string rel = file["path"].get<std::string>();
    POS_RETURN_IF_ERROR(
        CopyFileSynced((fs::path(FilesDir(backup_dir, id)) / rel).string(), (fs::path(target_dir) / rel).string()));
    POS_ASSIGN_OR_RETURN(std::string sha, Sha256OfFile((fs::path(target_dir) / rel).string()));
    if (sha != file.value("sha256", "")) return Status::Corruption("restored file " + rel + " does not match its SHA-256");
  }
  return manifest;
}

}  // namespace pos
