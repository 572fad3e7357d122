// Backups and till migration (engine/backup.h, `pos backup …`, `pos migrate …`,
// docs/backup.md): a backup taken while events are appended, restore equality,
// damaged backups and bundles, every refusal of the migration, a full move.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "engine/backup.h"
#include "engine/bytes.h"
#include "engine/chain_verifier.h"
#include "engine/event_store.h"
#include "engine/sha256.h"
#include "events/master_data.h"
#include "tests/test_support.h"

namespace pos {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pos::testing::ScratchDir;

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

// `[env] pos --data DATA args` with `input` on stdin.
CliRun Pos(const std::string& data, const std::string& args, const std::string& input = "",
           const std::string& env = "") {
  const std::string command = "printf '%s\\n' '" + input + "' | " + env + " '" + testing::BinaryDir() +
                              "/tools/pos/pos' --data '" + data + "' " + args + " 2>&1";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void WriteFile(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A till with the sample catalog, two receipts and a Z report.
void MakeTill(const std::string& data, const std::string& name, const std::string& env = "") {
  ASSERT_EQ(Pos(data, "init --node-name " + name, "", env).exit_code, 0);
  ASSERT_EQ(Pos(data, "catalog import '" + std::string(POS_SOURCE_DIR) + "/samples/catalog.json'", "", env).exit_code, 0);
  ASSERT_EQ(Pos(data, "sale sign-on --user anna --pin-stdin", "4711", env).exit_code, 0);
  for (int i = 0; i < 2; ++i) {
    CliRun opened = Pos(data, "sale open", "", env);
    ASSERT_EQ(opened.exit_code, 0) << opened.out;
    const std::string id = opened.out.substr(0, opened.out.find_first_of(" \n"));
    ASSERT_EQ(Pos(data, "sale add --receipt " + id + " --article 1001 --qty 2", "", env).exit_code, 0);
    ASSERT_EQ(Pos(data, "sale pay --receipt " + id + " --type cash --amount 10", "", env).exit_code, 0);
    ASSERT_EQ(Pos(data, "sale close --receipt " + id, "", env).exit_code, 0);
  }
  CliRun z = Pos(data, "sale z-report --counted-cash 9.60 --approve-by sam --approver-pin-stdin", "5555", env);
  ASSERT_EQ(z.exit_code, 0) << z.out;
}

std::vector<fs::path> FilesUnder(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().string().ends_with(suffix)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ------------------------------------------------------------ library level

TEST(BackupTest, BackupWhileAppendingHoldsEveryAcknowledgedEvent) {
  ScratchDir dir;
  CreateStoreOptions create;
  create.node_name = "till-1";
  auto store = EventStore::Create(dir.Sub("data"), create);
  ASSERT_TRUE(store.ok()) << store.status().message();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acknowledged{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      Article article;
      article.code = "A" + std::to_string(i);
      article.name = "Article " + std::to_string(i);
      article.gross_price = 100 + i;
      article.tax_rate = "STD";
      AppendBatch batch;
      batch.stream = "article/" + article.code;
      batch.expected_version = kNoStream;
      batch.events.push_back({EventType::kArticleCreated, EncodeArticle(article, false)});
      auto r = (*store)->Append(std::move(batch));
      ASSERT_TRUE(r.ok()) << r.status().message();
      acknowledged = r->last_local_seq;
    }
  });
  while (acknowledged < 200) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const uint64_t before = acknowledged;
  auto id = CreateBackup(**store, dir.Sub("backup"), json::object());
  const uint64_t after_backup = acknowledged;
  stop = true;
  writer.join();
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_GT(after_backup, before) << "the writer should have kept appending during the backup";
  ASSERT_TRUE(VerifyBackup(dir.Sub("backup"), *id).ok());
  auto manifest = RestoreBackup(dir.Sub("backup"), *id, dir.Sub("restored"));
  ASSERT_TRUE(manifest.ok()) << manifest.status().message();
  auto restored = EventStore::Open(dir.Sub("restored"));
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  auto verified = VerifyChains(**restored);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_GE((*restored)->LastSequence(), before);
  EXPECT_GE((*restored)->Heads().at((*store)->node_id()).seq, before);
}

// ------------------------------------------------------------ the CLI

TEST(BackupCliTest, CreateListVerifyRestoreEqual) {
  ScratchDir dir;
  const std::string data = dir.Sub("till"), backups = dir.Sub("backups");
  MakeTill(data, "till-1");
  WriteFile(fs::path(data) / "site.lic", "license text\n");
  WriteFile(fs::path(data) / "node.toml", "[backup]\n");
  WriteFile(fs::path(data) / "curve.keys", "till key pair\n");
  fs::permissions(fs::path(data) / "curve.keys", fs::perms::owner_read | fs::perms::owner_write);
  CliRun created = Pos(data, "backup create --to '" + backups + "'");
  ASSERT_EQ(created.exit_code, 0) << created.out;
  CliRun again = Pos(data, "backup create --to '" + backups + "'");  // incremental
  ASSERT_EQ(again.exit_code, 0) << again.out;
  CliRun list = Pos(data, "--json backup list --from '" + backups + "'");
  ASSERT_EQ(list.exit_code, 0) << list.out;
  const json entries = json::parse(list.out);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0]["complete"].get<bool>());
  CliRun verify = Pos(data, "backup verify --from '" + backups + "'");
  EXPECT_EQ(verify.exit_code, 0) << verify.out;

