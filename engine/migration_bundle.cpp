#include "engine/migration_bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <vector>

#include "engine/bytes.h"

namespace pos {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kManifestMember = "manifest.json";
constexpr std::string_view kSignatureMember = "manifest.sig";
constexpr std::string_view kBackupPrefix = "backup/";
constexpr size_t kChunk = 1 << 16;
constexpr size_t kMaxHeadMember = 16 << 20;  // a manifest above 16 MiB is not ours

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ReadDeleter>;
using ArchiveWriter = std::unique_ptr<archive, WriteDeleter>;

// Incremental SHA-256 (the files of a backup can be large: never read whole).
class Sha256Stream {
 public:
  Sha256Stream() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &len);
    return ToHex(std::string_view(reinterpret_cast<const char*>(digest), len));
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

Result<ArchiveReader> OpenReader(const std::string& bundle) {
  std::error_code ec;
  if (!fs::is_regular_file(bundle, ec)) {
    return Status::NotFound(bundle + " is not a migration bundle (no such file; a bundle is one .tar file)");
  }
  ArchiveReader a(archive_read_new());
  if (!a || archive_read_support_format_tar(a.get()) != ARCHIVE_OK ||
      archive_read_open_filename(a.get(), bundle.c_str(), kChunk) != ARCHIVE_OK) {
    return Status::Corruption("cannot read the bundle " + bundle + ": " +
                              (a ? archive_error_string(a.get()) : "no memory"));
  }
  return a;
}

// The next member's header; kCorruption when the file ends early or is not a tar.
Result<archive_entry*> NextHeader(archive* a, const std::string& bundle, bool* end) {
  archive_entry* entry = nullptr;
  const int rc = archive_read_next_header(a, &entry);
  *end = rc == ARCHIVE_EOF;
  if (rc == ARCHIVE_EOF) return entry;
  if (rc != ARCHIVE_OK) {
    const char* why = archive_error_string(a);
    return Status::Corruption("the bundle " + bundle + " is truncated or damaged: " + (why ? why : "unreadable"));
  }
  return entry;
}

Result<std::string> ReadSmallMember(archive* a, archive_entry* entry, const std::string& bundle) {
  const la_int64_t size = archive_entry_size(entry);
  if (size < 0 || static_cast<uint64_t>(size) > kMaxHeadMember) {
    return Status::Corruption("the bundle " + bundle + " has an implausible " + archive_entry_pathname(entry));
  }
  std::string data(static_cast<size_t>(size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    const la_ssize_t n = archive_read_data(a, data.data() + got, data.size() - got);
    if (n <= 0) {
      return Status::Corruption("the bundle " + bundle + " is truncated (in " + archive_entry_pathname(entry) + ")");
    }
    got += static_cast<size_t>(n);
  }
  return data;
}

Status WriteMemberHeader(archive* a, const std::string& name, uint64_t size, const std::string& out) {
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0600);
  archive_entry_set_mtime(entry.get(), 0, 0);  // the manifest carries the time; members stay reproducible
  if (archive_write_header(a, entry.get()) != ARCHIVE_OK) {
    return Status::IoError("writing " + name + " into " + out + ": " + archive_error_string(a));
  }
  return Status::Ok();
}

Status WriteMemberData(archive* a, const char* data, size_t size, const std::string& name, const std::string& out) {
  if (size == 0) return Status::Ok();
  if (archive_write_data(a, data, size) != static_cast<la_ssize_t>(size)) {
    return Status::IoError("writing " + name + " into " + out + ": " + archive_error_string(a));
  }
  return Status::Ok();
}

Status FsyncFile(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return Status::IoError("cannot open " + path + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::IoError("fsync of " + path + " failed");
}

}  // namespace

Result<nlohmann::json> BundleMembers(const std::string& backup_dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(backup_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) paths.push_back(fs::relative(it->path(), backup_dir, ec).string());
  }
  if (ec) return Status::IoError("cannot list " + backup_dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  nlohmann::json members = nlohmann::json::array();
  for (const std::string& rel : paths) {
    const std::string path = (fs::path(backup_dir) / rel).string();
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::IoError("cannot read " + path);
    Sha256Stream sha;
    uint64_t size = 0;
    std::vector<char> buffer(kChunk);
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto n = static_cast<size_t>(in.gcount());
      sha.Update(buffer.data(), n);
      size += n;
    }
    if (in.bad()) return Status::IoError("reading " + path + " failed");
    members.push_back({{"path", std::string(kBackupPrefix) + rel}, {"size", size}, {"sha256", sha.HexDigest()}});
  }
  return members;
}

