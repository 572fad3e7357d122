// `pos migrate export|import|check`: moving a till to other hardware through a
// signed bundle (docs/backup.md). Export refuses while the till's TSE or license
// seat is still active; import restores the bundle, checks it against the
// signed manifest and records the hardware change (DeviceRebound, approved by
// "migration"); check compares the old node (the bundle) with the new one.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "domain/device_binding.h"
#include "domain/fiscal/software_tse.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "domain/licensing/till_license.h"
#include "engine/backup.h"
#include "engine/bytes.h"
#include "engine/chain_verifier.h"
#include "engine/migration_bundle.h"
#include "events/event_view.h"
#include "engine/sha256.h"
#include "events/backup_generated.h"
#include "events/node_generated.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/node_summary.h"
#include "tools/pos/progress_bar.h"

namespace pos::cli {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kBundleFormat = "pos-migration-v1";
constexpr std::string_view kNodeStream = "node";

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Result<std::string> RawPublicKey(EVP_PKEY* key) {
  std::string raw(32, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 || len != 32) {
    return Status::Internal("cannot read the node key's public part");
  }
  return raw;
}

// The Ed25519 public keys recorded by NodeKeyCreated events of this node.
Result<std::vector<std::string>> RecordedNodeKeys(const EventStore& store) {
  std::vector<std::string> keys;
  Status bad;
  POS_RETURN_IF_ERROR(store.ScanStream(kNodeStream, 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status();
      return false;
    }
    if (event->type() == static_cast<uint32_t>(EventType::kNodeKeyCreated) && event->origin() == store.node_id()) {
      const auto* p = event->PayloadAs<fb::NodeKeyCreated>();
      if (p != nullptr && p->public_key() != nullptr) {
        keys.emplace_back(reinterpret_cast<const char*>(p->public_key()->data()), p->public_key()->size());
      }
    }
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  return keys;
}

// <data>/node.key: made at first use (mode 0600) and its public key recorded
// as a NodeKeyCreated event; afterwards loaded and checked against the log.
Result<Pkey> LoadOrCreateNodeKey(EventStore& store, const std::string& user) {
  const std::string path = store.path() + "/node.key";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    POS_ASSIGN_OR_RETURN(std::string pem, ReadText(path));
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
      return Status::Corruption(path + " is not an Ed25519 private key");
    }
    POS_ASSIGN_OR_RETURN(std::string pub, RawPublicKey(key.get()));
    POS_ASSIGN_OR_RETURN(auto recorded, RecordedNodeKeys(store));
    if (std::find(recorded.begin(), recorded.end(), pub) == recorded.end()) {
      return Status::FailedPrecondition(path + " is not the key recorded in this node's log (NodeKeyCreated); "
                                        "it belongs to another node");
    }
    return key;
  }
  Pkey key;
  {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                   EVP_PKEY_CTX_free);
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
      return Status::Internal("making the node key failed");
    }
    key.reset(raw);
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::Internal("encoding the node key failed");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  POS_RETURN_IF_ERROR(WriteFileAtomically(path, std::string(data, static_cast<size_t>(len)), 0600));
  ::chmod(path.c_str(), 0600);
  POS_ASSIGN_OR_RETURN(std::string pub, RawPublicKey(key.get()));
  flatbuffers::FlatBufferBuilder b;
  const std::vector<uint8_t> pub_bytes(pub.begin(), pub.end());
  b.Finish(fb::CreateNodeKeyCreatedDirect(b, "ed25519", &pub_bytes));
  AppendBatch batch;
  batch.stream = std::string(kNodeStream);
  batch.expected_version = kAnyVersion;
  batch.user = user;
  batch.events.push_back({EventType::kNodeKeyCreated, {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()}});
  auto appended = store.Append(std::move(batch));
  if (!appended.ok()) {
    fs::remove(path, ec);
    return appended.status();
  }
  return key;
}

Result<std::string> Sign(EVP_PKEY* key, const std::string& message) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Status::Internal("signing the bundle manifest failed");
  }
  sig.resize(len);
  return sig;
}