  const std::string target = dir.Sub("restored");
  CliRun restored = Pos(data, "--json backup restore --from '" + backups + "' --to '" + target + "'");
  ASSERT_EQ(restored.exit_code, 0) << restored.out;
  const json r = json::parse(restored.out);
  EXPECT_TRUE(r["equal_to_backup"].get<bool>());
  EXPECT_EQ(ReadFile(fs::path(target) / "site.lic"), "license text\n");
  EXPECT_EQ(ReadFile(fs::path(target) / "node.toml"), "[backup]\n");
  EXPECT_EQ(ReadFile(fs::path(target) / "curve.keys"), "till key pair\n");
  EXPECT_EQ(fs::status(fs::path(target) / "curve.keys").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(Pos(target, "verify").exit_code, 0);
  EXPECT_EQ(Pos(target, "--json report z").out, Pos(data, "--json report z").out);
  EXPECT_EQ(Pos(target, "--json article list").out, Pos(data, "--json article list").out);

  // A non-empty target only with --force.
  CliRun refused = Pos(data, "backup restore --from '" + backups + "' --to '" + target + "'");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("--force"), std::string::npos) << refused.out;
  EXPECT_EQ(Pos(data, "backup restore --force --from '" + backups + "' --to '" + target + "'").exit_code, 0);
  {  // never over a store another process has open (a running `pos serve`)
    auto open = EventStore::Open(target);
    ASSERT_TRUE(open.ok()) << open.status().message();
    CliRun busy = Pos(data, "backup restore --force --from '" + backups + "' --to '" + target + "'");
    EXPECT_EQ(busy.exit_code, 1) << busy.out;
    EXPECT_NE(busy.out.find("in use"), std::string::npos) << busy.out;
  }
  EXPECT_EQ(Pos(target, "verify").exit_code, 0);
}

TEST(BackupCliTest, DamagedBackupsAreDetectedAndTheTargetStaysUntouched) {
  ScratchDir dir;
  const std::string data = dir.Sub("till");
  MakeTill(data, "till-1");
  WriteFile(fs::path(data) / "site.lic", "license text\n");
  const std::string target = dir.Sub("target");
  fs::create_directories(target);
  WriteFile(fs::path(target) / "keep.txt", "untouched");

  const auto fresh_backup = [&](const std::string& name) {
    const std::string b = dir.Sub(name);
    EXPECT_EQ(Pos(data, "backup create --to '" + b + "'").exit_code, 0);
    return b;
  };
  const auto expect_refused = [&](const std::string& b, const std::string& words) {
    CliRun verify = Pos(data, "backup verify --from '" + b + "'");
    EXPECT_EQ(verify.exit_code, 3) << verify.out;
    EXPECT_NE(verify.out.find(words), std::string::npos) << verify.out;
    CliRun restore = Pos(data, "backup restore --force --id 1 --from '" + b + "' --to '" + target + "'");
    EXPECT_EQ(restore.exit_code, 1) << restore.out;
    EXPECT_EQ(ReadFile(fs::path(target) / "keep.txt"), "untouched");
    EXPECT_EQ(std::distance(fs::directory_iterator(target), fs::directory_iterator()), 1);
    for (const auto& e : fs::directory_iterator(dir.path())) {
      EXPECT_EQ(e.path().filename().string().find(".restore-"), std::string::npos) << e.path();
    }
  };

  {  // a truncated SST file
    const std::string b = fresh_backup("truncated");
    auto ssts = FilesUnder(fs::path(b) / "rocksdb", ".sst");
    ASSERT_FALSE(ssts.empty());
    fs::resize_file(ssts.front(), fs::file_size(ssts.front()) / 2);
    expect_refused(b, "damaged");
  }
  {  // one flipped byte in an SST file (same size: only the checksum sees it)
    const std::string b = fresh_backup("flipped");
    auto ssts = FilesUnder(fs::path(b) / "rocksdb", ".sst");
    ASSERT_FALSE(ssts.empty());
    std::string bytes = ReadFile(ssts.front());
    bytes[bytes.size() / 3] = static_cast<char>(bytes[bytes.size() / 3] ^ 0x40);
    fs::permissions(ssts.front(), fs::perms::owner_write, fs::perm_options::add);
    WriteFile(ssts.front(), bytes);
    expect_refused(b, "damaged");
  }
  {  // the manifest deleted
    const std::string b = fresh_backup("no-manifest");
    fs::remove(fs::path(b) / "manifests" / "1.json");
    expect_refused(b, "no manifest");
    CliRun list = Pos(data, "backup list --from '" + b + "'");
    EXPECT_NE(list.out.find("INCOMPLETE"), std::string::npos) << list.out;
  }
  {  // an extra file changed
    const std::string b = fresh_backup("extra-file");
    WriteFile(fs::path(b) / "files" / "1" / "site.lic", "forged\n");
    expect_refused(b, "SHA-256");
  }
  {  // not a backup directory at all
    CliRun verify = Pos(data, "backup verify --from '" + dir.Sub("nothing") + "'");
    EXPECT_EQ(verify.exit_code, 1);
    EXPECT_NE(verify.out.find("not a pos backup directory"), std::string::npos) << verify.out;
  }
}