Status WriteBundleFile(const std::string& out, const std::string& manifest_text, const std::string& signature_text,
                       const std::string& backup_dir, const nlohmann::json& members, const BackupProgress& progress) {
  std::error_code ec;
  if (fs::exists(out, ec)) return Status::AlreadyExists(out + " exists; write the bundle to a new file");
  uint64_t total = 0;
  for (const auto& m : members) total += m.value("size", uint64_t{0});
  const std::string temp = out + ".tmp-" + std::to_string(::getpid());
  Status written = [&]() -> Status {
    ArchiveWriter a(archive_write_new());
    if (!a || archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
        archive_write_open_filename(a.get(), temp.c_str()) != ARCHIVE_OK) {
      return Status::IoError("cannot create " + temp + ": " + (a ? archive_error_string(a.get()) : "no memory"));
    }
    for (const auto& [name, text] : {std::pair{kManifestMember, &manifest_text}, std::pair{kSignatureMember, &signature_text}}) {
      POS_RETURN_IF_ERROR(WriteMemberHeader(a.get(), std::string(name), text->size(), out));
      POS_RETURN_IF_ERROR(WriteMemberData(a.get(), text->data(), text->size(), std::string(name), out));
    }
    uint64_t done = 0;
    std::vector<char> buffer(kChunk);
    for (const auto& m : members) {
      const std::string name = m.value("path", "");
      const std::string path = (fs::path(backup_dir) / name.substr(kBackupPrefix.size())).string();
      const uint64_t size = m.value("size", uint64_t{0});
      POS_RETURN_IF_ERROR(WriteMemberHeader(a.get(), name, size, out));
      std::ifstream in(path, std::ios::binary);
      if (!in) return Status::IoError("cannot read " + path);
      uint64_t left = size;
      while (left > 0) {
        in.read(buffer.data(), static_cast<std::streamsize>(std::min<uint64_t>(left, buffer.size())));
        const auto n = static_cast<size_t>(in.gcount());
        if (n == 0) return Status::IoError(path + " changed while the bundle was written");
        POS_RETURN_IF_ERROR(WriteMemberData(a.get(), buffer.data(), n, name, out));
        left -= n;
        done += n;
        if (progress) progress(done, total);
      }
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
      return Status::IoError("finishing " + temp + ": " + archive_error_string(a.get()));
    }
    POS_RETURN_IF_ERROR(FsyncFile(temp, false));
    if (::rename(temp.c_str(), out.c_str()) != 0) return Status::IoError("cannot rename " + temp + " to " + out);
    const fs::path parent = fs::absolute(out).parent_path();
    return FsyncFile(parent.string(), true);
  }();
  if (!written.ok()) fs::remove(temp, ec);
  if (written.ok() && progress) progress(total, total);
  return written;
}

