#include "engine/machine_fingerprint.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/bytes.h"
#include "engine/sha256.h"

namespace pos {
namespace {

std::string ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ' || value.back() == '\r')) value.pop_back();
  return value;
}

}  // namespace

Result<MachineIdentity> ReadMachineIdentity() {
  std::string source;
  std::string machine_id;
  if (const char* override_file = std::getenv("POS_MACHINE_ID_FILE"); override_file != nullptr && *override_file) {
    source = override_file;
    machine_id = ReadTrimmed(source);
    if (machine_id.empty()) {
      return Status::NotFound("POS_MACHINE_ID_FILE names " + source + ", which is missing or empty");
    }
  } else {
    for (const char* candidate : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
      machine_id = ReadTrimmed(candidate);
      if (!machine_id.empty()) {
        source = candidate;
        break;
      }
    }
    if (machine_id.empty()) {
      return Status::NotFound("this machine has no machine id (/etc/machine-id); create one with systemd-machine-id-setup");
    }
  }
  const std::string product_uuid = ReadTrimmed("/sys/class/dmi/id/product_uuid");
  const Sha256Digest digest = Sha256("pos-machine-v1\n" + machine_id + "\n" + product_uuid);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return MachineIdentity{ToHex(std::span<const uint8_t>(digest)), std::string(host) + " (machine id from " + source + ")"};
}

}  // namespace pos
