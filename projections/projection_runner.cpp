#include "projections/projection_runner.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <algorithm>
#include <condition_variable>

#include "engine/bytes.h"

namespace pos {
namespace {

const std::string kCheckpointKey = std::string(1, '\0') + "checkpoint";
const std::string kVersionKey = std::string(1, '\0') + "version";

Status FromRocks(const rocksdb::Status& s, std::string_view doing) {
  if (s.ok()) return Status::Ok();
  return Status::IoError(std::string(doing) + ": " + s.ToString());
}

Status ValidateProjectionName(std::string_view name) {
  if (name.empty() || name.size() > 64 ||
      !std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; })) {
    return Status::InvalidArgument("projection name '" + std::string(name) +
                                   "' must be 1 to 64 characters of a-z, 0-9 and '_'");
  }
  return Status::Ok();
}

}  // namespace

ProjectionRunner::ProjectionRunner(EventStore& store, RunnerOptions options)
    : store_(store), options_(options) {}

ProjectionRunner::~ProjectionRunner() { StopTailing(); }

Status ProjectionRunner::Register(std::unique_ptr<Projection> projection) {
  POS_RETURN_IF_ERROR(ValidateProjectionName(projection->Name()));
  if (tail_thread_.joinable()) return Status::FailedPrecondition("cannot register a projection while tailing");
  if (Find(projection->Name()) != nullptr) {
    return Status::AlreadyExists("a projection named " + std::string(projection->Name()) + " is registered already");
  }
  Entry entry;
  entry.projection = std::move(projection);
  POS_RETURN_IF_ERROR(Prepare(entry));
  entries_.push_back(std::move(entry));
  return Status::Ok();
}

// Opens (or creates) the entry's family and reads its checkpoint. A family
// built by another version of the projection is reset to empty.
Status ProjectionRunner::Prepare(Entry& entry) {
  const std::string name(entry.projection->Name());
  POS_ASSIGN_OR_RETURN(entry.family, store_.ProjectionFamily(name, /*create=*/true));
  ProjectionReader reader(store_.db(), entry.family);
  POS_ASSIGN_OR_RETURN(auto stored_version, reader.Get(kVersionKey));
  const uint32_t code_version = entry.projection->Version();
  if (stored_version.has_value() &&
      (stored_version->size() != 4 || ReadBigEndian32(*stored_version) != code_version)) {
    return ResetEntry(entry);
  }
  if (!stored_version.has_value()) {
    // Empty (new, or a rebuild that was interrupted): start from zero.
    return ResetEntry(entry);
  }
  POS_ASSIGN_OR_RETURN(entry.checkpoint, reader.GetCounter(kCheckpointKey));
  return Status::Ok();
}

Status ProjectionRunner::ResetEntry(Entry& entry) {
  const std::string name(entry.projection->Name());
  POS_ASSIGN_OR_RETURN(entry.family, store_.ResetProjectionFamily(name));
  std::string version;
  AppendBigEndian32(version, entry.projection->Version());
  rocksdb::WriteBatch batch;
  batch.Put(entry.family, kVersionKey, version);
  batch.Put(entry.family, kCheckpointKey, BigEndian64(0));
  POS_RETURN_IF_ERROR(FromRocks(store_.db()->Write(rocksdb::WriteOptions(), &batch), "resetting projection " + name));
  std::lock_guard lock(mutex_);
  entry.checkpoint = 0;
  return Status::Ok();
}

Status ProjectionRunner::CatchUp(const ProgressCallback& progress) {
  std::vector<Entry*> all;
  for (Entry& entry : entries_) all.push_back(&entry);
  return ApplyRange(all, store_.LastSequence(), progress);
}

Status ProjectionRunner::Rebuild(std::string_view name, const ProgressCallback& progress) {
  if (tail_thread_.joinable()) return Status::FailedPrecondition("stop tailing before rebuilding a projection");
  std::vector<Entry*> targets;
  if (name.empty()) {
    for (Entry& entry : entries_) targets.push_back(&entry);
  } else {
    Entry* entry = Find(name);
    if (entry == nullptr) {
      std::string known;
      for (const Entry& e : entries_) known += (known.empty() ? "" : ", ") + std::string(e.projection->Name());
      return Status::NotFound("no projection named '" + std::string(name) + "' (known: " + known + ")");
    }
    targets.push_back(entry);
  }
  for (Entry* entry : targets) POS_RETURN_IF_ERROR(ResetEntry(*entry));
  return ApplyRange(targets, store_.LastSequence(), progress);
}