Result<BundleHead> ReadBundleHead(const std::string& bundle) {
  POS_ASSIGN_OR_RETURN(ArchiveReader a, OpenReader(bundle));
  BundleHead head;
  for (const auto& [wanted, into] :
       {std::pair{kManifestMember, &head.manifest_text}, std::pair{kSignatureMember, &head.signature_text}}) {
    bool end = false;
    POS_ASSIGN_OR_RETURN(archive_entry * entry, NextHeader(a.get(), bundle, &end));
    if (end) {
      return Status::Corruption("the bundle " + bundle + " has no " + std::string(wanted) +
                                ": it is truncated or not a migration bundle");
    }
    if (archive_entry_pathname(entry) != wanted) {
      return Status::Corruption("the bundle " + bundle + " is not a migration bundle (its members do not begin with " +
                                std::string(kManifestMember) + ", " + std::string(kSignatureMember) + ")");
    }
    POS_ASSIGN_OR_RETURN(*into, ReadSmallMember(a.get(), entry, bundle));
  }
  return head;
}

Status ExtractBundleBackup(const std::string& bundle, const nlohmann::json& members, const std::string& backup_dir,
                           const BackupProgress& progress) {
  struct Expected {
    uint64_t size = 0;
    std::string sha256;
    bool seen = false;
  };
  std::map<std::string, Expected> expected;
  uint64_t total = 0;
  if (!members.is_array()) return Status::Corruption("the bundle's manifest has no list of members");
  for (const auto& m : members) {
    const std::string name = m.is_object() ? m.value("path", "") : "";
    if (!name.starts_with(kBackupPrefix) || name.find("..") != std::string::npos || name.size() == kBackupPrefix.size()) {
      return Status::Corruption("the bundle's manifest names a bad member '" + name + "'");
    }
    expected[name] = Expected{m.value("size", uint64_t{0}), m.value("sha256", ""), false};
    total += m.value("size", uint64_t{0});
  }
  POS_ASSIGN_OR_RETURN(ArchiveReader a, OpenReader(bundle));
  uint64_t done = 0;
  std::vector<char> buffer(kChunk);
  for (size_t index = 0;; ++index) {
    bool end = false;
    POS_ASSIGN_OR_RETURN(archive_entry * entry, NextHeader(a.get(), bundle, &end));
    if (end) break;
    const std::string name = archive_entry_pathname(entry);
    if (index < 2) {  // manifest.json and manifest.sig, read by ReadBundleHead
      archive_read_data_skip(a.get());
      continue;
    }
    auto it = expected.find(name);
    if (it == expected.end() || it->second.seen) {
      return Status::Corruption("the bundle " + bundle + " holds a member its signed manifest does not list: " + name);
    }
    it->second.seen = true;
    const fs::path to = fs::path(backup_dir) / name.substr(kBackupPrefix.size());
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    if (ec) return Status::IoError("cannot create " + to.parent_path().string() + ": " + ec.message());
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError("cannot write " + to.string());
    Sha256Stream sha;
    uint64_t size = 0;
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n < 0) {
        const char* why = archive_error_string(a.get());
        return Status::Corruption("the bundle " + bundle + " is truncated or damaged in " + name + ": " +
                                  (why ? why : "unreadable"));
      }
      if (n == 0) break;
      sha.Update(buffer.data(), static_cast<size_t>(n));
      out.write(buffer.data(), n);
      size += static_cast<uint64_t>(n);
      done += static_cast<uint64_t>(n);
      if (progress) progress(std::min(done, total), total);
    }
    out.close();
    if (!out) return Status::IoError("writing " + to.string() + " failed");
    if (size != it->second.size) {
      return Status::Corruption("the bundle " + bundle + " is truncated: " + name + " has " + std::to_string(size) +
                                " of its " + std::to_string(it->second.size) + " bytes");
    }
    if (sha.HexDigest() != it->second.sha256) {
      return Status::Corruption("the bundle " + bundle + " is damaged: " + name +
                                " does not match its SHA-256 in the signed manifest");
    }
  }
  for (const auto& [name, e] : expected) {
    if (!e.seen) {
      return Status::Corruption("the bundle " + bundle + " is truncated or incomplete: the member " + name +
                                " listed in its signed manifest is missing");
    }
  }
  if (progress) progress(total, total);
  return Status::Ok();
}

}  // namespace pos
