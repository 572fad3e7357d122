#include "bench/prepared_store.h"

#include <chrono>
#include <filesystem>

#include <rocksdb/utilities/checkpoint.h>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "bench/receipt_generator.h"
#include "bench/till_fixture.h"
#include "domain/fiscal/software_tse.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "domain/register_service.h"
#include "engine/event_store.h"
#include "projections/builtin_projections.h"

namespace pos::bench {
namespace {

constexpr int kGeneratorVersion = 1;  // raise when the generated trading changes

// Leaves the till as a clean stop of `pos serve` does: the register's and the TSE
// module's start-up snapshots written (domain/till_snapshot.h; a till that has
// traded has them) and every memtable flushed. Cheap when they are there already.
Status LeaveAsAfterCleanShutdown(const std::string& dir, std::ostream& log) {
  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, EventStore::Open(dir));
  ProjectionRunner runner(*store);
  POS_RETURN_IF_ERROR(RegisterBuiltinProjections(runner));
  POS_RETURN_IF_ERROR(runner.CatchUp());
  POS_ASSIGN_OR_RETURN(std::unique_ptr<RegisterService> service, RegisterService::Load(*store, runner));
  if (!service->load_report().from_snapshot) POS_RETURN_IF_ERROR(service->SaveSnapshot());
  POS_ASSIGN_OR_RETURN(std::optional<fiscal::TillTse> tse, fiscal::OpenTillTse(*store));
  // What a start pays for the register: its snapshot's size and the time to load from it.
  POS_ASSIGN_OR_RETURN(std::optional<std::string> snapshot, store->GetSnapshot(RegisterService::kSnapshotName));
  const auto started = std::chrono::steady_clock::now();
  POS_ASSIGN_OR_RETURN(std::unique_ptr<RegisterService> reloaded, RegisterService::Load(*store, runner));
  const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  log << "prepared till: start-up snapshots "
      << (service->load_report().from_snapshot ? "present" : "written (register: " + service->load_report().snapshot_refused + ")")
      << "; the register's is " << (snapshot.has_value() ? snapshot->size() / 1024 : 0) << " kB, "
      << reloaded->state().OpenReceipts().size() << " open receipts, loaded in " << load_ms << " ms" << std::endl;
  return store->FlushMemtables();
}

}  // namespace

Result<std::string> PrepareStore(const PreparedStoreOptions& options, std::ostream& log) {
  const std::string dir = options.work_dir + "/till-" + std::to_string(options.events);
  const std::string marker = dir + ".ready";
  {
    std::ifstream in(marker);
    if (in) {
      auto ready = nlohmann::json::parse(in, nullptr, false);
      if (!ready.is_discarded() && ready.value("generator", 0) == kGeneratorVersion &&
          ready.value("articles", 0) == options.articles) {
        log << "prepared till: reusing " << dir << " (" << ready.value("events", 0ull) << " events)" << std::endl;
        POS_RETURN_IF_ERROR(LeaveAsAfterCleanShutdown(dir, log));
        return dir;
      }
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::filesystem::create_directories(options.work_dir);
  const auto started = std::chrono::steady_clock::now();
  log << "prepared till: generating " << options.events << " events in " << dir << std::endl;
  POS_RETURN_IF_ERROR(CreateTillFixture(dir, {.articles = options.articles}));
  {
    POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, EventStore::Open(dir));
    std::string serial;
    {
      POS_ASSIGN_OR_RETURN(std::unique_ptr<fiscal::SoftwareTse> tse, fiscal::SoftwareTse::Open(fiscal::TseDirOf(*store)));
      serial = tse->serial_hex();
    }
    GeneratorOptions generate;
    generate.events = options.events;
    generate.articles = options.articles;
    generate.tse_serial_hex = serial;
    uint64_t next_report = 0;
    generate.progress = [&](uint64_t done, uint64_t total) {
      if (done < next_report) return;
      next_report = done + total / 20;
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      log << "  " << done << " / " << total << " events (" << static_cast<int64_t>(done / seconds) << " events/s)"
          << std::endl;
    };
    POS_RETURN_IF_ERROR(GenerateReceipts(*store, generate));
    log << "prepared till: bringing the projections up to date" << std::endl;
    ProjectionRunner runner(*store);
    POS_RETURN_IF_ERROR(RegisterBuiltinProjections(runner));
    POS_RETURN_IF_ERROR(runner.CatchUp());
    // Flushed, so the cached till starts every phase in the same state: without it
    // the first process to open it replays the WAL of the generation into memory
    // (measured: ~300 MB peak RSS at 1 M events) and only later ones start clean.
    POS_RETURN_IF_ERROR(store->FlushMemtables());
    std::ofstream out(marker, std::ios::trunc);
    out << nlohmann::json{{"events", store->LastSequence()}, {"generator", kGeneratorVersion},
                          {"articles", options.articles}}
               .dump()
        << "\n";
    if (!out) return Status::Internal("writing " + marker);
  }
  POS_RETURN_IF_ERROR(LeaveAsAfterCleanShutdown(dir, log));
  log << "prepared till: ready in "
      << static_cast<int64_t>(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count())
      << " s" << std::endl;
  return dir;
}

Status CheckpointStore(const std::string& from, const std::string& to) {
  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, EventStore::Open(from));
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status made = rocksdb::Checkpoint::Create(store->db(), &raw);
  if (!made.ok()) return Status::Internal("checkpoint of " + from + ": " + made.ToString());
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  rocksdb::Status copied = checkpoint->CreateCheckpoint(to);
  if (!copied.ok()) return Status::Internal("checkpoint of " + from + " into " + to + ": " + copied.ToString());
  return Status::Ok();
}

}  // namespace pos::bench
