// `pos backup create|list|verify|restore`: backups of this node on
// rocksdb::BackupEngine plus its extra files (engine/backup.h, docs/backup.md).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <iostream>
#include <memory>
#include <optional>

#include "actors/daemon_backups.h"
#include "adapters/api_codec.h"
#include "adapters/serve_file.h"
#include "adapters/zmq_command_client.h"
#include "engine/backup.h"
#include "engine/chain_verifier.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/node_summary.h"
#include "tools/pos/progress_bar.h"

namespace pos::cli {
namespace fs = std::filesystem;
namespace {

BackupProgress BarProgress(ProgressBar& bar) {
  return [&bar](uint64_t done, uint64_t total) { bar.Update(done, total); };
}

bool ProgressEnabled(const Context& context) { return !context.options.quiet && !context.options.json; }

// Whether a live `pos serve` holds this node (serve.json names a running process).
Result<bool> DaemonRuns(const Context& context) {
  POS_ASSIGN_OR_RETURN(std::optional<ServeInfo> info, ReadServeFile(context.options.data_dir));
  return info.has_value() && ProcessAlive(info->pid);
}

uint64_t BytesUnder(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

struct BackupDoneReply {
  uint32_t backup_id = 0;
  uint64_t last_sequence = 0;
  double seconds = 0;
};

// `pos backup create` while `pos serve` runs: the daemon takes the backup
// (TakeBackup on its admin socket). The bar estimates progress from the bytes
// arriving in the target against the size of the store's files.
Result<BackupDoneReply> BackupThroughDaemon(const Context& context, const std::string& target) {
  POS_ASSIGN_OR_RETURN(std::string endpoint, AdminEndpoint(context.options.data_dir));
  flatbuffers::FlatBufferBuilder fbb(256);
  const std::string request =
      api::FinishRequest(fbb, 1, api::Command::TakeBackup, api::CreateTakeBackupDirect(fbb, target.c_str()).Union());
  const uint64_t store_bytes = BytesUnder(context.options.data_dir);
  const uint64_t target_before = BytesUnder(target);
  Result<std::string> reply = Status::Internal("no reply");
  std::atomic<bool> done{false};
  std::thread call([&] {
    ZmqCommandClient client(endpoint, std::chrono::hours(1));
    reply = client.Call(request);
    done = true;
  });
  ProgressBar bar("backup", ProgressEnabled(context), "bytes");
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const uint64_t now = BytesUnder(target);
    bar.Update(std::min(now > target_before ? now - target_before : 0, store_bytes), store_bytes);
  }
  call.join();
  bar.Update(store_bytes, store_bytes);
  bar.Finish();
  if (!reply.ok()) {
    return Status::Unavailable("the running pos serve did not answer the backup request on " + endpoint + ": " +
                               reply.status().message());
  }
  POS_ASSIGN_OR_RETURN(api::ReplyMessage message, api::ReplyMessage::Parse(*reply));
  POS_RETURN_IF_ERROR(message.status().WithContext("the running pos serve refused the backup"));
  const api::BackupDone* result = message.reply().result_as_BackupDone();
  if (result == nullptr) return Status::Internal("the daemon's reply to TakeBackup carries no BackupDone");
  return BackupDoneReply{result->backup_id(), result->last_sequence(), result->seconds()};
}

}  // namespace

void AddBackupCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("backup", "Backups of this node: create, list, verify, restore (docs/backup.md)");
  group->require_subcommand(1);

