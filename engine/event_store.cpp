#include "engine/event_store.h"

#include <openssl/rand.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <filesystem>
#include <mutex>
#include <variant>

#include "engine/bytes.h"
#include "engine/group_commit_writer.h"
#include "engine/store_layout.h"
#include "events/event_view.h"
#include "events/node_generated.h"

namespace pos {
namespace {

namespace fs = std::filesystem;

rocksdb::Options DatabaseOptions() {
  rocksdb::Options options;
  options.create_if_missing = false;
  options.create_missing_column_families = false;
  options.IncreaseParallelism(2);
  options.max_open_files = 512;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 3;
  return options;
}

rocksdb::ColumnFamilyOptions FamilyOptions() {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 16 * 1024;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// `meta` holds a few small keys read at every open (schema version, node id,
// chain heads) next to start-up snapshots that grow with the till's history
// (hundreds of MB at 10 M events). Values of 64 KiB and more go to blob files,
// so reading a small key never decompresses a data block that holds a snapshot.
rocksdb::ColumnFamilyOptions FamilyOptions(std::string_view family) {
  rocksdb::ColumnFamilyOptions options = FamilyOptions();
  if (family == layout::kMetaFamily) {
    options.enable_blob_files = true;
    options.min_blob_size = 64 * 1024;
    options.enable_blob_garbage_collection = true;
  }
  return options;
}

Status FromRocks(const rocksdb::Status& s, const std::string& path, std::string_view doing) {
  if (s.ok()) return Status::Ok();
  const std::string text = s.ToString();
  if (s.IsIOError() && text.find("lock") != std::string::npos) {
    return Status::Busy("the store at " + path +
                        " is in use by another process (a running `pos serve`?); stop it or use its API");
  }
  if (s.IsCorruption()) return Status::Corruption(std::string(doing) + " " + path + ": " + text);
  return Status::IoError(std::string(doing) + " " + path + ": " + text);
}

bool DirectoryIsEmpty(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && fs::directory_iterator(path, ec) == fs::directory_iterator();
}

std::vector<uint8_t> NodeInitialisedPayload(const CreateStoreOptions& create) {
  flatbuffers::FlatBufferBuilder b;
  b.ForceDefaults(true);  // every field is in the bytes, so `pos log` shows it
  b.Finish(fb::CreateNodeInitialisedDirect(b, create.node_name.c_str(),
                                           create.hub ? fb::NodeRole::Hub : fb::NodeRole::Till,
                                           create.currency.c_str(), "0.1.0"));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Status ValidateNodeName(std::string_view name) {
  if (name.empty() || name.size() > 64) return Status::InvalidArgument("node name must have 1 to 64 characters");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) {
      return Status::InvalidArgument("node name '" + std::string(name) +
                                     "' may contain only letters, digits, '-', '_' and '.'");
    }
  }
  return Status::Ok();
}

Status ValidateCurrency(std::string_view currency) {
  if (currency.size() != 3 || !std::all_of(currency.begin(), currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return Status::InvalidArgument("currency '" + std::string(currency) + "' is not an ISO 4217 code like EUR");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<EventStore>> EventStore::Create(const std::string& path, const CreateStoreOptions& create,
                                                       const StoreOptions& options) {
  POS_RETURN_IF_ERROR(ValidateNodeName(create.node_name));
  POS_RETURN_IF_ERROR(ValidateCurrency(create.currency));
  std::error_code ec;
  const bool existed = fs::exists(path, ec);
  if (existed && !DirectoryIsEmpty(path)) {
    if (fs::exists(fs::path(path) / "CURRENT", ec)) {
      return Status::AlreadyExists("a store exists already at " + path);
    }
    return Status::AlreadyExists(path + " exists and is not empty; choose an empty or new directory");
  }
  // From here on, a failure removes what this call created.
  auto clean_up = [&](Status status) -> Result<std::unique_ptr<EventStore>> {
    std::error_code ignored;
    if (existed) {
      for (const auto& entry : fs::directory_iterator(path, ignored)) fs::remove_all(entry.path(), ignored);
    } else {
      fs::remove_all(path, ignored);
    }
    return status;
  };

  fs::create_directories(path, ec);
  if (ec) return clean_up(Status::IoError("cannot create directory " + path + ": " + ec.message()));

  std::string node_id(kNodeIdSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(node_id.data()), static_cast<int>(node_id.size())) != 1) {
    return clean_up(Status::Internal("the OpenSSL random generator failed to make a node id"));
  }
  {
    rocksdb::Options db_options = DatabaseOptions();
    db_options.create_if_missing = true;
    db_options.error_if_exists = true;
    db_options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, FamilyOptions());
    for (auto name : {layout::kLogFamily, layout::kByOriginFamily, layout::kByStreamFamily, layout::kMetaFamily}) {
      descriptors.emplace_back(std::string(name), FamilyOptions(name));
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
    if (!s.ok()) return clean_up(FromRocks(s, path, "creating the store at"));
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::WriteBatch meta;
    std::string version;
    AppendBigEndian32(version, layout::kSchemaVersion);
    meta.Put(handles[4], std::string(layout::kMetaSchemaVersion), version);
    meta.Put(handles[4], std::string(layout::kMetaNodeId), node_id);
    meta.Put(handles[4], std::string(layout::kMetaNodeName), create.node_name);
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    s = db->Write(write_options, &meta);
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
    if (!s.ok()) return clean_up(FromRocks(s, path, "writing the identity of"));
    s = db->Close();
    if (!s.ok()) return clean_up(FromRocks(s, path, "closing"));
  }
  auto store = OpenExisting(path, options);
  if (!store.ok()) return clean_up(store.status());
  AppendBatch init;
  init.stream = "node";
  init.expected_version = kNoStream;
  init.events.push_back(NewEvent{EventType::kNodeInitialised, NodeInitialisedPayload(create)});
  auto appended = (*store)->Append(std::move(init));
  if (!appended.ok()) {
    store->reset();
    return clean_up(appended.status());
  }
  return store;
}

Result<std::unique_ptr<EventStore>> EventStore::Open(const std::string& path, const StoreOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::NotFound("no store at " + path + " (create one with `pos init --node-name NAME`)");
  }
  if (!fs::is_directory(path, ec)) return Status::InvalidArgument(path + " is not a directory, so not a store");
  if (!fs::exists(fs::path(path) / "CURRENT", ec)) {
    return Status::InvalidArgument(path + " is not a POS store (it holds no RocksDB database)");
  }
  return OpenExisting(path, options);
}

Result<std::unique_ptr<EventStore>> EventStore::OpenExisting(const std::string& path, const StoreOptions& options) {
  rocksdb::Options db_options = DatabaseOptions();
  std::vector<std::string> family_names;
  auto s = rocksdb::DB::ListColumnFamilies(db_options, path, &family_names);
  if (!s.ok()) return FromRocks(s, path, "reading the column families of");
  auto has = [&](std::string_view name) {
    return std::find(family_names.begin(), family_names.end(), name) != family_names.end();
  };
  for (auto name : {layout::kLogFamily, layout::kByOriginFamily, layout::kByStreamFamily, layout::kMetaFamily}) {
    if (!has(name)) {
      return Status::InvalidArgument(path + " is a RocksDB database but not a POS store (no '" + std::string(name) +
                                     "' column family)");
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : family_names) descriptors.emplace_back(name, FamilyOptions(name));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, path, "opening the store at");

  std::unique_ptr<EventStore> store(new EventStore());
  store->path_ = path;
  store->db_.reset(raw);
  store->all_handles_ = handles;
  for (size_t i = 0; i < family_names.size(); ++i) {
    const std::string& name = family_names[i];
    if (name == layout::kLogFamily) store->families_.log = handles[i];
    if (name == layout::kByOriginFamily) store->families_.by_origin = handles[i];
    if (name == layout::kByStreamFamily) store->families_.by_stream = handles[i];
    if (name == layout::kMetaFamily) store->families_.meta = handles[i];
    if (name.starts_with(layout::kProjectionFamilyPrefix)) {
      store->projection_families_[name.substr(layout::kProjectionFamilyPrefix.size())] = handles[i];
    }
  }

  rocksdb::DB* db = store->db_.get();
  std::string value;
  s = db->Get(rocksdb::ReadOptions(), store->families_.meta, std::string(layout::kMetaSchemaVersion), &value);
  if (s.IsNotFound() || value.size() != 4) {
    return Status::InvalidArgument(path + " is not a POS store (no schema version)");
  }
  if (!s.ok()) return FromRocks(s, path, "reading the schema version of");
  const uint32_t schema = ReadBigEndian32(value);
  if (schema > layout::kSchemaVersion) {
    return Status::Unsupported("the store at " + path + " has schema version " + std::to_string(schema) +
                               ", newer than this pos supports (" + std::to_string(layout::kSchemaVersion) +
                               "); upgrade pos to open it");
  }
  s = db->Get(rocksdb::ReadOptions(), store->families_.meta, std::string(layout::kMetaNodeId), &store->node_id_);
  if (!s.ok() || store->node_id_.size() != kNodeIdSize) {
    return Status::Corruption("the store at " + path + " has no valid node id");
  }
  s = db->Get(rocksdb::ReadOptions(), store->families_.meta, std::string(layout::kMetaNodeName), &store->node_name_);
  if (!s.ok()) return Status::Corruption("the store at " + path + " has no node name");

  GroupCommitWriter::CommittedState state;
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), store->families_.meta));
    for (it->Seek(std::string(layout::kMetaHeadPrefix)); it->Valid() && it->key().starts_with(layout::kMetaHeadPrefix);
         it->Next()) {
      std::string_view origin = it->key().ToStringView().substr(layout::kMetaHeadPrefix.size());
      std::string_view head = it->value().ToStringView();
      if (origin.size() != kNodeIdSize || head.size() != 8 + kHashSize) {
        return Status::Corruption("the store at " + path + " has a malformed chain head entry");
      }
      state.heads[std::string(origin)] = ChainHead{ReadBigEndian64(head), std::string(head.substr(8))};
    }
    if (!it->status().ok()) return FromRocks(it->status(), path, "reading chain heads of");
    for (it->Seek(std::string(layout::kMetaFilteredHeadPrefix));
         it->Valid() && it->key().starts_with(layout::kMetaFilteredHeadPrefix); it->Next()) {
      std::string_view origin = it->key().ToStringView().substr(layout::kMetaFilteredHeadPrefix.size());
      std::string_view head = it->value().ToStringView();
      if (origin.size() != kNodeIdSize || head.size() != 8 + kHashSize) {
        return Status::Corruption("the store at " + path + " has a malformed filtered head entry");
      }
      state.filtered_heads[std::string(origin)] = ChainHead{ReadBigEndian64(head), std::string(head.substr(8))};
    }
    if (!it->status().ok()) return FromRocks(it->status(), path, "reading filtered heads of");
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), store->families_.log));
    it->SeekToLast();
    if (!it->status().ok()) return FromRocks(it->status(), path, "reading the log of");
    if (it->Valid()) {
      if (it->key().size() != 8) return Status::Corruption("the log of " + path + " has a malformed key");
      state.last_local_seq = ReadBigEndian64(it->key().ToStringView());
    }
  }
  // Each origin's HLCs rise with its seq, so the heads hold the highest HLC stored.
  ChainHeads all_heads = state.heads;
  all_heads.insert(state.filtered_heads.begin(), state.filtered_heads.end());
  for (const auto& [origin, head] : all_heads) {
    if (head.seq == 0) continue;
    std::string local;
    std::string bytes;
    s = db->Get(rocksdb::ReadOptions(), store->families_.by_origin, layout::OriginKey(origin, head.seq), &local);
    if (s.ok()) s = db->Get(rocksdb::ReadOptions(), store->families_.log, local, &bytes);
    // A head event that cannot be read is skipped: the store must still open so
    // that `pos verify` can name the damage.
    if (s.IsNotFound()) continue;
    if (!s.ok()) return FromRocks(s, path, "reading the chain head events of");
    auto event = EventView::Parse(bytes);
    if (!event.ok()) continue;
    state.max_hlc = std::max(state.max_hlc, event->hlc());
  }
  store->writer_ = std::make_unique<GroupCommitWriter>(db, store->families_, store->node_id_, options.clock,
                                                       std::move(state), options.max_events_per_commit);
  return store;
}

