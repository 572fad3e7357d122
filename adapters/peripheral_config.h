// The till's peripherals, configured in <data dir>/peripherals.json:
//
//   {
//     "printer":  "file:/var/spool/pos/receipts.bin",   // or "tcp:192.0.2.10:9100", or a device path
//     "columns":  42,                                    // 24..64 characters per line
//     "drawer":   true,                                  // kick the cash drawer (via the printer) on cash payments
//     "display":  "file:/run/pos/display.txt",           // the 2 x 20 customer display sink
//     "shop_name": "Café Example",
//     "address":  ["Hauptstraße 1", "10115 Berlin"],
//     "footer":   ["Thank you for your visit!"]
//   }
//
// Every key is optional; without the file the till has no peripherals. Unknown
// keys and wrong types are errors naming the key, so a typo never silently
// switches a printer off.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pos {

struct PeripheralConfig {
  std::optional<std::string> printer;
  int columns = 42;
  bool drawer = false;
  std::optional<std::string> display;
  std::string shop_name;
  std::vector<std::string> address;
  std::vector<std::string> footer;
};

inline constexpr const char* kPeripheralConfigFile = "peripherals.json";

// Reads <data_dir>/peripherals.json; an absent file is an empty config.
Result<PeripheralConfig> LoadPeripheralConfig(const std::string& data_dir);
// Parses the JSON text; `source` names it in errors.
Result<PeripheralConfig> ParsePeripheralConfig(const std::string& text, const std::string& source);

}  // namespace pos
