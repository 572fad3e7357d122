#include "adapters/serve_file.h"

#include <signal.h>
#include <sys/un.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace pos {

std::string ServeFilePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "serve.json").string();
}

Result<std::string> DefaultServeEndpoint(const std::string& data_dir) {
  std::error_code error;
  auto absolute = std::filesystem::absolute(data_dir, error);
  if (error) return Status::IoError("resolving " + data_dir + ": " + error.message());
  std::string path = (absolute.lexically_normal() / "api.sock").string();
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Status::InvalidArgument("the socket path " + path + " is too long for a Unix domain socket (" +
                                   std::to_string(path.size()) + " characters); pass --listen tcp://127.0.0.1:PORT");
  }
  return "ipc://" + path;
}

Status WriteServeFile(const std::string& data_dir, const ServeInfo& info) {
  const std::string path = ServeFilePath(data_dir);
  const std::string temporary = path + ".tmp";
  nlohmann::json json = {{"endpoint", info.endpoint}, {"pid", info.pid}, {"node_name", info.node_name}};
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump(2) << "\n";
    if (!out.flush()) return Status::IoError("cannot write " + temporary);
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return Status::IoError("cannot rename " + temporary + " to " + path + ": " + error.message());
  return Status::Ok();
}

Result<std::optional<ServeInfo>> ReadServeFile(const std::string& data_dir) {
  const std::string path = ServeFilePath(data_dir);
  std::ifstream in(path);
  if (!in) return std::optional<ServeInfo>();
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("endpoint") || !json["endpoint"].is_string() || !json.contains("pid") ||
      !json["pid"].is_number_integer()) {
    return Status::Corruption(path +
                              " is not a serve file ({\"endpoint\": …, \"pid\": …}); remove it if no daemon runs");
  }
  ServeInfo info;
  info.endpoint = json["endpoint"].get<std::string>();
  info.pid = json["pid"].get<int64_t>();
  if (json.contains("node_name") && json["node_name"].is_string()) {
    info.node_name = json["node_name"].get<std::string>();
  }
  return std::optional<ServeInfo>(info);
}

void RemoveServeFile(const std::string& data_dir) {
  std::error_code ignored;
  std::filesystem::remove(ServeFilePath(data_dir), ignored);
}

bool ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  // A killed process its parent has not reaped yet (a zombie) serves nothing.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

}  // namespace pos