EventStore::~EventStore() {
  writer_.reset();
  if (db_) {
    for (auto* handle : all_handles_) db_->DestroyColumnFamilyHandle(handle);
    db_->Close().PermitUncheckedError();
  }
}

Result<std::optional<std::string>> EventStore::GetSnapshot(std::string_view name) const {
  const std::string key = std::string(layout::kMetaSnapshotPrefix) + std::string(name);
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), families_.meta, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return Status::IoError("reading snapshot " + std::string(name) + ": " + s.ToString());
  return std::optional<std::string>(std::move(value));
}

Status EventStore::PutSnapshot(std::string_view name, std::string_view value) {
  const std::string key = std::string(layout::kMetaSnapshotPrefix) + std::string(name);
  rocksdb::WriteOptions options;
  options.sync = true;
  rocksdb::Status s = db_->Put(options, families_.meta, key, rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) return Status::IoError("writing snapshot " + std::string(name) + ": " + s.ToString());
  return Status::Ok();
}

Status EventStore::DeleteSnapshot(std::string_view name) {
  const std::string key = std::string(layout::kMetaSnapshotPrefix) + std::string(name);
  rocksdb::WriteOptions options;
  options.sync = true;
  rocksdb::Status s = db_->Delete(options, families_.meta, key);
  if (!s.ok()) return Status::IoError("deleting snapshot " + std::string(name) + ": " + s.ToString());
  return Status::Ok();
}

