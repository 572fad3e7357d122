// The node's configuration file <data>/node.toml (docs/backup.md, "Node configuration").
//
//   [backup]                     # the daemon's scheduled backup (absent: none)
//   time = "02:30"               # local time of day, "HH:MM" or "HH:MM:SS" (TZ of the process)
//   target = "/mnt/backup/till-1"  # backup directory; a relative path is relative to <data>
//   keep = 7                     # newest complete backups kept (1..1000); default 7
//   enabled = true               # default true
//
// Unknown tables or keys, wrong types and out-of-range values are errors that
// name the key (e.g. "node.toml: backup.keep must be …"). An absent file is an
// empty configuration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/status.h"

namespace pos {

struct BackupScheduleConfig {
  bool enabled = true;
  int seconds_of_day = 0;  // the time of day, 0..86399
  std::string target;      // absolute (resolved against the data directory)
  uint32_t keep = 7;
};

struct NodeConfig {
  std::optional<BackupScheduleConfig> backup;
};

std::string NodeConfigPath(const std::string& data_dir);

// Parses node.toml text; `data_dir` resolves relative paths. kInvalidArgument names the key.
Result<NodeConfig> ParseNodeConfig(const std::string& toml_text, const std::string& data_dir);
// Reads <data>/node.toml (absent: an empty configuration).
Result<NodeConfig> LoadNodeConfig(const std::string& data_dir);

// `pos config set KEY VALUE`: sets one key ("backup.time", "backup.target",
// "backup.keep", "backup.enabled") in node.toml, validating the whole file
// before it is written (atomically). Other content is kept.
Status SetNodeConfigValue(const std::string& data_dir, const std::string& key, const std::string& value);

// "HH:MM" or "HH:MM:SS" -> seconds of the day.
Result<int> ParseTimeOfDay(const std::string& text);
std::string FormatTimeOfDay(int seconds_of_day);

}  // namespace pos