// ------------------------------------------------------------ migration

// Signs `message` with the Ed25519 private key PEM in `pem`, hex.
std::string SignHex(const std::string& pem, const std::string& message) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig(64, '\0');
  size_t len = sig.size();
  EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key);
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(message.data()), message.size());
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ToHex(sig);
}

TEST(MigrateCliTest, ExportRefusesWhileTheTseIsInService) {
  ScratchDir dir;
  const std::string data = dir.Sub("till");
  MakeTill(data, "till-1");
  ASSERT_EQ(Pos(data, "tse init --admin-pin-stdin", "123456").exit_code, 0);
  CliRun refused = Pos(data, "migrate export --to '" + dir.Sub("bundle") + "'");
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("pos tse deactivate"), std::string::npos) << refused.out;
  EXPECT_FALSE(fs::exists(dir.Sub("bundle")));
  ASSERT_EQ(Pos(data, "tse deactivate --admin-pin-stdin", "123456").exit_code, 0);
  CliRun exported = Pos(data, "migrate export --to '" + dir.Sub("bundle") + "'");
  EXPECT_EQ(exported.exit_code, 0) << exported.out;
  // An existing bundle file is not overwritten.
  CliRun again = Pos(data, "migrate export --to '" + dir.Sub("bundle") + "'");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("exists"), std::string::npos) << again.out;
}

TEST(MigrateCliTest, ExportRefusesWhileALicenseSeatIsActive) {
  ScratchDir dir;
  const std::string data = dir.Sub("till"), keys = dir.Sub("vendor-keys"), server = dir.Sub("server");
  MakeTill(data, "till-1");
  ASSERT_EQ(Pos(data, "vendor keygen --out '" + keys + "'").exit_code, 0);
  const std::string lic = dir.Sub("c.lic"), pub = keys + "/vendor.pub";
  ASSERT_EQ(Pos(data, "vendor issue --key '" + keys + "' --customer 4711 --seats 1 '" + lic + "'").exit_code, 0);
  ASSERT_EQ(Pos(server, "license-server --vendor-pubkey '" + pub + "' load '" + lic + "'").exit_code, 0);
  ASSERT_EQ(Pos(data, "license load '" + lic + "' --vendor-pubkey '" + pub + "' --admin admin --pin-stdin", "9999").exit_code, 0);
  ASSERT_EQ(Pos(data, "license activate --request '" + dir.Sub("t.req") + "' --admin admin --pin-stdin", "9999").exit_code, 0);
  ASSERT_EQ(Pos(server, "license-server answer '" + dir.Sub("t.req") + "' '" + dir.Sub("t.resp") + "'").exit_code, 0);
  ASSERT_EQ(Pos(data, "license apply '" + dir.Sub("t.resp") + "' --admin admin --pin-stdin", "9999").exit_code, 0);
  CliRun refused = Pos(data, "migrate export --to '" + dir.Sub("bundle") + "'");
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("pos license deactivate"), std::string::npos) << refused.out;
  EXPECT_FALSE(fs::exists(dir.Sub("bundle")));
}

// The members of a bundle file (a tar) in order: name and bytes.
std::vector<std::pair<std::string, std::string>> ReadTar(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> members;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, path.c_str(), 1 << 16) == ARCHIVE_OK) {
    archive_entry* entry = nullptr;
    while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
      std::string data(static_cast<size_t>(archive_entry_size(entry)), '\0');
      if (!data.empty()) archive_read_data(a, data.data(), data.size());
      members.emplace_back(archive_entry_pathname(entry), std::move(data));
    }
  }
  archive_read_free(a);
  return members;
}

