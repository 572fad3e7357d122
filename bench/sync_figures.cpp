#include "bench/sync_figures.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <rocksdb/db.h>

#include "bench/prepared_store.h"
#include "bench/rocksdb_peer.h"
#include "bench/sync_site.h"
#include "sync/sync_wire.h"
#include "sync/till_sync_client.h"

namespace pos::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr size_t kEventsPerReceipt = 12;  // bench/receipt_generator.h

// One simulated till and what the hub acknowledged of its chain.
struct SimTill {
  std::unique_ptr<EventStore> store;
  std::string keys_path;
  std::atomic<uint64_t> acknowledged{0};
  // Lag bookkeeping while `measure_lag`: durable appends not yet acknowledged,
  // by their last origin_seq -> (first origin_seq not yet acknowledged, when durable).
  std::mutex mutex;
  bool measure_lag = false;
  std::map<uint64_t, std::pair<uint64_t, SteadyClock::time_point>> durable;
  std::vector<double> lags_ms;

  uint64_t Head() const {
    const ChainHeads heads = store->Heads();
    auto own = heads.find(store->node_id());
    return own == heads.end() ? 0 : own->second.seq;
  }

  // The hub acknowledged the chain up to `seq` (sync thread).
  void OnAcknowledged(uint64_t seq) {
    acknowledged.store(seq);
    if (!measure_lag) return;
    const auto now = SteadyClock::now();
    std::lock_guard lock(mutex);
    for (auto it = durable.begin(); it != durable.end() && it->second.first <= seq;) {
      const double lag = std::chrono::duration<double, std::milli>(now - it->second.second).count();
      const uint64_t last = std::min(it->first, seq);
      for (uint64_t s = it->second.first; s <= last; ++s) lags_ms.push_back(lag);
      if (it->first <= seq) {
        it = durable.erase(it);
      } else {
        it->second.first = seq + 1;
        ++it;
      }
    }
  }

  // Events [first, last] are durable at the till (its writer thread).
  void OnDurable(uint64_t first, uint64_t last) {
    const auto now = SteadyClock::now();
    std::lock_guard lock(mutex);
    const uint64_t acked = acknowledged.load();
    // An Ack can overtake this callback (the hub reads the committed log): lag 0.
    for (; first <= last && first <= acked; ++first) lags_ms.push_back(0);
    if (first <= last) durable[last] = {first, now};
  }
};

using Tills = std::vector<std::unique_ptr<SimTill>>;

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0;
  in >> one >> five;
  char text[64];
  std::snprintf(text, sizeof text, "load average %.2f / %.2f (1 / 5 min)", one, five);
  return text;
}

