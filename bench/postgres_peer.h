// PostgresPeer: PostgreSQL on loopback storing the same receipts with the same
// guarantee: synchronous_commit = on (each commit waits for its WAL flush), one
// connection per front end, one INSERT of the command's events per command (its
// own transaction). PostgreSQL batches concurrent commits' WAL flushes itself.
//
// Table: events(seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
//               stream text NOT NULL, body bytea NOT NULL), dropped and created anew.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/receipt_corpus.h"

struct pg_conn;

namespace pos::bench {

class PostgresPeer final : public CommandSink {
 public:
  // Connects `connections` times with the libpq connection string `conninfo`
  // and creates the table afresh.
  static Result<std::unique_ptr<PostgresPeer>> Connect(const std::string& conninfo, size_t connections);
  ~PostgresPeer() override;

  Status Store(size_t front_end, const CorpusCommand& command) override;

 private:
  explicit PostgresPeer(std::vector<pg_conn*> connections) : connections_(std::move(connections)) {}
  std::vector<pg_conn*> connections_;
};

}  // namespace pos::bench
