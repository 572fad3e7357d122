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
// SIGINT or SIGTERM stop it cleanly: the server stops taking requests, the
// actors finish the command in hand and exit, serve.json is removed, the store
// is closed. Every acknowledged command is durable before its reply is sent,
// so a SIGKILL loses nothing that was acknowledged.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "engine/status.h"

namespace pos {

struct DaemonOptions {
  std::string data_dir;
  std::string listen;  // ZeroMQ endpoint; "" = ipc://<data dir>/api.sock
  // Called once the endpoint listens and serve.json is written.
  std::function<void(const std::string& endpoint)> on_ready;
};

// Runs until SIGINT or SIGTERM (blocked in this and every thread it starts, and
// taken with sigtimedwait). Ok after a clean stop; an error when the node could
// not start or the server failed.
Status RunNodeDaemon(const DaemonOptions& options);

}  // namespace pos
