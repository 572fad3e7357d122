#include "adapters/node_config.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "engine/backup.h"

namespace pos {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kFile = "node.toml";

Status Bad(const std::string& key, const std::string& what) {
  return Status::InvalidArgument(std::string(kFile) + ": " + key + " " + what);
}

Result<BackupScheduleConfig> ParseBackupTable(const toml::table& table, const std::string& data_dir) {
  BackupScheduleConfig config;
  bool has_time = false;
  bool has_target = false;
  for (const auto& [key, node] : table) {
    const std::string name = "backup." + std::string(key.str());
    if (key == "time") {
      const auto* text = node.as_string();
      if (text == nullptr) return Bad(name, "must be a string \"HH:MM\" or \"HH:MM:SS\"");
      auto seconds = ParseTimeOfDay(text->get());
      if (!seconds.ok()) return Bad(name, seconds.status().message());
      config.seconds_of_day = *seconds;
      has_time = true;
    } else if (key == "target") {
      const auto* text = node.as_string();
      if (text == nullptr || text->get().empty()) return Bad(name, "must be a non-empty string (a directory)");
      fs::path target(text->get());
      if (target.is_relative()) target = fs::absolute(data_dir) / target;
      config.target = target.lexically_normal().string();
      has_target = true;
    } else if (key == "keep") {
      const auto* number = node.as_integer();
      if (number == nullptr || number->get() < 1 || number->get() > 1000) {
        return Bad(name, "must be a whole number from 1 to 1000 (the newest backups kept)");
      }
      config.keep = static_cast<uint32_t>(number->get());
    } else if (key == "enabled") {
      const auto* flag = node.as_boolean();
      if (flag == nullptr) return Bad(name, "must be true or false");
      config.enabled = flag->get();
    } else {
      return Bad(name, "is not a known key (known: time, target, keep, enabled)");
    }
  }
  if (!has_time) return Bad("backup.time", "is missing (the time of day of the daily backup, \"HH:MM\")");
  if (!has_target) return Bad("backup.target", "is missing (the backup directory)");
  const fs::path data = fs::absolute(data_dir).lexically_normal();
  const fs::path target(config.target);
  if (target == data || target.string().starts_with(data.string() + "/")) {
    return Bad("backup.target", "must be outside the data directory " + data.string());
  }
  return config;
}

// toml++ (as Debian builds it) reports syntax errors as exceptions: they end here.
Result<toml::table> ParseToml(const std::string& text, const std::string& hint) {
  try {
    return toml::parse(text, kFile);
  } catch (const toml::parse_error& error) {
    return Status::InvalidArgument(std::string(kFile) + " line " + std::to_string(error.source().begin.line) + ": " +
                                   std::string(error.description()) + hint);
  }
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string NodeConfigPath(const std::string& data_dir) { return (fs::path(data_dir) / kFile).string(); }

Result<int> ParseTimeOfDay(const std::string& text) {
  int h = 0, m = 0, s = 0;
  char extra = 0;
  const bool hms = text.size() == 8 && std::sscanf(text.c_str(), "%2d:%2d:%2d%c", &h, &m, &s, &extra) == 3;
  const bool hm = text.size() == 5 && std::sscanf(text.c_str(), "%2d:%2d%c", &h, &m, &extra) == 2;
  if ((!hms && !hm) || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) {
    return Status::InvalidArgument("must be a time of day \"HH:MM\" or \"HH:MM:SS\" (00:00 to 23:59:59), not \"" +
                                   text + "\"");
  }
  return h * 3600 + m * 60 + s;
}

std::string FormatTimeOfDay(int seconds_of_day) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d:%02d", seconds_of_day / 3600, seconds_of_day / 60 % 60,
                seconds_of_day % 60);
  return buffer;
}

Result<NodeConfig> ParseNodeConfig(const std::string& toml_text, const std::string& data_dir) {
  POS_ASSIGN_OR_RETURN(toml::table parsed, ParseToml(toml_text, ""));
  NodeConfig config;
  for (const auto& [key, node] : parsed) {
    if (key == "backup") {
      const auto* table = node.as_table();
      if (table == nullptr) return Bad("backup", "must be a table ([backup])");
      POS_ASSIGN_OR_RETURN(BackupScheduleConfig backup, ParseBackupTable(*table, data_dir));
      config.backup = backup;
    } else {
      return Bad(std::string(key.str()), "is not a known table or key (known: [backup])");
    }
  }
  return config;
}

Result<NodeConfig> LoadNodeConfig(const std::string& data_dir) {
  const std::string path = NodeConfigPath(data_dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) return NodeConfig{};
  POS_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  return ParseNodeConfig(text, data_dir);
}

Status SetNodeConfigValue(const std::string& data_dir, const std::string& key, const std::string& value) {
  const std::string path = NodeConfigPath(data_dir);
  std::error_code ec;
  std::string text;
  if (fs::exists(path, ec)) {
    POS_ASSIGN_OR_RETURN(text, ReadText(path));
  }
  POS_ASSIGN_OR_RETURN(toml::table root, ParseToml(text, " (fix the file by hand first)"));
  const auto dot = key.find('.');
  if (dot == std::string::npos || key.substr(0, dot) != "backup") {
    return Bad(key, "is not a known key (known: backup.time, backup.target, backup.keep, backup.enabled)");
  }
  const std::string leaf = key.substr(dot + 1);
  if (!root.contains("backup")) root.insert("backup", toml::table{});
  toml::table* backup = root["backup"].as_table();
  if (backup == nullptr) return Bad("backup", "must be a table ([backup])");
  if (leaf == "keep") {
    char* end = nullptr;
    const long long n = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') return Bad(key, "must be a whole number from 1 to 1000");
    backup->insert_or_assign(leaf, n);
  } else if (leaf == "enabled") {
    if (value != "true" && value != "false") return Bad(key, "must be true or false");
    backup->insert_or_assign(leaf, value == "true");
  } else {
    backup->insert_or_assign(leaf, value);
  }
  std::ostringstream out;
  out << root << "\n";
  // The whole file must still be valid (a [backup] table needs time and target).
  auto check = ParseNodeConfig(out.str(), data_dir);
  if (!check.ok() && check.status().message().find("is missing") == std::string::npos) return check.status();
  return WriteFileAtomically(path, out.str());
}

}  // namespace pos