Status EventStore::FlushMemtables() {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  {
    std::lock_guard lock(projection_mutex_);
    handles = all_handles_;
  }
  rocksdb::Status flushed = db_->Flush(rocksdb::FlushOptions(), handles);
  if (!flushed.ok()) return Status::IoError("flushing the memtables of " + path_ + ": " + flushed.ToString());
  // `meta` is small apart from snapshots (in blob files); compacting it drops
  // superseded snapshots, also ones a store older than the blob setting kept inline.
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  rocksdb::Status compacted = db_->CompactRange(compact, families_.meta, nullptr, nullptr);
  if (!compacted.ok()) return Status::IoError("compacting the meta family of " + path_ + ": " + compacted.ToString());
  return Status::Ok();
}

Result<AppendReceipt> EventStore::Append(AppendBatch batch) {
  POS_ASSIGN_OR_RETURN(GroupCommitWriter::Submitted submitted, writer_->Submit(std::move(batch)));
  return submitted.durable.get();
}

Result<SealedAppend> EventStore::AppendPipelined(AppendBatch batch, DurableCallback on_durable) {
  POS_ASSIGN_OR_RETURN(GroupCommitWriter::Submitted submitted, writer_->Submit(std::move(batch), std::move(on_durable)));
  return std::move(submitted.sealed);
}

