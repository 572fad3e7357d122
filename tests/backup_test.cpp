// Backups and till migration (engine/backup.h, `pos backup …`, `pos migrate …`,
// docs/backup.md): a backup taken while events are appended, restore equality,
// damaged backups and bundles, every refusal of the migration, a full move.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/wait.h>

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
  // A non-empty bundle directory is refused.
  CliRun again = Pos(data, "migrate export --to '" + dir.Sub("bundle") + "'");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("not empty"), std::string::npos) << again.out;
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

TEST(MigrateCliTest, FullMigrationToAnotherMachineAndEveryImportRefusal) {
  ScratchDir dir;
  const std::string old_data = dir.Sub("old"), bundle = dir.Sub("bundle"), new_data = dir.Sub("new");
  MakeTill(old_data, "till-1");
  CliRun exported = Pos(old_data, "migrate export --to '" + bundle + "'");
  ASSERT_EQ(exported.exit_code, 0) << exported.out;
  EXPECT_TRUE(fs::exists(fs::path(old_data) / "node.key"));
  EXPECT_EQ(fs::status(fs::path(old_data) / "node.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_NE(Pos(old_data, "log --json").out.find("NodeKeyCreated"), std::string::npos);

  WriteFile(dir.Sub("machine-2"), "22222222222222222222222222222222\n");
  const std::string machine2 = "POS_MACHINE_ID_FILE='" + dir.Sub("machine-2") + "'";

  // Refusals first: a non-empty target, a damaged bundle, a forged signature, another node's key.
  fs::create_directories(new_data);
  WriteFile(fs::path(new_data) / "keep.txt", "untouched");
  CliRun nonempty = Pos(new_data, "migrate import --from '" + bundle + "' --data '" + new_data + "'", "", machine2);
  EXPECT_EQ(nonempty.exit_code, 1);
  EXPECT_NE(nonempty.out.find("not empty"), std::string::npos) << nonempty.out;
  fs::remove(fs::path(new_data) / "keep.txt");

  const auto copy_bundle = [&](const std::string& name) {
    const std::string b = dir.Sub(name);
    fs::copy(bundle, b, fs::copy_options::recursive);
    return b;
  };
  const auto expect_import_refused = [&](const std::string& b, const std::string& words) {
    CliRun run = Pos(new_data, "migrate import --from '" + b + "' --data '" + new_data + "'", "", machine2);
    EXPECT_EQ(run.exit_code, 1) << run.out;
    EXPECT_NE(run.out.find(words), std::string::npos) << run.out;
    EXPECT_TRUE(fs::is_empty(new_data));
  };
  {
    const std::string b = copy_bundle("truncated");
    auto ssts = FilesUnder(fs::path(b) / "backup" / "rocksdb", ".sst");
    ASSERT_FALSE(ssts.empty());
    fs::resize_file(ssts.front(), fs::file_size(ssts.front()) / 2);
    expect_import_refused(b, "damaged");
  }
  {
    const std::string b = copy_bundle("unsigned");
    fs::remove(fs::path(b) / "manifest.sig");
    expect_import_refused(b, "manifest.sig");
  }
  {
    const std::string b = copy_bundle("edited");
    std::string text = ReadFile(fs::path(b) / "manifest.json");
    text.replace(text.find("\"articles\": "), 12, "\"articles\": 9");
    WriteFile(fs::path(b) / "manifest.json", text);
    expect_import_refused(b, "does not verify");
  }
  {  // signed by another node: its own key, validly signed, but not the key in this node's log
    const std::string other = dir.Sub("other");
    MakeTill(other, "till-9");
    ASSERT_EQ(Pos(other, "migrate export --to '" + dir.Sub("other-bundle") + "'").exit_code, 0);
    const json other_manifest = json::parse(ReadFile(fs::path(dir.Sub("other-bundle")) / "manifest.json"));
    const std::string b = copy_bundle("foreign");
    json manifest = json::parse(ReadFile(fs::path(b) / "manifest.json"));
    manifest["node_public_key"] = other_manifest["node_public_key"];
    const std::string text = manifest.dump(2) + "\n";
    WriteFile(fs::path(b) / "manifest.json", text);
    WriteFile(fs::path(b) / "manifest.sig", SignHex(ReadFile(fs::path(other) / "node.key"), text) + "\n");
    expect_import_refused(b, "another node");
  }

  // The move itself.
  CliRun imported = Pos(new_data, "migrate import --from '" + bundle + "' --data '" + new_data + "'", "", machine2);
  ASSERT_EQ(imported.exit_code, 0) << imported.out;
  EXPECT_EQ(Pos(new_data, "verify", "", machine2).exit_code, 0);
  CliRun device = Pos(new_data, "--json device status", "", machine2);
  EXPECT_TRUE(json::parse(device.out)["matches"].get<bool>()) << device.out;
  const std::string log = Pos(new_data, "log --json", "", machine2).out;
  EXPECT_NE(log.find("DeviceRebound"), std::string::npos);
  EXPECT_NE(log.find("migration"), std::string::npos);
  CliRun check = Pos(new_data, "migrate check --old '" + bundle + "' --data '" + new_data + "'", "", machine2);
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_NE(check.out.find("matches"), std::string::npos) << check.out;
  // The moved till has no license seat here: it sells only training receipts (demo mode).
  CliRun status = Pos(new_data, "license status", "", machine2);
  EXPECT_NE(status.out.find("DEMO"), std::string::npos) << status.out;
  // Another till is not the old one.
  CliRun mismatch = Pos(new_data, "migrate check --old '" + bundle + "' --data '" + dir.Sub("other") + "'", "", machine2);
  EXPECT_EQ(mismatch.exit_code, 3) << mismatch.out;
}

}  // namespace
}  // namespace pos
