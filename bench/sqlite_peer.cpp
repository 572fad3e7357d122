#include "bench/sqlite_peer.h"

#include <sqlite3.h>

namespace pos::bench {
namespace {

Status Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    return Status::Internal(std::string("SQLite: ") + sql + ": " + message);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<SqlitePeer>> SqlitePeer::Create(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::Internal("creating the SQLite peer at " + path + ": " + message);
  }
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "CREATE TABLE events(seq INTEGER PRIMARY KEY, stream TEXT NOT NULL, body BLOB NOT NULL)"}) {
    if (Status s = Exec(db, sql); !s.ok()) {
      sqlite3_close(db);
      return s;
    }
  }
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO events(stream, body) VALUES (?1, ?2)", -1, &insert, nullptr) != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    return Status::Internal("SQLite: preparing the insert: " + message);
  }
  return std::unique_ptr<SqlitePeer>(new SqlitePeer(db, insert));
}

SqlitePeer::SqlitePeer(sqlite3* db, sqlite3_stmt* insert) : db_(db), insert_(insert) {
  writer_ = std::thread([this] { Run(); });
}

SqlitePeer::~SqlitePeer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  writer_.join();
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
}

Status SqlitePeer::Store(size_t, const CorpusCommand& command) {
  std::future<Status> done;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back({&command, {}});
    done = queue_.back().done.get_future();
  }
  cv_.notify_one();
  return done.get();
}

void SqlitePeer::Run() {
  for (;;) {
    std::deque<Pending> group;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      group.swap(queue_);
    }
    const Status committed = CommitGroup(group);
    for (Pending& pending : group) pending.done.set_value(committed);
  }
}

Status SqlitePeer::CommitGroup(std::deque<Pending>& group) {
  POS_RETURN_IF_ERROR(Exec(db_, "BEGIN"));
  for (const Pending& pending : group) {
    for (const std::string& event : pending.command->events) {
      sqlite3_bind_text(insert_, 1, pending.command->stream.data(), static_cast<int>(pending.command->stream.size()),
                        SQLITE_STATIC);
      sqlite3_bind_blob(insert_, 2, event.data(), static_cast<int>(event.size()), SQLITE_STATIC);
      const int stepped = sqlite3_step(insert_);
      sqlite3_reset(insert_);
      if (stepped != SQLITE_DONE) {
        const std::string message = sqlite3_errmsg(db_);
        (void)Exec(db_, "ROLLBACK");
        return Status::Internal("SQLite insert: " + message);
      }
    }
  }
  return Exec(db_, "COMMIT");
}

}  // namespace pos::bench
