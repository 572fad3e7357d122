#include "bench/postgres_peer.h"

#include <libpq-fe.h>

namespace pos::bench {
namespace {

Status Exec(PGconn* connection, const std::string& sql) {
  PGresult* result = PQexec(connection, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Status::Internal("PostgreSQL: " + sql + ": " + message);
  }
  return Status::Ok();
}

// "INSERT INTO events(stream, body) VALUES ($1, $2), ($1, $3), ..." for n events.
std::string InsertSql(size_t n) {
  std::string sql = "INSERT INTO events(stream, body) VALUES ";
  for (size_t i = 0; i < n; ++i) sql += (i ? ", " : "") + std::string("($1, $") + std::to_string(i + 2) + ")";
  return sql;
}

}  // namespace

Result<std::unique_ptr<PostgresPeer>> PostgresPeer::Connect(const std::string& conninfo, size_t connections) {
  std::vector<PGconn*> opened;
  auto fail = [&](Status status) {
    for (PGconn* c : opened) PQfinish(c);
    return status;
  };
  for (size_t i = 0; i < connections; ++i) {
    PGconn* connection = PQconnectdb(conninfo.c_str());
    if (PQstatus(connection) != CONNECTION_OK) {
      std::string message = PQerrorMessage(connection);
      PQfinish(connection);
      return fail(Status::Unavailable("connecting to PostgreSQL (" + conninfo + "): " + message));
    }
    opened.push_back(connection);
    if (Status s = Exec(connection, "SET synchronous_commit = on"); !s.ok()) return fail(s);
  }
  if (Status s = Exec(opened[0], "DROP TABLE IF EXISTS events"); !s.ok()) return fail(s);
  if (Status s = Exec(opened[0],
                      "CREATE TABLE events(seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                      "stream text NOT NULL, body bytea NOT NULL)");
      !s.ok()) {
    return fail(s);
  }
  return std::unique_ptr<PostgresPeer>(new PostgresPeer(std::move(opened)));
}

PostgresPeer::~PostgresPeer() {
  for (PGconn* connection : connections_) PQfinish(connection);
}

Status PostgresPeer::Store(size_t front_end, const CorpusCommand& command) {
  PGconn* connection = connections_[front_end % connections_.size()];
  const size_t n = command.events.size();
  std::vector<const char*> values{command.stream.c_str()};
  std::vector<int> lengths{static_cast<int>(command.stream.size())};
  std::vector<int> formats{0};
  for (const std::string& event : command.events) {
    values.push_back(event.data());
    lengths.push_back(static_cast<int>(event.size()));
    formats.push_back(1);  // binary bytea
  }
  const std::string sql = InsertSql(n);
  PGresult* result = PQexecParams(connection, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                  lengths.data(), formats.data(), 0);
  const ExecStatusType status = PQresultStatus(result);
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  if (status != PGRES_COMMAND_OK) return Status::Internal("PostgreSQL insert: " + message);
  return Status::Ok();
}

}  // namespace pos::bench