bool VerifySignature(const std::string& public_key, const std::string& message, const std::string& sig) {
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                       reinterpret_cast<const unsigned char*>(public_key.data()), public_key.size()));
  if (!key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

// Ok when the till may leave this hardware: its TSE deactivated (or none) and
// its license seat given back (or none); otherwise the step still to do.
Status CheckReadyToMove(EventStore& store) {
  std::error_code ec;
  if (fs::exists(fs::path(fiscal::TseDirOf(store)) / "state.json", ec)) {
    POS_ASSIGN_OR_RETURN(auto tse, fiscal::SoftwareTse::Open(fiscal::TseDirOf(store)));
    if (tse->lifecycle() == fiscal::TseLifecycle::kInitialised) {
      return Status::FailedPrecondition("the TSE " + tse->serial_hex() +
                                        " of this till is still in service; deactivate it first: "
                                        "pos tse deactivate --admin-pin-stdin");
    }
  }
  POS_ASSIGN_OR_RETURN(licensing::TillLicense license, licensing::TillLicense::Load(store));
  if (license.seat().has_value()) {
    return Status::FailedPrecondition("the license seat " + license.seat()->seat_id +
                                      " is still active on this till; give it back first: "
                                      "pos license deactivate --customer-number N --admin ID --pin-stdin");
  }
  return Status::Ok();
}

struct Bundle {
  nlohmann::json manifest;
  std::string manifest_text;  // the signed bytes
  std::string public_key;     // 32 raw bytes
};

// Reads the bundle file's manifest.json and checks manifest.sig with its public key.
Result<Bundle> ReadBundle(const std::string& path) {
  POS_ASSIGN_OR_RETURN(BundleHead head, ReadBundleHead(path));
  Bundle bundle;
  bundle.manifest = nlohmann::json::parse(head.manifest_text, nullptr, false);
  if (bundle.manifest.is_discarded() || !bundle.manifest.is_object() ||
      bundle.manifest.value("format", "") != kBundleFormat) {
    return Status::Corruption("the manifest of bundle " + path + " is damaged (not a " + std::string(kBundleFormat) + ")");
  }
  auto pub = FromHex(bundle.manifest.value("node_public_key", ""));
  std::string sig_text = head.signature_text;
  while (!sig_text.empty() && (sig_text.back() == '\n' || sig_text.back() == ' ')) sig_text.pop_back();
  auto sig = FromHex(sig_text);
  if (!pub || pub->size() != 32 || !sig || !VerifySignature(*pub, head.manifest_text, *sig)) {
    return Status::Corruption("the manifest of bundle " + path + " does not verify against its signature (damaged or forged)");
  }
  if (!bundle.manifest.contains("members") || !bundle.manifest["members"].is_array() ||
      !bundle.manifest.contains("summary") || !bundle.manifest["summary"].is_object()) {
    return Status::Corruption("the manifest of bundle " + path + " lacks its members or summary");
  }
  bundle.public_key = *pub;
  bundle.manifest_text = head.manifest_text;
  return bundle;
}

// Old (the bundle's summary) against new (the data directory's); prints both
// and returns whether everything matches.
bool Compare(const nlohmann::json& old_s, const nlohmann::json& new_s, bool print, nlohmann::json* diffs) {
  bool all = true;
  for (const char* key : {"articles", "z_reports", "monthly_totals", "events", "events_by_type", "heads"}) {
    const bool same = old_s.value(key, nlohmann::json()) == new_s.value(key, nlohmann::json());
    all = all && same;
    if (diffs != nullptr) (*diffs)[key] = {{"old", old_s.value(key, nlohmann::json())}, {"new", new_s.value(key, nlohmann::json())}, {"match", same}};
    if (print) {
      const auto brief = [](const nlohmann::json& v) {
        if (v.is_array() || v.is_object()) return std::to_string(v.size()) + " entries";
        return v.dump();
      };
      std::cout << (same ? "ok        " : "MISMATCH  ") << key << ": old " << brief(old_s.value(key, nlohmann::json()))
                << ", new " << brief(new_s.value(key, nlohmann::json())) << "\n";
    }
  }
  return all;
}

bool ProgressOn(const Context& context) { return !context.options.quiet && !context.options.json; }

}  // namespace

void AddMigrateCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("migrate", "Move a till to other hardware: export, import, check (docs/backup.md)");
  group->require_subcommand(1);

  auto export_to = std::make_shared<std::string>();
  auto* exp = group->add_subcommand("export", "Write this till into one signed migration bundle file (a tar)");
  exp->footer("Refuses while the TSE is in service or a license seat is active, naming the step still to do\n"
              "(pos tse deactivate, pos license deactivate). The bundle holds a backup of the store and the node's\n"
              "files, and a manifest (event counts, chain heads, articles, Z reports, monthly totals, the SHA-256 of\n"
              "every member) signed by the node key. Format: docs/backup.md.\n"
              "Example: pos migrate export --to /mnt/usb/till-1.bundle");
  exp->add_option("--to", *export_to, "The bundle file to write (must not exist)")->required();
  exp->callback([&context, export_to] {
    const fs::path bundle = fs::absolute(*export_to).lexically_normal();
    const fs::path staging =
        bundle.parent_path() / ("." + bundle.filename().string() + ".staging-" + std::to_string(::getpid()));
    std::error_code ec;
    Status s = [&]() -> Status {
      if (bundle.filename().empty()) return Status::InvalidArgument("--to names a directory; give a bundle file name");
      if (fs::exists(bundle, ec)) {
        return Status::FailedPrecondition(bundle.string() + " exists; export into a new file");
      }
      if (!fs::is_directory(bundle.parent_path(), ec)) {
        return Status::NotFound("the directory " + bundle.parent_path().string() + " of the bundle does not exist");
      }
      POS_ASSIGN_OR_RETURN(Node node, context.OpenNode());
      POS_RETURN_IF_ERROR(CheckReadyToMove(*node.store));
      POS_ASSIGN_OR_RETURN(Pkey key, LoadOrCreateNodeKey(*node.store, context.options.acting_user));
      POS_RETURN_IF_ERROR(node.runner->CatchUp());
      POS_ASSIGN_OR_RETURN(std::string pub, RawPublicKey(key.get()));
      POS_ASSIGN_OR_RETURN(nlohmann::json summary, NodeSummary(node));
      fs::remove_all(staging, ec);
      ProgressBar bar("backup", ProgressOn(context), "bytes");
      POS_ASSIGN_OR_RETURN(uint32_t id, CreateBackup(*node.store, staging.string(), summary,
                                                     [&bar](uint64_t d, uint64_t t) { bar.Update(d, t); }));
      bar.Finish();
      POS_ASSIGN_OR_RETURN(nlohmann::json after, NodeSummary(node));
      if (after != summary) return Status::Conflict("the till wrote events during the export; stop it and export again");
      POS_ASSIGN_OR_RETURN(nlohmann::json members, BundleMembers(staging.string()));
      const nlohmann::json manifest = {{"format", kBundleFormat},
                                       {"node_id", ToHex(node.store->node_id())},
                                       {"node_name", node.store->node_name()},
                                       {"node_public_key", ToHex(pub)},
                                       {"backup_id", id},
                                       {"summary", summary},
                                       {"members", members}};
      const std::string text = manifest.dump(2) + "\n";
      POS_ASSIGN_OR_RETURN(std::string sig, Sign(key.get(), text));
      ProgressBar write_bar("bundle", ProgressOn(context), "bytes");
      POS_RETURN_IF_ERROR(WriteBundleFile(bundle.string(), text, ToHex(sig) + "\n", staging.string(), members,
                                          [&write_bar](uint64_t d, uint64_t t) { write_bar.Update(d, t); }));
      write_bar.Finish();
      fs::remove_all(staging, ec);
      const uint64_t bytes = fs::file_size(bundle, ec);
      if (context.options.json) {
        context.PrintJson({{"bundle", bundle.string()},
                           {"bytes", bytes},
                           {"members", members.size()},
                           {"events", summary["events"]},
                           {"articles", summary["articles"]}});
      } else {
        std::cout << "bundle of " << node.store->node_name() << " written to " << bundle.string() << " (" << bytes
                  << " bytes): " << summary["events"].get<uint64_t>() << " events, "
                  << summary["articles"].get<uint64_t>() << " articles, " << summary["z_reports"].size()
                  << " Z reports\n";
      }
      return Status::Ok();
    }();
    fs::remove_all(staging, ec);
    if (!s.ok()) context.Fail(s);
  });

  struct ImportArgs {
    std::string from;
    std::string data;
  };
  auto iargs = std::make_shared<ImportArgs>();
  auto* imp = group->add_subcommand("import", "Restore a migration bundle on this machine");
  imp->footer("Checks the bundle's signature against the node key recorded in its log and every member against the\n"
              "SHA-256 in the signed manifest, restores it next to DATA, checks it against the manifest and records\n"
              "the hardware change (DeviceRebound approved by \"migration\", TillMigrated). A damaged or truncated\n"
              "bundle is refused and DATA stays as it was. The till then refuses to sell until its license is\n"
              "activated here (pos license activate) and, when it had a TSE, a TSE is put in service here\n"
              "(pos tse init, pos tse register-client).\n"
              "Example: pos migrate import --from /mnt/usb/till-1.bundle --data /var/lib/pos");
  imp->add_option("--from", iargs->from, "The bundle file (from pos migrate export)")->required();
  imp->add_option("--data", iargs->data, "The new data directory (absent or empty)")->required();
  imp->callback([&context, iargs] {
    fs::path target = fs::absolute(iargs->data).lexically_normal();
    if (target.filename().empty()) target = target.parent_path();
    const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".import-" + std::to_string(::getpid()));
    const fs::path unpacked = target.parent_path() / ("." + target.filename().string() + ".unpack-" + std::to_string(::getpid()));
    std::error_code ec;
    Status s = [&]() -> Status {
      if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
        return Status::FailedPrecondition(target.string() + " is not empty; import into an absent or empty directory");
      }
      POS_ASSIGN_OR_RETURN(Bundle bundle, ReadBundle(iargs->from));
      fs::remove_all(tmp, ec);
      fs::remove_all(unpacked, ec);
      {
        ProgressBar bar("unpack", ProgressOn(context), "bytes");
        POS_RETURN_IF_ERROR(ExtractBundleBackup(iargs->from, bundle.manifest["members"], unpacked.string(),
                                                [&bar](uint64_t d, uint64_t t) { bar.Update(d, t); }));
        bar.Finish();
      }
      ProgressBar bar("restore", ProgressOn(context), "bytes");
      POS_RETURN_IF_ERROR(RestoreBackup(unpacked.string(), bundle.manifest.value("backup_id", 0u), tmp.string(),
                                        [&bar](uint64_t d, uint64_t t) { bar.Update(d, t); })
                              .status());
      bar.Finish();
      fs::remove_all(unpacked, ec);
      std::string fingerprint;
      {
        Context restored = context;
        restored.options.data_dir = tmp.string();
        POS_ASSIGN_OR_RETURN(Node node, restored.OpenNode());
        if (ToHex(node.store->node_id()) != bundle.manifest.value("node_id", "")) {
          return Status::Corruption("the bundle's backup is of node " + ToHex(node.store->node_id()) +
                                    ", not of the node its manifest names");
        }
        POS_ASSIGN_OR_RETURN(auto keys, RecordedNodeKeys(*node.store));
        if (std::find(keys.begin(), keys.end(), bundle.public_key) == keys.end()) {
          return Status::PermissionDenied("the bundle is signed by a key that is not this node's (no NodeKeyCreated "
                                          "with it in the node's log): it was signed by another node; refused");
        }
        POS_ASSIGN_OR_RETURN(ChainVerification v, VerifyChains(*node.store));
        if (!v.ok) return Status::Corruption("the bundle's store does not verify: " + v.problem);
        POS_ASSIGN_OR_RETURN(nlohmann::json summary, NodeSummary(node));
        if (summary != bundle.manifest["summary"]) {
          return Status::Corruption("the bundle's store differs from its signed manifest");
        }
        POS_ASSIGN_OR_RETURN(MachineIdentity machine, ReadMachineIdentity());
        POS_ASSIGN_OR_RETURN(DeviceBinding binding, DeviceBinding::Load(*node.store));
        fingerprint = machine.fingerprint;
        if (binding.fingerprint().has_value() && !binding.Check(machine).ok()) {
          POS_ASSIGN_OR_RETURN(AppendBatch batch, binding.DecideRebind(machine, Actor{"migration", UserRole::kAdmin}));
          POS_RETURN_IF_ERROR(node.store->Append(std::move(batch)).status());
        }
        // The gate (domain/migration_gate.h): no sale here before a license and a TSE of this machine.
        std::string old_tse_serial;
        if (fs::exists(fs::path(fiscal::TseDirOf(*node.store)) / "state.json", ec)) {
          POS_ASSIGN_OR_RETURN(auto tse, fiscal::SoftwareTse::Open(fiscal::TseDirOf(*node.store)));
          old_tse_serial = tse->serial_hex();
        }
        const Sha256Digest manifest_sha = Sha256(bundle.manifest_text);
        flatbuffers::FlatBufferBuilder b;
        b.Finish(fb::CreateTillMigratedDirect(
            b, binding.fingerprint().value_or("").c_str(), machine.fingerprint.c_str(),
            bundle.manifest["summary"].value("last_sequence", uint64_t{0}), old_tse_serial.c_str(),
            ToHex(std::span<const uint8_t>(manifest_sha.data(), manifest_sha.size())).c_str()));
        AppendBatch migrated;
        migrated.stream = std::string(kNodeStream);
        migrated.expected_version = kAnyVersion;
        migrated.user = "migration";
        migrated.events.push_back(
            {EventType::kTillMigrated, {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()}});
        POS_RETURN_IF_ERROR(node.store->Append(std::move(migrated)).status());
      }
      fs::remove(target, ec);  // an empty directory
      fs::rename(tmp, target, ec);
      if (ec) return Status::IoError("cannot move the imported store into " + target.string() + ": " + ec.message());
      if (context.options.json) {
        context.PrintJson({{"data", target.string()}, {"fingerprint", fingerprint}});
      } else {
        std::cout << "imported " << bundle.manifest.value("node_name", "") << " into " << target.string()
                  << ", bound to this machine " << fingerprint.substr(0, 16)
                  << "…\nit sells once these are done here: pos license activate …; pos tse init --admin-pin-stdin and "
                     "pos tse register-client --admin-pin-stdin (when it had a TSE)\n";
      }
      return Status::Ok();
    }();
    fs::remove_all(unpacked, ec);
    if (!s.ok()) {
      fs::remove_all(tmp, ec);
      context.Fail(s);
    }
  });

  struct CheckArgs {
    std::string old_bundle;
    std::string data;
  };
  auto cargs = std::make_shared<CheckArgs>();
  auto* check = group->add_subcommand("check", "Compare the old till (a bundle) with the new one: all must match");
  check->footer("Compares articles, Z reports, monthly totals, event counts and chain heads of the old log with the\n"
                "new store's log up to the same point (events written after the import are not compared). Exit 3 on a mismatch.");
  check->add_option("--old", cargs->old_bundle, "The bundle file exported on the old machine")->required();
  check->add_option("--data", cargs->data, "The new data directory")->required();
  check->callback([&context, cargs] {
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(Bundle bundle, ReadBundle(cargs->old_bundle));
      Context other = context;
      other.options.data_dir = cargs->data;
      POS_ASSIGN_OR_RETURN(Node node, other.OpenNode());
      const nlohmann::json& old_s = bundle.manifest["summary"];
      POS_ASSIGN_OR_RETURN(nlohmann::json new_s, NodeSummary(node, old_s.value("last_sequence", uint64_t{0})));
      // Days the new till closed after the move are not the old till's: compare the
      // Z reports up to the old till's last Z number, and the months of those.
      std::map<std::string, uint64_t> last_old_z;
      for (const auto& z : old_s.value("z_reports", nlohmann::json::array())) {
        uint64_t& last = last_old_z[z.value("till", "")];
        last = std::max(last, z.value("z_number", uint64_t{0}));
      }
      nlohmann::json scoped = nlohmann::json::array();
      for (const auto& z : new_s["z_reports"]) {
        const auto it = last_old_z.find(z.value("till", ""));
        if (it != last_old_z.end() && z.value("z_number", uint64_t{0}) <= it->second) scoped.push_back(z);
      }
      new_s["z_reports"] = scoped;
      new_s["monthly_totals"] = MonthlyTotalsOf(scoped);
      // Articles are the new store's catalog as it is: compare before changing master data.
      nlohmann::json diffs = nlohmann::json::object();
      const bool same = Compare(old_s, new_s, !context.options.json, &diffs);
      if (context.options.json) context.PrintJson({{"match", same}, {"compared", diffs}});
      if (!same) {
        if (!context.options.json) std::cerr << "pos: error: the new till differs from the old one\n";
        context.exit_code = kExitVerifyFailed;
      } else if (!context.options.json) {
        std::cout << "the new till matches the old one\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });
}

}  // namespace pos::cli
