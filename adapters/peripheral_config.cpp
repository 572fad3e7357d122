#include "adapters/peripheral_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace pos {
namespace {

Result<std::vector<std::string>> Lines(const nlohmann::json& value, const std::string& where) {
  if (!value.is_array()) return Status::InvalidArgument(where + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& line : value) {
    if (!line.is_string()) return Status::InvalidArgument(where + " must be an array of strings");
    out.push_back(line.get<std::string>());
  }
  return out;
}

}  // namespace

Result<PeripheralConfig> ParsePeripheralConfig(const std::string& text, const std::string& source) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument(source + " is not valid JSON");
  if (!doc.is_object()) return Status::InvalidArgument(source + ": the top level must be a JSON object");
  PeripheralConfig config;
  for (const auto& [key, value] : doc.items()) {
    const std::string where = source + ": \"" + key + "\"";
    if (key == "printer" || key == "display") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return Status::InvalidArgument(where + " must be a non-empty sink (file:PATH, tcp:HOST:PORT or a path)");
      }
      (key == "printer" ? config.printer : config.display) = value.get<std::string>();
    } else if (key == "columns") {
      if (!value.is_number_integer() || value.get<int>() < 24 || value.get<int>() > 64) {
        return Status::InvalidArgument(where + " must be a whole number from 24 to 64");
      }
      config.columns = value.get<int>();
    } else if (key == "drawer") {
      if (!value.is_boolean()) return Status::InvalidArgument(where + " must be true or false");
      config.drawer = value.get<bool>();
    } else if (key == "shop_name") {
      if (!value.is_string()) return Status::InvalidArgument(where + " must be a string");
      config.shop_name = value.get<std::string>();
    } else if (key == "address" || key == "footer") {
      POS_ASSIGN_OR_RETURN(auto lines, Lines(value, where));
      (key == "address" ? config.address : config.footer) = std::move(lines);
    } else {
      return Status::InvalidArgument(where + " is not a known key (printer, columns, drawer, display, shop_name, "
                                             "address, footer)");
    }
  }
  if (config.drawer && !config.printer) {
    return Status::InvalidArgument(source + ": \"drawer\" needs a \"printer\" (the drawer is kicked through it)");
  }
  return config;
}

Result<PeripheralConfig> LoadPeripheralConfig(const std::string& data_dir) {
  const auto path = std::filesystem::path(data_dir) / kPeripheralConfigFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return PeripheralConfig{};
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return ParsePeripheralConfig(text.str(), path.string());
}

}  // namespace pos