void WriteTar(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open_filename(a, path.c_str());
  for (const auto& [name, data] : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0600);
    archive_write_header(a, entry);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

TEST(MigrateCliTest, FullMigrationToAnotherMachineAndEveryImportRefusal) {
  ScratchDir dir;
  const std::string old_data = dir.Sub("old"), bundle = dir.Sub("till-1.bundle"), new_data = dir.Sub("new");
  MakeTill(old_data, "till-1");
  CliRun exported = Pos(old_data, "migrate export --to '" + bundle + "'");
  ASSERT_EQ(exported.exit_code, 0) << exported.out;
  ASSERT_TRUE(fs::is_regular_file(bundle)) << "a bundle is one file";
  EXPECT_TRUE(fs::exists(fs::path(old_data) / "node.key"));
  EXPECT_EQ(fs::status(fs::path(old_data) / "node.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_NE(Pos(old_data, "log --json").out.find("NodeKeyCreated"), std::string::npos);
  for (const auto& e : fs::directory_iterator(dir.path())) {  // no staging or temp file left
    EXPECT_EQ(e.path().filename().string().find("staging"), std::string::npos) << e.path();
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
  // The layout: manifest.json, manifest.sig, then backup/… each listed with its SHA-256 in the signed manifest.
  const auto members = ReadTar(bundle);
  ASSERT_GE(members.size(), 4u);
  EXPECT_EQ(members[0].first, "manifest.json");
  EXPECT_EQ(members[1].first, "manifest.sig");
  const json manifest = json::parse(members[0].second);
  ASSERT_EQ(manifest["members"].size(), members.size() - 2);
  for (size_t i = 2; i < members.size(); ++i) {
    EXPECT_EQ(manifest["members"][i - 2]["path"], members[i].first);
    const Sha256Digest d = Sha256(members[i].second);
    EXPECT_EQ(manifest["members"][i - 2]["sha256"], ToHex(std::span<const uint8_t>(d.data(), d.size())));
  }
  // A bundle file that exists is not overwritten.
  CliRun again = Pos(old_data, "migrate export --to '" + bundle + "'");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("exists"), std::string::npos) << again.out;

  WriteFile(dir.Sub("machine-2"), "22222222222222222222222222222222\n");
  const std::string machine2 = "POS_MACHINE_ID_FILE='" + dir.Sub("machine-2") + "'";

  // Refusals first: a non-empty target, damaged bundles, a forged signature, another node's key.
  fs::create_directories(new_data);
  WriteFile(fs::path(new_data) / "keep.txt", "untouched");
  CliRun nonempty = Pos(new_data, "migrate import --from '" + bundle + "' --data '" + new_data + "'", "", machine2);
  EXPECT_EQ(nonempty.exit_code, 1);
  EXPECT_NE(nonempty.out.find("not empty"), std::string::npos) << nonempty.out;
  fs::remove(fs::path(new_data) / "keep.txt");

  const auto expect_import_refused = [&](const std::string& b, const std::string& words) {
    CliRun run = Pos(new_data, "migrate import --from '" + b + "' --data '" + new_data + "'", "", machine2);
    EXPECT_EQ(run.exit_code, 1) << run.out;
    EXPECT_NE(run.out.find(words), std::string::npos) << words << " in: " << run.out;
    EXPECT_TRUE(fs::is_empty(new_data));
    for (const auto& e : fs::directory_iterator(dir.path())) {  // no temp directory left behind
      const std::string name = e.path().filename().string();
      EXPECT_TRUE(name.find(".import-") == std::string::npos && name.find(".unpack-") == std::string::npos) << name;
    }
  };
  const std::string bytes = ReadFile(bundle);
  const auto variant = [&](const std::string& name, const std::string& content) {
    WriteFile(dir.Sub(name), content);
    return dir.Sub(name);
  };
  // Truncated at several points: in the manifest, in the middle, just before the end of the data.
  expect_import_refused(variant("cut-head", bytes.substr(0, 700)), "truncated");
  expect_import_refused(variant("cut-middle", bytes.substr(0, bytes.size() / 2)), "truncated");
  expect_import_refused(variant("cut-tail", bytes.substr(0, bytes.size() - 3000)), "truncated");
  {  // one flipped byte inside an SST member: the member's SHA-256 in the signed manifest catches it
    std::vector<std::pair<std::string, std::string>> m = members;
    for (auto& [name, data] : m) {
      if (name.ends_with(".sst")) {
        data[data.size() / 3] = static_cast<char>(data[data.size() / 3] ^ 0x40);
        break;
      }
    }
    WriteTar(dir.Sub("flipped"), m);
    expect_import_refused(dir.Sub("flipped"), "does not match its SHA-256");
  }
  {  // a member dropped, and a member added
    std::vector<std::pair<std::string, std::string>> m = members;
    m.pop_back();
    WriteTar(dir.Sub("dropped"), m);
    expect_import_refused(dir.Sub("dropped"), "missing");
    m = members;
    m.emplace_back("backup/files/1/evil", "x");
    WriteTar(dir.Sub("added"), m);
    expect_import_refused(dir.Sub("added"), "does not list");
  }
  {  // no signature
    std::vector<std::pair<std::string, std::string>> m = members;
    m.erase(m.begin() + 1);
    WriteTar(dir.Sub("unsigned"), m);
    expect_import_refused(dir.Sub("unsigned"), "manifest.sig");
  }
  {  // the manifest edited after signing
    std::vector<std::pair<std::string, std::string>> m = members;
    m[0].second.replace(m[0].second.find("\"articles\": "), 12, "\"articles\": 9");
    WriteTar(dir.Sub("edited"), m);
    expect_import_refused(dir.Sub("edited"), "does not verify");
  }
  expect_import_refused(variant("not-a-tar", "hello, this is not a bundle\n"), "bundle");
  expect_import_refused(dir.Sub("absent.bundle"), "no such file");
  {  // signed by another node: its own key, validly signed, but not the key in this node's log
    const std::string other = dir.Sub("other");
    MakeTill(other, "till-9");
    ASSERT_EQ(Pos(other, "migrate export --to '" + dir.Sub("other.bundle") + "'").exit_code, 0);
    const json other_manifest = json::parse(ReadTar(dir.Sub("other.bundle"))[0].second);
    std::vector<std::pair<std::string, std::string>> m = members;
    json forged = json::parse(m[0].second);
    forged["node_public_key"] = other_manifest["node_public_key"];
    m[0].second = forged.dump(2) + "\n";
    m[1].second = SignHex(ReadFile(fs::path(other) / "node.key"), m[0].second) + "\n";
    WriteTar(dir.Sub("foreign"), m);
    expect_import_refused(dir.Sub("foreign"), "another node");
  }

  // The move itself.
  CliRun imported = Pos(new_data, "migrate import --from '" + bundle + "' --data '" + new_data + "'", "", machine2);
  ASSERT_EQ(imported.exit_code, 0) << imported.out;
  EXPECT_EQ(Pos(new_data, "verify", "", machine2).exit_code, 0);
  CliRun device = Pos(new_data, "--json device status", "", machine2);
  EXPECT_TRUE(json::parse(device.out)["matches"].get<bool>()) << device.out;
  const std::string log = Pos(new_data, "log --json", "", machine2).out;
  EXPECT_NE(log.find("DeviceRebound"), std::string::npos);
  EXPECT_NE(log.find("TillMigrated"), std::string::npos);
  EXPECT_NE(log.find("migration"), std::string::npos);
  CliRun check = Pos(new_data, "migrate check --old '" + bundle + "' --data '" + new_data + "'", "", machine2);
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_NE(check.out.find("matches"), std::string::npos) << check.out;
  // This till never had a license nor a TSE: it sells here as before, in demo mode (training receipts).
  CliRun status = Pos(new_data, "license status", "", machine2);
  EXPECT_NE(status.out.find("DEMO"), std::string::npos) << status.out;
  CliRun opened = Pos(new_data, "sale open", "", machine2);
  EXPECT_EQ(opened.exit_code, 0) << opened.out;
  // Another till is not the old one.
  CliRun mismatch = Pos(new_data, "migrate check --old '" + bundle + "' --data '" + dir.Sub("other") + "'", "", machine2);
  EXPECT_EQ(mismatch.exit_code, 3) << mismatch.out;
}

// A real `pos license-server` process on loopback (as in tests/licensing_test.cpp).
class LicenseServerProcess {
 public:
  LicenseServerProcess(const std::string& data, const std::string& vendor_pub, const std::string& log) {
    const std::string binary = testing::BinaryDir() + "/tools/pos/pos";
    pid_ = fork();
    if (pid_ == 0) {
      FILE* out = freopen(log.c_str(), "a", stdout);
      (void)out;
      execl(binary.c_str(), binary.c_str(), "--data", data.c_str(), "license-server", "--listen", "tcp://127.0.0.1:*",
            "--vendor-pubkey", vendor_pub.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 400 && endpoint_.empty(); ++i) {
      const json info = json::parse(ReadFile(fs::path(data) / "serve.json"), nullptr, false);
      if (info.is_object() && info.value("pid", 0) == pid_) endpoint_ = info.value("endpoint", "");
      if (endpoint_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ~LicenseServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  pid_t pid_ = -1;
  std::string endpoint_;
};

// Opens, fills, pays and closes one receipt; returns the CLI's output of the close (or of the first failure).
CliRun SellOne(const std::string& data, const std::string& env) {
  CliRun opened = Pos(data, "sale open", "", env);
  if (opened.exit_code != 0) return opened;
  const std::string id = opened.out.substr(0, opened.out.find_first_of(" \n"));
  CliRun step = Pos(data, "sale add --receipt " + id + " --article 1001 --qty 1", "", env);
  if (step.exit_code != 0) return step;
  step = Pos(data, "sale pay --receipt " + id + " --type cash --amount 5", "", env);
  if (step.exit_code != 0) return step;
  return Pos(data, "sale close --receipt " + id, "", env);
}

// The whole move of a licensed German till with its TSE: every export refusal names the step still to
// do; after the import the till refuses to sell, naming what is missing, until its license is activated
// (on the real license server) and a new TSE is put in service there; then it sells on with the next
// receipt number, signed by the new TSE, and `pos migrate check` finds old and new equal.
TEST(MigrateCliTest, FullMoveOfALicensedTillWithItsTse) {
  ScratchDir dir;
  const std::string old_data = dir.Sub("old"), new_data = dir.Sub("new"), bundle = dir.Sub("till-1.bundle");
  const std::string keys = dir.Sub("vendor-keys"), pub = keys + "/vendor.pub", server = dir.Sub("server");
  WriteFile(dir.Sub("machine-1"), "11111111111111111111111111111111\n");
  WriteFile(dir.Sub("machine-2"), "22222222222222222222222222222222\n");
  const std::string machine1 = "POS_MACHINE_ID_FILE='" + dir.Sub("machine-1") + "'";
  const std::string machine2 = "POS_MACHINE_ID_FILE='" + dir.Sub("machine-2") + "'";
  const std::string admin = " --admin admin --pin-stdin";

  ASSERT_EQ(Pos(old_data, "vendor keygen --out '" + keys + "'").exit_code, 0);
  const std::string lic = dir.Sub("c.lic");
  ASSERT_EQ(Pos(old_data, "vendor issue --key '" + keys + "' --customer 4711 --seats 1 '" + lic + "'").exit_code, 0);
  ASSERT_EQ(Pos(server, "license-server --vendor-pubkey '" + pub + "' load '" + lic + "'").exit_code, 0);
  LicenseServerProcess license_server(server, pub, dir.Sub("server.log"));
  ASSERT_FALSE(license_server.endpoint().empty()) << "the license server did not start";

  // The old till: licensed, with a TSE, receipts 1 and 2 (and a Z report), then receipt 3 signed.
  MakeTill(old_data, "till-1", machine1);
  ASSERT_EQ(Pos(old_data, "license load '" + lic + "' --vendor-pubkey '" + pub + "'" + admin, "9999", machine1).exit_code, 0);
  CliRun activated = Pos(old_data, "license activate --server " + license_server.endpoint() + admin, "9999", machine1);
  ASSERT_EQ(activated.exit_code, 0) << activated.out;
  ASSERT_EQ(Pos(old_data, "tse init --admin-pin-stdin", "123456", machine1).exit_code, 0);
  ASSERT_EQ(Pos(old_data, "tse register-client --admin-pin-stdin", "123456", machine1).exit_code, 0);
  CliRun sold = SellOne(old_data, machine1);
  ASSERT_EQ(sold.exit_code, 0) << sold.out;
  EXPECT_NE(sold.out.find("closed as number 3"), std::string::npos) << sold.out;

  // Export: refused until the TSE and then the license are out of service here, each naming the step.
  CliRun refused = Pos(old_data, "migrate export --to '" + bundle + "'", "", machine1);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("pos tse deactivate"), std::string::npos) << refused.out;
  ASSERT_EQ(Pos(old_data, "tse deactivate --admin-pin-stdin", "123456", machine1).exit_code, 0);
  refused = Pos(old_data, "migrate export --to '" + bundle + "'", "", machine1);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("pos license deactivate"), std::string::npos) << refused.out;
  EXPECT_FALSE(fs::exists(bundle));
  CliRun released = Pos(old_data, "license deactivate --customer-number 4711" + admin, "9999", machine1);
  ASSERT_EQ(released.exit_code, 0) << released.out;
  CliRun exported = Pos(old_data, "migrate export --to '" + bundle + "'", "", machine1);
  ASSERT_EQ(exported.exit_code, 0) << exported.out;

  // Import on the new machine: the till does not sell, and says what is missing.
  CliRun imported = Pos(new_data, "migrate import --from '" + bundle + "' --data '" + new_data + "'", "", machine2);
  ASSERT_EQ(imported.exit_code, 0) << imported.out;
  CliRun blocked = Pos(new_data, "sale open", "", machine2);
  EXPECT_EQ(blocked.exit_code, 1) << blocked.out;
  EXPECT_NE(blocked.out.find("license is not activated here"), std::string::npos) << blocked.out;
  EXPECT_NE(blocked.out.find("no TSE is in service here"), std::string::npos) << blocked.out;

  // The license activated here (the seat given back on the old machine is free): still no TSE.
  activated = Pos(new_data, "license activate --server " + license_server.endpoint() + admin, "9999", machine2);
  ASSERT_EQ(activated.exit_code, 0) << activated.out;
  blocked = Pos(new_data, "sale open", "", machine2);
  EXPECT_EQ(blocked.exit_code, 1) << blocked.out;
  EXPECT_EQ(blocked.out.find("license is not activated"), std::string::npos) << blocked.out;
  EXPECT_NE(blocked.out.find("no TSE is in service here"), std::string::npos) << blocked.out;

  // A new TSE here: the old one (deactivated, as the log records) is kept in tse-retired/<serial>/.
  const std::string old_serial = json::parse(Pos(old_data, "--json tse status", "", machine1).out)["serial"];
  CliRun tse_init = Pos(new_data, "--json tse init --admin-pin-stdin", "654321", machine2);
  ASSERT_EQ(tse_init.exit_code, 0) << tse_init.out;
  const json init = json::parse(tse_init.out);
  EXPECT_EQ(init["retired"], old_serial);
  EXPECT_NE(init["serial"], old_serial);
  EXPECT_TRUE(fs::exists(fs::path(new_data) / "tse-retired" / old_serial / "state.json"));
  ASSERT_EQ(Pos(new_data, "tse register-client --admin-pin-stdin", "654321", machine2).exit_code, 0);

  // It sells: the receipts continue, signed by the new TSE whose counters start afresh.
  sold = SellOne(new_data, machine2);
  ASSERT_EQ(sold.exit_code, 0) << sold.out;
  EXPECT_NE(sold.out.find("closed as number 4"), std::string::npos) << sold.out;
  const json tse = json::parse(Pos(new_data, "--json tse status", "", machine2).out);
  EXPECT_TRUE(tse["can_sign"].get<bool>()) << tse.dump();
  EXPECT_EQ(tse["last_transaction_number"], 1) << tse.dump();
  CliRun tse_export = Pos(new_data, "tse export '" + dir.Sub("tse.tar") + "'", "", machine2);
  ASSERT_EQ(tse_export.exit_code, 0) << tse_export.out;
  CliRun tse_verified = Pos(new_data, "tse verify-export '" + dir.Sub("tse.tar") + "'", "", machine2);
  EXPECT_EQ(tse_verified.exit_code, 0) << tse_verified.out;

  CliRun z = Pos(new_data, "sale z-report --counted-cash 2.40 --approve-by sam --approver-pin-stdin", "5555", machine2);
  ASSERT_EQ(z.exit_code, 0) << z.out;

  // Old against new: all equal up to the move (the day closed here is not compared); the whole new log verifies.
  CliRun check = Pos(new_data, "migrate check --old '" + bundle + "' --data '" + new_data + "'", "", machine2);
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(Pos(new_data, "verify", "", machine2).exit_code, 0);
  // A second `tse init` does not replace a TSE in service.
  CliRun again = Pos(new_data, "tse init --admin-pin-stdin", "654321", machine2);
  EXPECT_EQ(again.exit_code, 1) << again.out;
}

// ------------------------------------------------------------ backups while `pos serve` runs

// A real `pos serve` process (TZ=UTC, so node.toml's time of day is UTC); stopped with SIGTERM.
class ServeProcess {
 public:
  ServeProcess(const std::string& data, const std::string& log) : data_(data) {
    const std::string binary = testing::BinaryDir() + "/tools/pos/pos";
    pid_ = fork();
    if (pid_ == 0) {
      setenv("TZ", "UTC", 1);
      FILE* out = freopen(log.c_str(), "a", stdout);
      FILE* err = freopen(log.c_str(), "a", stderr);
      (void)out;
      (void)err;
      execl(binary.c_str(), binary.c_str(), "--data", data.c_str(), "serve", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 400 && !ready_; ++i) {
      const json info = json::parse(ReadFile(fs::path(data) / "serve.json"), nullptr, false);
      ready_ = info.is_object() && info.value("pid", 0) == pid_;
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ~ServeProcess() { Stop(); }
  bool ready() const { return ready_; }
  // SIGTERM and the exit status (a clean stop: 0).
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::string data_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

// HH:MM:SS (UTC) `seconds` from now.
std::string UtcTimeOfDayIn(int seconds) {
  const time_t at = time(nullptr) + seconds;
  tm utc{};
  gmtime_r(&at, &utc);
  char text[16];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d", utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text;
}

TEST(DaemonBackupTest, ABadNodeConfigStopsTheDaemonNamingTheKey) {
  ScratchDir dir;
  const std::string data = dir.Sub("till");
  MakeTill(data, "till-1");
  CliRun refused = Pos(data, "config set backup.keep 0");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("backup.keep"), std::string::npos) << refused.out;
  WriteFile(fs::path(data) / "node.toml", "[backup]\ntime = \"02:30\"\ntarget = \"/tmp/x\"\nkeep = 7\nevery = \"day\"\n");
  CliRun serve = Pos(data, "serve", "", "timeout 20");
  EXPECT_EQ(serve.exit_code, 1) << serve.out;
  EXPECT_NE(serve.out.find("backup.every is not a known key"), std::string::npos) << serve.out;
  CliRun show = Pos(data, "config show");
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_NE(show.out.find("backup.every"), std::string::npos) << show.out;
}

// The daily backup at its time of day (a few seconds from now, via node.toml) while the daemon sells;
// the retention then deletes the oldest backup.
TEST(DaemonBackupTest, ScheduledBackupWhileSellingAndRetention) {
  ScratchDir dir;
  const std::string data = dir.Sub("till"), backups = dir.Sub("backups");
  MakeTill(data, "till-1");
  ASSERT_EQ(Pos(data, "backup create --to '" + backups + "'").exit_code, 0);
  ASSERT_EQ(Pos(data, "backup create --to '" + backups + "'").exit_code, 0);
  ASSERT_EQ(Pos(data, "config set backup.target '" + backups + "'").exit_code, 0);
  ASSERT_EQ(Pos(data, "config set backup.keep 2").exit_code, 0);
  ASSERT_EQ(Pos(data, "config set backup.time " + UtcTimeOfDayIn(6)).exit_code, 0);
  CliRun show = Pos(data, "--json config show");
  ASSERT_EQ(show.exit_code, 0) << show.out;
  EXPECT_EQ(json::parse(show.out)["backup"]["keep"], 2);

  ServeProcess daemon(data, dir.Sub("serve.log"));
  ASSERT_TRUE(daemon.ready()) << ReadFile(dir.Sub("serve.log"));
  const auto has_backup_3 = [&] { return fs::exists(fs::path(backups) / "manifests" / "3.json"); };
  int sales = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (!has_backup_3() && std::chrono::steady_clock::now() < deadline) {
    CliRun sold = SellOne(data, "");
    ASSERT_EQ(sold.exit_code, 0) << sold.out;
    ++sales;
  }
  ASSERT_TRUE(has_backup_3()) << ReadFile(dir.Sub("serve.log"));
  CliRun after = SellOne(data, "");  // the daemon sells on
  EXPECT_EQ(after.exit_code, 0) << after.out;
  EXPECT_GT(sales, 0);
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_NE(ReadFile(dir.Sub("serve.log")).find("scheduled backup 3 written to " + backups + " (1 old backups deleted)"),
            std::string::npos)
      << ReadFile(dir.Sub("serve.log"));

  const json list = json::parse(Pos(data, "--json backup list --from '" + backups + "'").out);
  ASSERT_EQ(list.size(), 2u) << list.dump();
  EXPECT_EQ(list[0]["id"], 2);
  EXPECT_EQ(list[1]["id"], 3);
  EXPECT_FALSE(fs::exists(fs::path(backups) / "manifests" / "1.json"));
  EXPECT_FALSE(fs::exists(fs::path(backups) / "files" / "1"));
  EXPECT_EQ(Pos(data, "backup verify --from '" + backups + "'").exit_code, 0);
  const std::string log = Pos(data, "log --json").out;
  EXPECT_NE(log.find("BackupTaken"), std::string::npos);
  EXPECT_NE(log.find("\"schedule\""), std::string::npos) << "the trigger is recorded";
  CliRun restored = Pos(data, "backup restore --id 3 --from '" + backups + "' --to '" + dir.Sub("restored") + "'");
  ASSERT_EQ(restored.exit_code, 0) << restored.out;
  EXPECT_EQ(Pos(dir.Sub("restored"), "verify").exit_code, 0);
}

// `pos backup create` while `pos serve` holds the store: the daemon takes it over its admin socket
// while another process keeps selling through the daemon.
TEST(DaemonBackupTest, CliBackupWhileTheDaemonSells) {
  ScratchDir dir;
  const std::string data = dir.Sub("till"), backups = dir.Sub("backups");
  MakeTill(data, "till-1");
  ServeProcess daemon(data, dir.Sub("serve.log"));
  ASSERT_TRUE(daemon.ready()) << ReadFile(dir.Sub("serve.log"));
  std::atomic<bool> stop{false};
  std::atomic<int> sold{0}, failed{0};
  std::string failure;
  std::thread seller([&] {
    while (!stop) {
      CliRun run = SellOne(data, "");
      if (run.exit_code == 0) {
        ++sold;
      } else if (failed++ == 0) {
        failure = run.out;
      }
    }
  });
  while (sold < 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<json> results;
  for (int i = 0; i < 2; ++i) {
    CliRun created = Pos(data, "--json backup create --to '" + backups + "'");
    ASSERT_EQ(created.exit_code, 0) << created.out;
    results.push_back(json::parse(created.out));
  }
  const int sold_during = sold;
  while (sold < sold_during + 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  seller.join();
  EXPECT_EQ(failed, 0) << failure;
  EXPECT_TRUE(results[0]["through_daemon"].get<bool>());
  EXPECT_EQ(results[1]["backup_id"], 2);
  EXPECT_EQ(daemon.Stop(), 0);

  EXPECT_EQ(Pos(data, "backup verify --from '" + backups + "'").exit_code, 0);
  const std::string target = dir.Sub("restored");
  CliRun restored = Pos(data, "--json backup restore --from '" + backups + "' --to '" + target + "'");
  ASSERT_EQ(restored.exit_code, 0) << restored.out;
  const json r = json::parse(restored.out);
  EXPECT_GE(r["summary"]["last_sequence"].get<uint64_t>(), results[1]["events"].get<uint64_t>());
  EXPECT_EQ(Pos(target, "verify").exit_code, 0);
  EXPECT_NE(Pos(data, "log --json").out.find("\"request\""), std::string::npos) << "BackupTaken, trigger request";
}

// ------------------------------------------------------------ progress

TEST(ProgressTest, BarsWithRateAndEtaOnATerminalAndNoneWithJson) {
  ScratchDir dir;
  const std::string data = dir.Sub("till"), backups = dir.Sub("backups");
  MakeTill(data, "till-1");
  const std::string bin = "'" + testing::BinaryDir() + "/tools/pos/pos' --data '" + data + "' ";
  const auto on_terminal = [&](const std::string& args) {
    const std::string command = "script -qec \"" + bin + args + "\" /dev/null 2>&1";
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    char buffer[4096];
    size_t n = 0;
    while (pipe != nullptr && (n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    if (pipe != nullptr) pclose(pipe);
    return out;
  };
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"backup create --to '" + backups + "'", "backup "},
      {"backup verify --from '" + backups + "'", "verify 1"},
      {"backup restore --from '" + backups + "' --to '" + dir.Sub("restored") + "'", "restore "},
      {"migrate export --to '" + dir.Sub("b.bundle") + "'", "bundle "},
      {"migrate import --from '" + dir.Sub("b.bundle") + "' --data '" + dir.Sub("imported") + "'", "unpack "},
  };
  for (const auto& [args, label] : runs) {
    const std::string out = on_terminal(args);
    EXPECT_NE(out.find("\r" + label), std::string::npos) << args << ":\n" << out;
    EXPECT_NE(out.find("/s  ETA"), std::string::npos) << args << ":\n" << out;
    EXPECT_NE(out.find("100%"), std::string::npos) << args << ":\n" << out;
  }
  // With --json: stdout is the JSON document alone and stderr stays empty.
  const std::string err = dir.Sub("stderr");
  const std::string command = bin + "--json backup create --to '" + backups + "' 2>'" + err + "'";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  size_t n = 0;
  while (pipe != nullptr && (n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ASSERT_NE(pipe, nullptr);
  EXPECT_EQ(pclose(pipe), 0);
  EXPECT_FALSE(json::parse(out, nullptr, false).is_discarded()) << out;
  EXPECT_EQ(ReadFile(err), "");
}

}  // namespace
}  // namespace pos
