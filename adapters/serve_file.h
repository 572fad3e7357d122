// <data>/serve.json: how clients find the daemon serving a node's command API.
// `pos serve` writes it once it listens and removes it on a clean exit; a file
// left by a killed daemon names a process that is gone (ProcessAlive() false).
//
//   {"endpoint": "ipc:///…/api.sock", "pid": 4711, "node_name": "till-1"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/status.h"

namespace pos {

struct ServeInfo {
  std::string endpoint;
  int64_t pid = 0;
  std::string node_name;
};

std::string ServeFilePath(const std::string& data_dir);
// The default endpoint of a node: ipc://<absolute data dir>/api.sock.
Result<std::string> DefaultServeEndpoint(const std::string& data_dir);
// Written atomically (a temporary file renamed into place).
Status WriteServeFile(const std::string& data_dir, const ServeInfo& info);
// nullopt when there is no file; an error when it is unreadable or malformed.
Result<std::optional<ServeInfo>> ReadServeFile(const std::string& data_dir);
void RemoveServeFile(const std::string& data_dir);
// Whether a process with this id exists (kill(pid, 0)).
bool ProcessAlive(int64_t pid);

}  // namespace pos