// Every till's sync client: LogIn() logs each in, Run() starts them; they run until destroyed.
class SiteReplication {
 public:
  // The clients' log lines go to `log_path`.
  static Result<std::unique_ptr<SiteReplication>> LogIn(Tills& tills, const BenchHub& hub,
                                                        const std::string& log_path) {
    std::unique_ptr<SiteReplication> site(new SiteReplication());
    site->log_.open(log_path, std::ios::app);
    std::vector<sync::HubEndpoint> endpoints;
    for (auto& till : tills) {
      POS_ASSIGN_OR_RETURN(sync::HubEndpoint endpoint, LogInTill(*till->store, till->keys_path, hub));
      endpoints.push_back(endpoint);
      till->acknowledged.store(0);
    }
    for (size_t i = 0; i < tills.size(); ++i) {
      sync::TillSyncClientOptions options;
      options.hub = endpoints[i];
      options.account = kSiteAccount;
      options.filter = {sync::SyncMode::kMasterData, {}};  // the default of `pos sync join`
      SimTill* till = tills[i].get();
      options.log = [site = site.get(), name = till->store->node_name()](const std::string& line) {
        std::lock_guard lock(site->log_mutex_);
        site->log_ << name << ": " << line << std::endl;
      };
      options.on_acknowledged = [till](uint64_t seq) { till->OnAcknowledged(seq); };
      site->clients_.push_back(std::make_unique<sync::TillSyncClient>(*till->store, std::move(options)));
    }
    return site;
  }
  void Run() {
    for (auto& client : clients_) {
      threads_.emplace_back([client = client.get(), this] { client->Run(stop_); });
    }
  }
  ~SiteReplication() {
    stop_.store(true);
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  SiteReplication() = default;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<sync::TillSyncClient>> clients_;
  std::vector<std::thread> threads_;
  std::mutex log_mutex_;
  std::ofstream log_;
};

// Waits until the hub acknowledged every till's chain up to its head.
Status WaitAcknowledged(const Tills& tills, BenchHub& hub, std::chrono::seconds timeout, std::ostream& log) {
  std::vector<uint64_t> heads;
  uint64_t total = 0;
  for (const auto& till : tills) {
    heads.push_back(till->Head());
    total += heads.back();
  }
  const auto deadline = SteadyClock::now() + timeout;
  auto last_report = SteadyClock::now();
  for (;;) {
    uint64_t done = 0;
    bool all = true;
    for (size_t i = 0; i < tills.size(); ++i) {
      const uint64_t acked = std::min(tills[i]->acknowledged.load(), heads[i]);
      done += acked;
      all = all && acked == heads[i];
    }
    if (all) return Status::Ok();
    if (hub.Exited()) return Status::Internal("the hub exited (see " + hub.log_path() + ")");
    if (SteadyClock::now() > deadline) {
      return Status::Unavailable("the hub acknowledged " + std::to_string(done) + " of " + std::to_string(total) +
                                 " events within " + std::to_string(timeout.count()) + " s (see " + hub.log_path() +
                                 ")");
    }
    if (SteadyClock::now() - last_report > std::chrono::seconds(5)) {
      log << "figure 3:   " << done << " / " << total << " events acknowledged" << std::endl;
      last_report = SteadyClock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// Each till's chain cut in protocol-sized batches (kMaxBatchEvents, kMaxBatchBytes).
Result<std::vector<std::vector<CorpusCommand>>> ChainBatches(const Tills& tills) {
  std::vector<std::vector<CorpusCommand>> all;
  for (const auto& till : tills) {
    std::vector<CorpusCommand> batches(1);
    size_t bytes = 0;
    POS_RETURN_IF_ERROR(till->store->ScanOrigin(till->store->node_id(), 1, [&](uint64_t, std::string_view event) {
      if (batches.back().events.size() >= sync::kMaxBatchEvents || bytes + event.size() > sync::kMaxBatchBytes) {
        batches.emplace_back();
        bytes = 0;
      }
      batches.back().events.emplace_back(event);
      bytes += event.size();
      return true;
    }));
    all.push_back(std::move(batches));
  }
  return all;
}

// Raw RocksDB storing the same batches, one synced WriteBatch each, a thread per till: events/s.
Result<double> RawIngest(const std::vector<std::vector<CorpusCommand>>& batches, const std::string& dir) {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  POS_ASSIGN_OR_RETURN(std::unique_ptr<RocksDbPeer> peer, RocksDbPeer::Create(dir));
  std::atomic<uint64_t> events{0};
  std::mutex failure_mutex;
  Status failure;
  const auto started = SteadyClock::now();
  std::vector<std::thread> writers;
  for (size_t till = 0; till < batches.size(); ++till) {
    writers.emplace_back([&, till] {
      for (const CorpusCommand& batch : batches[till]) {
        Status stored = peer->Store(till, batch);
        if (!stored.ok()) {
          std::lock_guard lock(failure_mutex);
          failure = stored;
          return;
        }
        events += batch.events.size();
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  peer.reset();
  std::filesystem::remove_all(dir, ignored);
  POS_RETURN_IF_ERROR(failure);
  return static_cast<double>(events.load()) / seconds;
}

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(std::ceil(p * values.size())) - (p > 0 ? 1 : 0));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(index), values.end());
  return values[index];
}

Status MeasureLag(const SyncFigureOptions& options, Tills& tills, BenchHub& hub,
                  const std::vector<SourceEvent>& source, BenchReport& report, std::ostream& log) {
  const size_t receipts = static_cast<size_t>(options.lag_receipts_per_second * options.lag_seconds);
  for (auto& till : tills) {
    std::lock_guard lock(till->mutex);
    till->lags_ms.clear();
    till->durable.clear();
    till->measure_lag = true;
  }
  log << "figure 3: lag: " << tills.size() << " tills sell " << receipts << " receipts at "
      << options.lag_receipts_per_second << " receipts/s" << std::endl;
  const auto started = SteadyClock::now();
  const auto interval = std::chrono::duration<double>(1.0 / options.lag_receipts_per_second);
  for (size_t k = 0; k < receipts; ++k) {
    std::this_thread::sleep_until(started + std::chrono::duration_cast<SteadyClock::duration>(interval * k));
    SimTill& till = *tills[k % tills.size()];
    const size_t first = options.events_per_till + (k / tills.size()) * kEventsPerReceipt;
    POS_RETURN_IF_ERROR(AppendAsOwnPipelined(
        *till.store, std::span(source).subspan(first, kEventsPerReceipt),
        [&till](uint64_t first_seq, uint64_t last_seq) { till.OnDurable(first_seq, last_seq); }));
  }
  const double selling = std::chrono::duration<double>(SteadyClock::now() - started).count();
  POS_RETURN_IF_ERROR(WaitAcknowledged(tills, hub, std::chrono::seconds(120), log));
  std::vector<double> lags;
  for (auto& till : tills) {
    std::lock_guard lock(till->mutex);
    till->measure_lag = false;
    lags.insert(lags.end(), till->lags_ms.begin(), till->lags_ms.end());
  }
  const double p50 = Percentile(lags, 0.50);
  const double p99 = Percentile(lags, 0.99);
  const double max = lags.empty() ? 0 : *std::max_element(lags.begin(), lags.end());
  log << "figure 3: lag over " << lags.size() << " events: p50 " << p50 << " ms, p99 " << p99 << " ms, max " << max
      << " ms" << std::endl;
  char note[160];
  std::snprintf(note, sizeof note, "%zu events; sold at %.0f receipts/s achieved; %s", lags.size(),
                static_cast<double>(receipts) / selling, LoadAverage().c_str());
  const std::string section = "3. sync: replication lag, " + std::to_string(tills.size()) + " tills selling " +
                              std::to_string(static_cast<int64_t>(options.lag_receipts_per_second)) + " receipts/s";
  report.Add(section, "till durable append -> hub durable Ack, p50", {p50}, "ms", "", note);
  const size_t p99_index = report.Add(section, "till durable append -> hub durable Ack, p99", {p99}, "ms", "< 50 ms");
  report.Bound(p99_index, std::nullopt, 50.0);
  report.Add(section, "till durable append -> hub durable Ack, max", {max}, "ms", "");
  return Status::Ok();
}

struct CatchUpRounds {
  uint64_t events = 0;
  std::vector<double> seconds, rates;
};

// The prepared till catching up with a fresh hub run by `pos_binary`, once per round.
Result<CatchUpRounds> MeasureCatchUp(const SyncFigureOptions& options, const std::string& pos_binary,
                                     const std::string& root, std::ostream& log) {
  CatchUpRounds result;
  for (size_t round = 0; round < options.rounds; ++round) {
    const std::string dir = root + "/catchup-" + std::to_string(round);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    std::filesystem::create_directories(dir);
    POS_RETURN_IF_ERROR(CheckpointStore(options.catchup_store, dir + "/till"));
    Tills tills;
    tills.push_back(std::make_unique<SimTill>());
    POS_ASSIGN_OR_RETURN(tills[0]->store, EventStore::Open(dir + "/till"));
    tills[0]->keys_path = dir + "/till.keys";
    result.events = tills[0]->Head();
    POS_ASSIGN_OR_RETURN(std::unique_ptr<BenchHub> hub, BenchHub::Start(pos_binary, dir));
    {
      POS_ASSIGN_OR_RETURN(std::unique_ptr<SiteReplication> site,
                           SiteReplication::LogIn(tills, *hub, dir + "/tills.log"));
      const auto started = SteadyClock::now();
      site->Run();
      POS_RETURN_IF_ERROR(WaitAcknowledged(tills, *hub, std::chrono::seconds(600), log));
      result.seconds.push_back(std::chrono::duration<double>(SteadyClock::now() - started).count());
    }
    result.rates.push_back(static_cast<double>(result.events) / result.seconds.back());
    log << "figure 3: catch-up round " << round + 1 << "/" << options.rounds << " (" << pos_binary
        << "): " << result.events << " events in " << result.seconds.back() << " s ("
        << static_cast<int64_t>(result.rates.back()) << " events/s)" << std::endl;
    if (Status stopped = hub->Stop(); !stopped.ok()) log << "figure 3: warning: " << stopped.ToString() << std::endl;
    tills.clear();
    std::filesystem::remove_all(dir, ignored);
  }
  return result;
}

Status ReportCatchUp(const SyncFigureOptions& options, const std::string& root, BenchReport& report,
                     std::ostream& log) {
  POS_ASSIGN_OR_RETURN(CatchUpRounds current, MeasureCatchUp(options, options.pos_binary, root, log));
  std::optional<CatchUpRounds> baseline;
  if (!options.baseline_pos.empty()) {
    POS_ASSIGN_OR_RETURN(baseline, MeasureCatchUp(options, options.baseline_pos, root, log));
  }
  const std::string section = "3. sync: catch-up of a till with " + std::to_string(current.events) + " events";
  const bool full_size = current.events >= 1'000'000;
  const size_t time = report.Add(section, "client start to the hub's Ack of its whole chain", current.seconds, "s",
                                 full_size ? "< 10 s" : "", LoadAverage());
  if (full_size) report.Bound(time, std::nullopt, 10.0);
  const size_t rate = report.Add(section, "catch-up rate", current.rates, "events/s", ">= 100k/s (1M in < 10 s)");
  report.Bound(rate, 100'000.0, std::nullopt);
  if (baseline) {
    const size_t before = report.Add(section, "catch-up rate, baseline " + options.baseline_pos, baseline->rates,
                                     "events/s", "before");
    report.Compare(rate, before, std::nullopt);
  }
  return Status::Ok();
}

}  // namespace

Status RunSyncFigures(const SyncFigureOptions& options, BenchReport& report, std::ostream& log) {
  const std::string root = options.work_dir + "/sync-" + std::to_string(getpid());
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
  std::filesystem::create_directories(root);

  const size_t lag_receipts_per_till = static_cast<size_t>(
      std::ceil(options.lag_receipts_per_second * options.lag_seconds / static_cast<double>(options.tills)));
  POS_ASSIGN_OR_RETURN(
      std::vector<SourceEvent> source,
      LoadSourceEvents(options.catchup_store, options.events_per_till + lag_receipts_per_till * kEventsPerReceipt));

  log << "figure 3: making " << options.tills << " tills of " << options.events_per_till << " events each"
      << std::endl;
  Tills tills;
  for (size_t i = 0; i < options.tills; ++i) {
    auto till = std::make_unique<SimTill>();
    char name[32];
    std::snprintf(name, sizeof name, "till-%03zu", i + 1);
    POS_ASSIGN_OR_RETURN(till->store, EventStore::Create(root + "/" + name, {.node_name = name}));
    POS_RETURN_IF_ERROR(AppendAsOwn(*till->store, std::span(source).first(options.events_per_till)));
    till->keys_path = root + "/" + name + ".keys";
    tills.push_back(std::move(till));
  }
  POS_ASSIGN_OR_RETURN(auto batches, ChainBatches(tills));
  uint64_t total = 0;
  for (const auto& till : tills) total += till->Head();

  std::vector<double> raw_rates, hub_rates, baseline_rates;
  std::unique_ptr<BenchHub> hub;
  std::unique_ptr<SiteReplication> site;
  // One ingest with a fresh hub of `binary` in `dir`; the hub and the sessions stay up.
  // A hub that does not stop within 10 s of SIGTERM is killed and the run goes on; the
  // log says so. (`pos hub serve` stops only once its projections have applied
  // everything received, at ~20,000 events/s: see docs/BENCHMARKS.md, "3. Sync".)
  auto stop_hub = [&] {
    site.reset();
    if (hub) {
      Status stopped = hub->Stop();
      if (!stopped.ok()) log << "figure 3: warning: " << stopped.ToString() << std::endl;
    }
    hub.reset();
  };
  auto ingest = [&](const std::string& binary, const std::string& dir) -> Result<double> {
    stop_hub();
    POS_ASSIGN_OR_RETURN(hub, BenchHub::Start(binary, dir));
    POS_ASSIGN_OR_RETURN(site, SiteReplication::LogIn(tills, *hub, root + "/tills.log"));
    const auto started = SteadyClock::now();
    site->Run();
    POS_RETURN_IF_ERROR(WaitAcknowledged(tills, *hub, std::chrono::seconds(600), log));
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
    log << "figure 3: ingest (" << binary << "): " << total << " events in " << seconds << " s, "
        << static_cast<int64_t>(static_cast<double>(total) / seconds) << " events/s (hub pid " << hub->pid() << ")"
        << std::endl;
    return static_cast<double>(total) / seconds;
  };
  for (size_t round = 0; round < options.rounds; ++round) {
    stop_hub();
    POS_ASSIGN_OR_RETURN(double raw, RawIngest(batches, root + "/raw"));
    raw_rates.push_back(raw);
    log << "figure 3: round " << round + 1 << "/" << options.rounds << ": raw RocksDB " << static_cast<int64_t>(raw)
        << " events/s" << std::endl;
    if (!options.baseline_pos.empty()) {
      POS_ASSIGN_OR_RETURN(double before, ingest(options.baseline_pos, root + "/baseline-" + std::to_string(round)));
      baseline_rates.push_back(before);
    }
    POS_ASSIGN_OR_RETURN(double rate, ingest(options.pos_binary, root + "/hub-" + std::to_string(round)));
    hub_rates.push_back(rate);
  }
  const std::string section = "3. sync: hub ingest from " + std::to_string(options.tills) + " tills, " +
                              std::to_string(total) + " events";
  const size_t raw = report.Add(section, "raw RocksDB, same batches, synced, a thread per till (limit)", raw_rates,
                                "events/s", "limit");
  const size_t ingested =
      report.Add(section, "pos hub serve, a TillSyncClient session per till", hub_rates, "events/s", ">= 100k/s",
                 "clients' start to the last Ack, CURVE on tcp loopback; " + LoadAverage());
  report.Bound(ingested, 100'000.0, std::nullopt);
  report.Compare(ingested, raw, std::nullopt);
  if (!options.baseline_pos.empty()) {
    const size_t before = report.Add(section, "pos hub serve, baseline " + options.baseline_pos, baseline_rates,
                                     "events/s", "before");
    report.Compare(before, raw, std::nullopt);
  }

  POS_RETURN_IF_ERROR(MeasureLag(options, tills, *hub, source, report, log));
  stop_hub();
  tills.clear();
  std::filesystem::remove_all(root, ignored);
  std::filesystem::create_directories(root);
  POS_RETURN_IF_ERROR(ReportCatchUp(options, root, report, log));
  std::filesystem::remove_all(root, ignored);
  return Status::Ok();
}

}  // namespace pos::bench