void EventStore::SetPreCommitHook(std::function<Status()> hook) { writer_->SetPreCommitHook(std::move(hook)); }

std::vector<Result<AppendReceipt>> EventStore::AppendMany(std::vector<AppendBatch> batches) {
  // A refused batch has its error at once; the others share group commits.
  std::vector<std::variant<Status, std::future<Result<AppendReceipt>>>> pending;
  pending.reserve(batches.size());
  for (AppendBatch& batch : batches) {
    auto submitted = writer_->Submit(std::move(batch));
    if (submitted.ok()) {
      pending.emplace_back(std::move(submitted->durable));
    } else {
      pending.emplace_back(submitted.status());
    }
  }
  std::vector<Result<AppendReceipt>> results;
  results.reserve(pending.size());
  for (auto& item : pending) {
    if (auto* refused = std::get_if<Status>(&item)) {
      results.emplace_back(*refused);
    } else {
      results.push_back(std::get<1>(item).get());
    }
  }
  return results;
}

Result<ReplicationReceipt> EventStore::AppendReplicated(std::vector<std::string> events, ReplicationMode mode) {
  return writer_->SubmitReplicated(std::move(events), mode).get();
}

uint64_t EventStore::LastSequence() const { return writer_->LastSequence(); }
ChainHeads EventStore::Heads() const { return writer_->Heads(); }
ChainHeads EventStore::FilteredHeads() const { return writer_->FilteredHeads(); }

uint64_t EventStore::WaitForEventsAfter(uint64_t after_seq, std::chrono::milliseconds timeout) const {
  return writer_->WaitForEventsAfter(after_seq, timeout);
}

Result<uint64_t> EventStore::StreamVersion(std::string_view stream) const {
  POS_RETURN_IF_ERROR(ValidateStreamName(stream));
  const std::string prefix = layout::StreamPrefix(stream);
  const std::string upper = prefix + std::string(8 + kNodeIdSize, '\xFF');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), families_.by_stream));
  it->SeekForPrev(upper);
  if (!it->status().ok()) return FromRocks(it->status(), path_, "reading the stream index of");
  if (!it->Valid() || !it->key().starts_with(prefix)) return uint64_t{0};
  return layout::StreamKeyVersion(it->key().ToStringView(), prefix.size());
}

