// TseJournal: the software TSE's own append-only log of signed messages
// (<tse dir>/log/journal), the source of its export and of its counters.
//
// File format: a sequence of records, each
//   u32 BE  body length N
//   N bytes body:  u32 BE length | log message (TseLogMessage encoding)
//                  u32 BE length | signature (r||s)
//                  u32 BE length | reference (the caller's, e.g. the receipt id; "" if none)
//   8 bytes check: the first 8 bytes of SHA-256(length || body)
// Records are appended in signature counter order. Append() writes without
// syncing; Sync() makes everything appended so far durable with one fdatasync
// (group flush). After a crash the tail may hold a torn record that was never
// synced and so never acknowledged: Open() cuts it off. A bad record followed by
// good ones is corruption and refuses to open.
#pragma once

#include <cstdint>
#include <functional>
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pos::fiscal {

struct TseJournalRecord {
  std::string log_message;
  std::string signature;
  std::string reference;
};

class TseJournal {
 public:
  using Visitor = std::function<Status(const TseJournalRecord&)>;

  // Opens (creating if absent) the journal at `path` for appending, after
  // replaying every intact record into `replay` in file order.
  static Result<std::unique_ptr<TseJournal>> Open(const std::string& path, const Visitor& replay);
  // Reads the journal without opening it for writing (exports, tests). A torn
  // tail is skipped, as Open() would cut it.
  static Status Read(const std::string& path, const Visitor& visit);
  // Rewrites `path` with `records` (tests and tools that build journals).
  static Status WriteAll(const std::string& path, const std::vector<TseJournalRecord>& records);

  ~TseJournal();
  TseJournal(const TseJournal&) = delete;
  TseJournal& operator=(const TseJournal&) = delete;

  // Appends one record (not yet durable). One appending thread at a time.
  Status Append(const TseJournalRecord& record);
  // Makes every record appended before the call durable (one fdatasync; a no-op
  // when nothing is pending). Thread-safe, also against a concurrent Append.
  Status Sync();
  bool HasUnsynced() const { return synced_.load() < appended_.load(); }

 private:
  TseJournal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
  off_t end_ = 0;  // the end of the last complete record
  std::atomic<uint64_t> appended_{0};  // records appended since opening
  std::atomic<uint64_t> synced_{0};    // of those, durable
  std::mutex sync_mutex_;
};

}  // namespace pos::fiscal
