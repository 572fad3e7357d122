// The node daemon behind `pos serve`: one till's engine as a long-running process.
//
// It opens the store (holding its lock), brings the projections up to date,
// loads the register, starts the actors (register: owns the RegisterService and
// serialises the till's commands; projection: keeps the read models tailing the
// log) and serves the command API (docs/api.md) on a ZeroMQ ROUTER socket. Each
// request is handed to the register actor without waiting (it pipelines them and
// answers each once durable); clients keep their own timeouts. <data>/serve.json
// names the endpoint and pid while it runs.
//
// Backups (actors/daemon_backups.h, docs/backup.md): a daily backup when
// <data>/node.toml has a [backup] table (a malformed file stops the start with
// an error naming the key), and `pos backup create` through the admin socket
// ipc://<data>/admin.sock, served on its own thread so sales go on meanwhile.
//
// SIGINT or SIGTERM stop it cleanly: the server stops taking requests, the
// actors finish the command in hand and exit, serve.json is removed, the store
// is closed. Every acknowledged command is durable before its reply is sent,
// so a SIGKILL loses nothing that was acknowledged.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "engine/clock.h"
#include "engine/status.h"

namespace pos {

struct DaemonOptions {
  std::string data_dir;
  std::string listen;  // ZeroMQ endpoint; "" = ipc://<data dir>/api.sock
  // Called once the endpoint listens and serve.json is written.
  std::function<void(const std::string& endpoint)> on_ready;
  // The clock of the scheduled backup (node.toml [backup]); tests inject one.
  std::shared_ptr<Clock> clock = DefaultClock();
  // Called with a line for the operator (a scheduled backup taken or failed).
  std::function<void(const std::string& line)> on_notice;
};

// Runs until SIGINT or SIGTERM (blocked in this and every thread it starts, and
// taken with sigtimedwait). Ok after a clean stop; an error when the node could
// not start or the server failed.
Status RunNodeDaemon(const DaemonOptions& options);

}  // namespace pos