Status EventStore::ScanLog(uint64_t from, uint64_t to, const Visitor& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), families_.log));
  for (it->Seek(layout::LogKey(from)); it->Valid(); it->Next()) {
    const uint64_t seq = ReadBigEndian64(it->key().ToStringView());
    if (seq > to) break;
    if (!visit(seq, it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), path_, "reading the log of");
}

Status EventStore::ScanStream(std::string_view stream, uint64_t from_version, const Visitor& visit) const {
  POS_RETURN_IF_ERROR(ValidateStreamName(stream));
  const std::string prefix = layout::StreamPrefix(stream);
  std::unique_ptr<rocksdb::Iterator> index(db_->NewIterator(rocksdb::ReadOptions(), families_.by_stream));
  std::string start = prefix;
  AppendBigEndian64(start, from_version);
  for (index->Seek(start); index->Valid() && index->key().starts_with(prefix); index->Next()) {
    const std::string local_key(index->value().ToStringView());
    std::string bytes;
    auto s = db_->Get(rocksdb::ReadOptions(), families_.log, local_key, &bytes);
    if (!s.ok()) return FromRocks(s, path_, "reading an event of stream " + std::string(stream) + " in");
    if (!visit(ReadBigEndian64(local_key), bytes)) break;
  }
  return FromRocks(index->status(), path_, "reading the stream index of");
}

Status EventStore::ScanOrigin(std::string_view origin, uint64_t from_seq, const Visitor& visit) const {
  if (origin.size() != kNodeIdSize) return Status::InvalidArgument("an origin node id has 16 bytes");
  std::unique_ptr<rocksdb::Iterator> index(db_->NewIterator(rocksdb::ReadOptions(), families_.by_origin));
  for (index->Seek(layout::OriginKey(origin, from_seq)); index->Valid() && index->key().starts_with(origin);
       index->Next()) {
    const std::string local_key(index->value().ToStringView());
    std::string bytes;
    auto s = db_->Get(rocksdb::ReadOptions(), families_.log, local_key, &bytes);
    if (!s.ok()) return FromRocks(s, path_, "reading an event of an origin in");
    if (!visit(ReadBigEndian64(local_key), bytes)) break;
  }
  return FromRocks(index->status(), path_, "reading the origin index of");
}

Result<std::string> EventStore::ReadEvent(uint64_t local_seq) const {
  std::string bytes;
  auto s = db_->Get(rocksdb::ReadOptions(), families_.log, layout::LogKey(local_seq), &bytes);
  if (s.IsNotFound()) return Status::NotFound("no event with local sequence " + std::to_string(local_seq));
  if (!s.ok()) return FromRocks(s, path_, "reading the log of");
  return bytes;
}

std::vector<std::string> EventStore::ProjectionFamilyNames() const {
  std::lock_guard lock(projection_mutex_);
  std::vector<std::string> names;
  for (const auto& [name, handle] : projection_families_) names.push_back(name);
  return names;
}

Result<rocksdb::ColumnFamilyHandle*> EventStore::ProjectionFamily(std::string_view name, bool create) {
  std::lock_guard lock(projection_mutex_);
  if (auto it = projection_families_.find(name); it != projection_families_.end()) return it->second;
  if (!create) return Status::NotFound("no projection named " + std::string(name) + " in " + path_);
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  auto s = db_->CreateColumnFamily(FamilyOptions(), std::string(layout::kProjectionFamilyPrefix) + std::string(name),
                                   &handle);
  if (!s.ok()) return FromRocks(s, path_, "creating projection " + std::string(name) + " in");
  projection_families_.emplace(std::string(name), handle);
  all_handles_.push_back(handle);
  return handle;
}

Result<rocksdb::ColumnFamilyHandle*> EventStore::ResetProjectionFamily(std::string_view name) {
  {
    std::lock_guard lock(projection_mutex_);
    if (auto it = projection_families_.find(name); it != projection_families_.end()) {
      auto s = db_->DropColumnFamily(it->second);
      if (!s.ok()) return FromRocks(s, path_, "dropping projection " + std::string(name) + " in");
      db_->DestroyColumnFamilyHandle(it->second);
      std::erase(all_handles_, it->second);
      projection_families_.erase(it);
    }
  }
  return ProjectionFamily(name, /*create=*/true);
}

}  // namespace pos
