#include "bench/replay_figures.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "engine/child_process.h"

namespace pos::bench {
namespace {

struct PhaseRun {
  double events = 0;
  double seconds = 0;
  double peak_rss_mb = 0;
  double memtables_mb = 0;    // RocksDB memtables at the end (rebuild only)
  double block_cache_mb = 0;  // RocksDB block caches at the end (rebuild only)
};

Result<PhaseRun> RunPhase(const std::string& phase, const std::string& store_dir) {
  POS_ASSIGN_OR_RETURN(ChildResult child, RunChild(SelfPath(), {phase, "--store", store_dir}));
  if (child.exit_code != 0) {
    return Status::Internal(phase + " on " + store_dir + " failed with exit code " + std::to_string(child.exit_code));
  }
  auto parsed = nlohmann::json::parse(child.out, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("seconds")) {
    return Status::Internal(phase + " printed no result: " + child.out);
  }
  PhaseRun run;
  run.events = parsed["events"].get<double>();
  run.seconds = parsed["seconds"].get<double>();
  run.peak_rss_mb = parsed.value("vm_hwm_kb", 0.0) / 1024.0;
  run.memtables_mb = parsed.value("memtables_kb", 0.0) / 1024.0;
  run.block_cache_mb = parsed.value("block_cache_kb", 0.0) / 1024.0;
  return run;
}

}  // namespace

Status RunReplayFigures(const std::string& store_dir, size_t rounds, BenchReport& report, std::ostream& log) {
  std::vector<double> scan_rate, scan_rss, rebuild_rate, rebuild_rss, memtables, block_cache;
  double events = 0;
  for (size_t round = 0; round < rounds; ++round) {
    POS_ASSIGN_OR_RETURN(PhaseRun scan, RunPhase("internal-scan", store_dir));
    POS_ASSIGN_OR_RETURN(PhaseRun rebuild, RunPhase("internal-rebuild", store_dir));
    events = rebuild.events;
    scan_rate.push_back(scan.events / scan.seconds);
    scan_rss.push_back(scan.peak_rss_mb);
    rebuild_rate.push_back(rebuild.events / rebuild.seconds);
    rebuild_rss.push_back(rebuild.peak_rss_mb);
    memtables.push_back(rebuild.memtables_mb);
    block_cache.push_back(rebuild.block_cache_mb);
    log << "figure 2: round " << round + 1 << "/" << rounds << ": raw scan " << static_cast<int64_t>(scan_rate.back())
        << " events/s, rebuild " << static_cast<int64_t>(rebuild_rate.back()) << " events/s, "
        << static_cast<int64_t>(rebuild.peak_rss_mb) << " MB peak" << std::endl;
  }
  const std::string section = "2. replay of " + std::to_string(static_cast<uint64_t>(events)) +
                              " events (receipt_journal + z_reports + catalog)";
  const size_t scan = report.Add(section, "raw RocksDB scan of the log family (limit)", scan_rate, "events/s", "limit");
  const size_t rebuild = report.Add(section, "ProjectionRunner::Rebuild", rebuild_rate, "events/s",
                                    ">= 1M/s and >= 0.30x raw scan");
  report.Bound(rebuild, 1'000'000.0, std::nullopt);
  report.Compare(rebuild, scan, 0.30);
  const size_t rss =
      report.Add(section, "peak RSS of the rebuild process", rebuild_rss, "MB", "< 200 MB",
                 "at its end RocksDB held " + std::to_string(static_cast<int64_t>(Median(memtables))) +
                     " MB in memtables, " + std::to_string(static_cast<int64_t>(Median(block_cache))) +
                     " MB in block caches");
  report.Bound(rss, std::nullopt, 200.0);
  report.Add(section, "peak RSS of the raw scan process", scan_rss, "MB", "");
  return Status::Ok();
}

}  // namespace pos::bench
