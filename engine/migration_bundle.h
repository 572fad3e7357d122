// The migration bundle file (docs/backup.md, "Bundle file"): one POSIX tar
// (ustar/pax, written with libarchive) whose members come in this order:
//   manifest.json   the signed manifest (its "members" list names every
//                   backup/ member with its size and SHA-256)
//   manifest.sig    hex Ed25519 signature over the exact bytes of manifest.json
//   backup/<path>   every regular file of a backup directory (engine/backup.h)
// The manifest comes first so a reader checks the signature before it extracts
// anything, and checks every member against the signed list while it extracts.
// The file is written to a temp name, fsynced and renamed: a bundle is whole or absent.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/backup.h"
#include "engine/status.h"

namespace pos {

// The regular files under `dir` as [{"path": "backup/<relative>", "size", "sha256"}],
// sorted by path: what the signed manifest lists as "members".
Result<nlohmann::json> BundleMembers(const std::string& backup_dir);

// Writes the bundle file `out` (must not exist): manifest, signature, then the
// files of `backup_dir` named in `members`. progress(bytes done, bytes total).
Status WriteBundleFile(const std::string& out, const std::string& manifest_text, const std::string& signature_text,
                       const std::string& backup_dir, const nlohmann::json& members,
                       const BackupProgress& progress = {});

struct BundleHead {
  std::string manifest_text;
  std::string signature_text;
};

// Reads the first two members (manifest.json, manifest.sig) of the bundle file.
// kNotFound: no such file; kCorruption: not a bundle, truncated or out of order.
Result<BundleHead> ReadBundleHead(const std::string& bundle);

// Extracts the backup/ members of `bundle` into `backup_dir` (absent or empty),
// checking each against `members` (size and SHA-256) and that every listed
// member is present exactly once. kCorruption names the damaged or missing member
// or says the file is truncated. The caller removes `backup_dir` on failure.
Status ExtractBundleBackup(const std::string& bundle, const nlohmann::json& members, const std::string& backup_dir,
                           const BackupProgress& progress = {});

}  // namespace pos