Status ProjectionRunner::ApplyRange(const std::vector<Entry*>& entries, uint64_t to, const ProgressCallback& progress,
                                    const std::atomic<bool>* stop) {
  if (entries.empty()) return Status::Ok();
  uint64_t from = UINT64_MAX;
  for (const Entry* entry : entries) from = std::min(from, entry->checkpoint + 1);
  if (from > to) {
    if (progress) progress(0, 0);
    return Status::Ok();
  }
  const uint64_t total = to - from + 1;
  // The chunk's event bytes live in `bytes`, whose strings are reused from chunk
  // to chunk (assign keeps their capacity), so a long replay allocates only
  // while the first chunks grow them. Each event is parsed once per chunk, for
  // every projection.
  std::vector<std::string> bytes(options_.events_per_batch);
  Chunk chunk;
  chunk.seqs.reserve(options_.events_per_batch);
  chunk.events.reserve(options_.events_per_batch);
  Status apply_status;
  uint64_t done = 0;
  auto flush = [&]() -> Status {
    for (size_t i = 0; i < chunk.seqs.size(); ++i) {
      auto view = EventView::Parse(bytes[i]);
      if (!view.ok()) return view.status().WithContext("projections at local sequence " + std::to_string(chunk.seqs[i]));
      chunk.events.push_back(*view);
    }
    for (Entry* entry : entries) POS_RETURN_IF_ERROR(ApplyChunk(*entry, chunk));
    done += chunk.seqs.size();
    chunk.seqs.clear();
    chunk.events.clear();
    if (progress) progress(done, total);
    return Status::Ok();
  };
  Status scan = store_.ScanLog(from, to, [&](uint64_t seq, std::string_view event_bytes) {
    // StopTailing() ends a long range at the next chunk boundary: every applied
    // chunk is committed with its checkpoint, the rest is applied after a restart.
    if (chunk.seqs.empty() && stop != nullptr && stop->load(std::memory_order_relaxed)) return false;
    bytes[chunk.seqs.size()].assign(event_bytes);
    chunk.seqs.push_back(seq);
    if (chunk.seqs.size() >= options_.events_per_batch) {
      apply_status = flush();
      if (!apply_status.ok()) return false;
    }
    return true;
  });
  POS_RETURN_IF_ERROR(scan);
  POS_RETURN_IF_ERROR(apply_status);
  if (!chunk.seqs.empty()) POS_RETURN_IF_ERROR(flush());
  return Status::Ok();
}

Status ProjectionRunner::ApplyChunk(Entry& entry, const Chunk& chunk) {
  rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true);
  ProjectionState state(store_.db(), entry.family, &batch);
  Projection& projection = *entry.projection;
  uint64_t applied = entry.checkpoint;
  for (size_t i = 0; i < chunk.seqs.size(); ++i) {
    const uint64_t seq = chunk.seqs[i];
    if (seq <= applied) continue;
    Status s = projection.Apply(chunk.events[i], state);
    if (!s.ok()) {
      projection.AbandonChunk();
      return s.WithContext("projection " + std::string(projection.Name()) + " applying local sequence " +
                           std::to_string(seq));
    }
    applied = seq;
  }
  if (applied == entry.checkpoint) return Status::Ok();
  Status finished = projection.FinishChunk(state);
  if (finished.ok()) {
    finished = FromRocks(batch.Put(entry.family, kCheckpointKey, BigEndian64(applied)), "staging checkpoint");
  }
  if (finished.ok()) {
    // Without the write-ahead log: a projection's state and checkpoint live in its
    // own family, which RocksDB flushes as a prefix of its batches, so after a crash
    // the family is at an earlier checkpoint (never half applied) and CatchUp
    // re-applies from there. Clean closes flush (EventStore::FlushMemtables, and
    // RocksDB flushes unlogged data on close).
    rocksdb::WriteOptions unlogged;
    unlogged.disableWAL = true;
    finished = FromRocks(store_.db()->Write(unlogged, batch.GetWriteBatch()),
                         "writing projection " + std::string(projection.Name()));
  }
  if (!finished.ok()) {
    projection.AbandonChunk();
    return finished;
  }
  {
    std::lock_guard lock(mutex_);
    entry.checkpoint = applied;
  }
  applied_cv_.notify_all();
  return Status::Ok();
}

Status ProjectionRunner::StartTailing() {
  if (tail_thread_.joinable()) return Status::Ok();
  stop_ = false;
  tail_thread_ = std::thread([this] { TailLoop(); });
  return Status::Ok();
}

void ProjectionRunner::StopTailing() {
  stop_ = true;
  if (tail_thread_.joinable()) tail_thread_.join();
}

void ProjectionRunner::TailLoop() {
  std::vector<Entry*> all;
  for (Entry& entry : entries_) all.push_back(&entry);
  while (!stop_) {
    uint64_t lowest = UINT64_MAX;
    for (const Entry* entry : all) lowest = std::min(lowest, entry->checkpoint);
    if (all.empty()) lowest = 0;
    const uint64_t last = store_.WaitForEventsAfter(lowest, std::chrono::milliseconds(100));
    if (last <= lowest || all.empty()) continue;
    Status s = ApplyRange(all, last, {}, &stop_);
    if (!s.ok()) {
      std::lock_guard lock(mutex_);
      tail_status_ = s;
      applied_cv_.notify_all();
      return;
    }
  }
}

bool ProjectionRunner::WaitUntilApplied(uint64_t seq, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return applied_cv_.wait_for(lock, timeout, [&] {
    if (!tail_status_.ok()) return true;
    return std::all_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.checkpoint >= seq; });
  }) && tail_status_.ok();
}

Status ProjectionRunner::TailStatus() const {
  std::lock_guard lock(mutex_);
  return tail_status_;
}

std::vector<ProjectionInfo> ProjectionRunner::Infos() const {
  std::lock_guard lock(mutex_);
  std::vector<ProjectionInfo> infos;
  for (const Entry& entry : entries_) {
    infos.push_back({std::string(entry.projection->Name()), entry.projection->Version(), entry.checkpoint});
  }
  return infos;
}

bool ProjectionRunner::Has(std::string_view name) const { return Find(name) != nullptr; }

Result<ProjectionReader> ProjectionRunner::Reader(std::string_view name) const {
  const Entry* entry = Find(name);
  if (entry == nullptr) return Status::NotFound("no projection named '" + std::string(name) + "'");
  return ProjectionReader(store_.db(), entry->family);
}

ProjectionRunner::Entry* ProjectionRunner::Find(std::string_view name) {
  for (Entry& entry : entries_) {
    if (entry.projection->Name() == name) return &entry;
  }
  return nullptr;
}

const ProjectionRunner::Entry* ProjectionRunner::Find(std::string_view name) const {
  for (const Entry& entry : entries_) {
    if (entry.projection->Name() == name) return &entry;
  }
  return nullptr;
}

}  // namespace pos
