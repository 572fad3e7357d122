#include "sync/sync_status.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/bytes.h"

namespace pos::sync {
namespace {

nlohmann::json DirectionToJson(const DirectionStatus& direction) {
  nlohmann::json positions = nlohmann::json::object();
  uint64_t total = 0;
  for (const auto& [origin, seq] : direction.acknowledged) {
    positions[ToHex(origin)] = seq;
    total += seq;
  }
  return {{"acknowledged", positions},
          {"acknowledged_events", total},
          {"lag_events", direction.lag_events},
          {"lag_seconds", direction.lag_seconds},
          {"stopped", direction.stopped}};
}

}  // namespace

std::string SyncStatusPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kSyncStatusFileName).string();
}

nlohmann::json SyncStatusToJson(const SyncStatusReport& report) {
  return {{"pid", report.pid},
          {"updated_us", report.updated_us},
          {"node_id", report.node_id_hex},
          {"node_name", report.node_name},
          {"hub", report.hub},
          {"hub_key", report.hub_public_key},
          {"account", report.account},
          {"mode", report.mode},
          {"online", report.online},
          {"last_contact_us", report.last_contact_us},
          {"problem", report.problem},
          {"upstream", DirectionToJson(report.upstream)},
          {"downstream", DirectionToJson(report.downstream)}};
}

Status WriteSyncStatusFile(const std::string& path, const SyncStatusReport& report) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << SyncStatusToJson(report).dump() << "\n";
    if (!out) return Status::IoError("cannot write " + temporary);
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return Status::IoError("cannot rename " + temporary + " to " + path + ": " + error.message());
  return Status::Ok();
}

Result<std::optional<nlohmann::json>> ReadSyncStatusFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<nlohmann::json>();
    return Status::IoError("cannot read " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json parsed = nlohmann::json::parse(text.str(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Status::Corruption(path + " is not a sync status file (not a JSON object)");
  }
  return std::optional<nlohmann::json>(std::move(parsed));
}

}  // namespace pos::sync
