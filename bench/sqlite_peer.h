// SqlitePeer: SQLite storing the same receipts with the same guarantee, with its
// best batching. WAL journal, synchronous=FULL (every commit fsyncs the WAL).
// SQLite has one writer, so front ends hand their command to one writer thread,
// which takes everything pending and commits it in one transaction (group
// commit by hand), then acknowledges each front end.
//
// Table: events(seq INTEGER PRIMARY KEY, stream TEXT NOT NULL, body BLOB NOT NULL)
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bench/receipt_corpus.h"

struct sqlite3;
struct sqlite3_stmt;

namespace pos::bench {

class SqlitePeer final : public CommandSink {
 public:
  // Creates a fresh database file at `path`.
  static Result<std::unique_ptr<SqlitePeer>> Create(const std::string& path);
  ~SqlitePeer() override;  // stops the writer thread

  Status Store(size_t front_end, const CorpusCommand& command) override;

 private:
  struct Pending {
    const CorpusCommand* command;
    std::promise<Status> done;
  };
  SqlitePeer(sqlite3* db, sqlite3_stmt* insert);
  void Run();
  Status CommitGroup(std::deque<Pending>& group);

  sqlite3* db_;
  sqlite3_stmt* insert_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace pos::bench