  auto create_dir = std::make_shared<std::string>();
  auto* create = group->add_subcommand("create", "Back up this node (incremental, checksummed) into a directory");
  create->footer("Safe while the till sells. While `pos serve` runs for this node, the daemon takes the backup\n"
                 "(over its admin socket <data>/admin.sock) and sales go on; otherwise this command opens the store.\n"
                 "The node's files (tse/, tse-retired/, peripherals.json, vendor.pub, node.key, *.lic) are copied\n"
                 "alongside with SHA-256s in a manifest written last.\n"
                 "Example: pos backup create --to /mnt/usb/pos-backups");
  create->add_option("--to", *create_dir, "The backup directory (created when absent)")->required();
  create->callback([&context, create_dir] {
    Status s = [&]() -> Status {
      const std::string target = fs::absolute(*create_dir).lexically_normal().string();
      POS_ASSIGN_OR_RETURN(bool through_daemon, DaemonRuns(context));
      if (through_daemon) {
        POS_ASSIGN_OR_RETURN(BackupDoneReply done, BackupThroughDaemon(context, target));
        if (context.options.json) {
          context.PrintJson({{"backup_id", done.backup_id},
                             {"events", done.last_sequence},
                             {"seconds", done.seconds},
                             {"through_daemon", true}});
        } else {
          std::cout << "backup " << done.backup_id << " (" << done.last_sequence
                    << " events) taken by the running pos serve and written to " << target << "\n";
        }
        return Status::Ok();
      }
      POS_ASSIGN_OR_RETURN(Node node, context.OpenNode());
      POS_ASSIGN_OR_RETURN(nlohmann::json summary, NodeSummary(node));
      ProgressBar bar("backup", ProgressEnabled(context), "bytes");
      POS_ASSIGN_OR_RETURN(uint32_t id, CreateBackup(*node.store, target, summary, BarProgress(bar)));
      const double seconds = bar.Finish();
      if (context.options.json) {
        context.PrintJson({{"backup_id", id}, {"events", summary["events"]}, {"seconds", seconds}, {"through_daemon", false}});
      } else {
        std::cout << "backup " << id << " of " << node.store->node_name() << " (" << summary["events"].get<uint64_t>()
                  << " events) written to " << target << "\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });

  auto list_dir = std::make_shared<std::string>();
  auto* list = group->add_subcommand("list", "List the backups in a backup directory");
  list->add_option("--from", *list_dir, "The backup directory")->required();
  list->callback([&context, list_dir] {
    auto entries = ListBackups(*list_dir);
    if (!entries.ok()) {
      context.Fail(entries.status());
      return;
    }
    if (context.options.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& e : *entries) {
        out.push_back({{"id", e.id},
                       {"timestamp", e.timestamp},
                       {"size", e.size},
                       {"files", e.number_files},
                       {"complete", e.has_manifest},
                       {"node_name", e.has_manifest ? e.manifest.value("node_name", "") : ""},
                       {"events", e.has_manifest ? e.manifest["summary"].value("events", 0) : 0}});
      }
      context.PrintJson(out);
      return;
    }
    std::cout << "id  time (unix)   bytes      node     events  state\n";
    for (const auto& e : *entries) {
      std::cout << e.id << "  " << e.timestamp << "  " << e.size << "  "
                << (e.has_manifest ? e.manifest.value("node_name", "") : "?") << "  "
                << (e.has_manifest ? e.manifest["summary"].value("events", 0) : 0) << "  "
                << (e.has_manifest ? "complete" : "INCOMPLETE (no manifest)") << "\n";
    }
  });

  struct VerifyArgs {
    std::string from;
    uint32_t id = 0;
  };
  auto vargs = std::make_shared<VerifyArgs>();
  auto* verify = group->add_subcommand("verify", "Check a backup's files against their checksums and the manifest");
  verify->add_option("--from", vargs->from, "The backup directory")->required();
  verify->add_option("--id", vargs->id, "The backup id (default: every backup)");
  verify->callback([&context, vargs] {
    auto entries = ListBackups(vargs->from);
    if (!entries.ok()) {
      context.Fail(entries.status());
      return;
    }
    std::vector<uint32_t> ids;
    if (vargs->id != 0) {
      ids.push_back(vargs->id);
    } else {
      for (const auto& e : *entries) ids.push_back(e.id);
    }
    if (ids.empty()) {
      context.Fail(Status::NotFound("there is no backup in " + vargs->from));
      return;
    }
    nlohmann::json results = nlohmann::json::array();
    bool all_ok = true;
    for (uint32_t id : ids) {
      ProgressBar bar("verify " + std::to_string(id), ProgressEnabled(context), "bytes");
      Status s = VerifyBackup(vargs->from, id, BarProgress(bar));
      bar.Finish();
      all_ok = all_ok && s.ok();
      results.push_back({{"id", id}, {"ok", s.ok()}, {"problem", s.ok() ? "" : s.message()}});
      if (!context.options.json) {
        if (s.ok()) {
          std::cout << "backup " << id << ": ok\n";
        } else {
          std::cerr << "pos: error: " << s.message() << "\n";
        }
      }
    }
    if (context.options.json) context.PrintJson(results);
    if (!all_ok) context.exit_code = kExitVerifyFailed;
  });

  struct RestoreArgs {
    std::string from;
    std::string to;
    uint32_t id = 0;
    bool force = false;
  };
  auto rargs = std::make_shared<RestoreArgs>();
  auto* restore = group->add_subcommand("restore", "Restore a backup into a data directory, then check it");
  restore->footer("Restores into a temp directory next to DATA and renames it into place, so a failure leaves DATA\n"
                  "untouched. A non-empty DATA is replaced only with --force. Afterwards the restored store's chains\n"
                  "are verified and its heads, event counts and projections compared with the backup's manifest.\n"
                  "The restored till is bound to the hardware of the backup: on other hardware `pos device rebind`.");
  restore->add_option("--from", rargs->from, "The backup directory")->required();
  restore->add_option("--to", rargs->to, "The data directory to restore into")->required();
  restore->add_option("--id", rargs->id, "The backup id (default: the latest complete one)");
  restore->add_flag("--force", rargs->force, "Replace a non-empty data directory");
  restore->callback([&context, rargs] {
    fs::path target = fs::absolute(rargs->to).lexically_normal();
    if (target.filename().empty()) target = target.parent_path();
    const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".restore-" + std::to_string(::getpid()));
    std::error_code ec;
    Status s = [&]() -> Status {
      if (fs::exists(target, ec) && !fs::is_directory(target, ec)) {
        return Status::FailedPrecondition(target.string() + " exists and is not a directory");
      }
      if (fs::exists(target, ec) && !fs::is_empty(target, ec) && !rargs->force) {
        return Status::FailedPrecondition(target.string() +
                                          " is not empty; restore into an empty directory, or replace it with --force");
      }
      if (fs::exists(target / "LOCK", ec)) {
        // Never replace a store another process (a running `pos serve`) has open.
        auto open = EventStore::Open(target.string());
        if (!open.ok() && open.status().code() == StatusCode::kBusy) return open.status();
      }
      uint32_t id = rargs->id;
      if (id == 0) {
        POS_ASSIGN_OR_RETURN(id, LatestBackupId(rargs->from));
        if (id == 0) return Status::NotFound("there is no complete backup in " + rargs->from);
      }
      fs::remove_all(tmp, ec);
      ProgressBar bar("restore", ProgressEnabled(context), "bytes");
      POS_ASSIGN_OR_RETURN(nlohmann::json manifest, RestoreBackup(rargs->from, id, tmp.string(), BarProgress(bar)));
      bar.Finish();
      nlohmann::json restored;
      uint64_t checked = 0;
      {
        Context restored_context = context;
        restored_context.options.data_dir = tmp.string();
        POS_ASSIGN_OR_RETURN(Node node, restored_context.OpenNode());
        ProgressBar vbar("verify", ProgressEnabled(context));
        POS_ASSIGN_OR_RETURN(ChainVerification v, VerifyChains(*node.store, [&](uint64_t done, uint64_t total) {
                               vbar.Update(done, total);
                             }));
        vbar.Finish();
        if (!v.ok) return Status::Corruption("the restored store does not verify: " + v.problem);
        checked = v.events_checked;
        POS_ASSIGN_OR_RETURN(restored, NodeSummary(node));
      }
      const nlohmann::json& before = manifest["summary"];
      // Every chain head of the backup's start must be in the restored store.
      for (const auto& [origin, head] : manifest["heads_at_start"].items()) {
        if (!restored["heads"].contains(origin) || restored["heads"][origin]["seq"].get<uint64_t>() < head["seq"].get<uint64_t>()) {
          return Status::Corruption("the restored store lacks events of origin " + origin + " acknowledged before the backup");
        }
      }
      const bool quiet_backup = before.value("last_sequence", uint64_t{0}) == restored["last_sequence"].get<uint64_t>();
      if (quiet_backup) {
        for (const char* key : {"heads", "events", "events_by_type", "projections", "z_reports", "monthly_totals", "articles"}) {
          if (before[key] != restored[key]) {
            return Status::Corruption(std::string("the restored store differs from the backup in ") + key);
          }
        }
      }
      if (fs::exists(target, ec)) {
        const fs::path old = target.parent_path() / ("." + target.filename().string() + ".old-" + std::to_string(::getpid()));
        fs::rename(target, old, ec);
        if (ec) return Status::IoError("cannot move " + target.string() + " aside: " + ec.message());
        fs::rename(tmp, target, ec);
        if (ec) {
          std::error_code ec2;
          fs::rename(old, target, ec2);
          return Status::IoError("cannot move the restored store into " + target.string() + ": " + ec.message());
        }
        fs::remove_all(old, ec);
      } else {
        fs::rename(tmp, target, ec);
        if (ec) return Status::IoError("cannot move the restored store into " + target.string() + ": " + ec.message());
      }
      if (context.options.json) {
        context.PrintJson({{"backup_id", id},
                           {"events_checked", checked},
                           {"equal_to_backup", quiet_backup},
                           {"summary", restored}});
      } else {
        std::cout << "restored backup " << id << " into " << target.string() << ": " << checked
                  << " events verified; chain heads"
                  << (quiet_backup ? ", event counts and projections equal the backup's\n"
                                   : " include every event acknowledged before the backup (the till sold during it)\n");
      }
      return Status::Ok();
    }();
    if (!s.ok()) {
      fs::remove_all(tmp, ec);
      context.Fail(s);
    }
  });
}

}  // namespace pos::cli
