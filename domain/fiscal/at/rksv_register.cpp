#include "domain/fiscal/at/rksv_register.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "domain/fiscal/atomic_file.h"
#include "engine/bytes.h"

namespace pos::fiscal::at {
namespace {

constexpr const char* kConfigFile = "register.json";
constexpr int kFormat = 1;
constexpr int kCertificateDays = 3650;

std::string PathIn(const std::string& dir, const std::string& name) { return dir + "/" + name; }

uint64_t RandomSerial() {
  const std::string bytes = RandomBytes(8);
  uint64_t value = bytes.size() == 8 ? ReadBigEndian64(bytes) : 1;
  value &= 0x7FFFFFFFFFFFFFFFull;  // positive, as X.509 serials must be
  return value == 0 ? 1 : value;
}

bool ValidIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == ':' || c == '/' || c == '+';
}

}  // namespace

Status RksvRegister::ValidateOptions(const RksvInitOptions& options) {
  if (options.register_id.empty()) return Status::InvalidArgument("--register-id (Kassen-ID) is required");
  for (char c : options.register_id) {
    if (!ValidIdChar(c)) {
      return Status::InvalidArgument("register id '" + options.register_id + "' contains '" + std::string(1, c) +
                                     "'; use letters, digits, '-', '.', ':' (never '_', the receipt's separator)");
    }
  }
  const std::string& company = options.company_id;
  if (company.size() < 3 || (company.substr(0, 2) != "U:" && company.substr(0, 2) != "S:" &&
                             company.substr(0, 2) != "G:")) {
    return Status::InvalidArgument("company id '" + company +
                                   "' must be U:<UID> (e.g. U:ATU12345678), S:<Steuernummer> or G:<GLN>");
  }
  for (char c : company) {
    if (c == '_') return Status::InvalidArgument("company id '" + company + "' must not contain '_'");
  }
  if (options.counter_bytes < 5 || options.counter_bytes > 8) {
    return Status::InvalidArgument("--counter-bytes must be 5 to 8, not " + std::to_string(options.counter_bytes));
  }
  if (options.devices < 1 || options.devices > 16) {
    return Status::InvalidArgument("--devices must be 1 to 16, not " + std::to_string(options.devices));
  }
  if (!options.zda_id.empty()) {
    const bool closed_id = options.zda_id == "AT0";
    if (!options.zda_id.starts_with("AT") || options.zda_id.size() < 3) {
      return Status::InvalidArgument("ZDA id '" + options.zda_id + "' is not AT<n>");
    }
    if (closed_id == options.open_system) {
      return Status::InvalidArgument(options.open_system ? "an open system needs a ZDA id other than AT0"
                                                         : "a closed system uses ZDA id AT0");
    }
  }
  if (!options.aes_key_base64.empty()) {
    auto key = Base64Decode(options.aes_key_base64, "the AES key");
    if (!key.ok()) return key.status();
    if (key->size() != 32) {
      return Status::InvalidArgument("the AES key has " + std::to_string(key->size()) + " bytes; AES-256 needs 32");
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<RksvRegister>> RksvRegister::Create(const std::string& dir, const RksvInitOptions& options) {
  POS_RETURN_IF_ERROR(ValidateOptions(options));
  std::error_code ec;
  if (std::filesystem::exists(PathIn(dir, kConfigFile), ec)) {
    return Status::AlreadyExists("an RKSV register already exists in " + dir);
  }
  POS_RETURN_IF_ERROR(EnsureDirectory(dir));
  std::unique_ptr<RksvRegister> reg(new RksvRegister());
  reg->dir_ = dir;
  reg->register_id_ = options.register_id;
  reg->company_id_ = options.company_id;
  reg->open_system_ = options.open_system;
  reg->zda_id_ = !options.zda_id.empty() ? options.zda_id : (options.open_system ? "AT100" : "AT0");
  reg->counter_bytes_ = options.counter_bytes;
  reg->utc_clock_ = options.utc_clock;
  if (options.aes_key_base64.empty()) {
    reg->aes_key_ = RandomBytes(32);
    if (reg->aes_key_.size() != 32) return Status::Internal("no random bytes for the AES key");
  } else {
    POS_ASSIGN_OR_RETURN(reg->aes_key_, Base64Decode(options.aes_key_base64, "the AES key"));
  }
  if (reg->open_system_) {
    POS_ASSIGN_OR_RETURN(Pkey ca_key, GenerateP256Key());
    POS_ASSIGN_OR_RETURN(std::string ca_cert, MakeCertificate(ca_key, ca_key, "POS engine stand-in ZDA (not a ZDA)",
                                                              "POS engine stand-in ZDA (not a ZDA)", RandomSerial(),
                                                              kCertificateDays));
    POS_ASSIGN_OR_RETURN(std::string ca_pem, PrivateKeyPem(ca_key));
    POS_RETURN_IF_ERROR(WriteFileAtomically(PathIn(dir, "ca.key.pem"), ca_pem, 0600));
    POS_RETURN_IF_ERROR(WriteFileAtomically(PathIn(dir, "ca.crt"), ca_cert, 0644));
  }
  for (int i = 0; i < options.devices; ++i) {
    POS_RETURN_IF_ERROR(reg->AddDevice().status());
  }
  POS_RETURN_IF_ERROR(reg->Save());
  return reg;
}

Result<std::unique_ptr<RksvRegister>> RksvRegister::Open(const std::string& dir) {
  POS_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(PathIn(dir, kConfigFile)));
  const std::string where = PathIn(dir, kConfigFile);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption(where + " is not a JSON object");
  auto str = [&](const char* key) -> Result<std::string> {
    if (!j.contains(key) || !j[key].is_string()) return Status::Corruption(where + ": \"" + key + "\" is missing");
    return j[key].get<std::string>();
  };
  if (!j.contains("format") || j["format"] != kFormat) {
    return Status::Corruption(where + ": unknown format (this program reads format " + std::to_string(kFormat) + ")");
  }
  std::unique_ptr<RksvRegister> reg(new RksvRegister());
  reg->dir_ = dir;
  POS_ASSIGN_OR_RETURN(reg->register_id_, str("register_id"));
  POS_ASSIGN_OR_RETURN(reg->company_id_, str("company_id"));
  POS_ASSIGN_OR_RETURN(reg->zda_id_, str("zda_id"));
  POS_ASSIGN_OR_RETURN(std::string system, str("system"));
  POS_ASSIGN_OR_RETURN(std::string aes, str("aes_key"));
  POS_ASSIGN_OR_RETURN(std::string zone, str("time_zone"));
  reg->open_system_ = system == "open";
  reg->utc_clock_ = zone == "utc";
  auto key = Base64Decode(aes, "the AES key");
  if (!key.ok() || key->size() != 32) return Status::Corruption(where + ": \"aes_key\" is not 32 bytes in base64");
  reg->aes_key_ = *key;
  if (!j.contains("counter_bytes") || !j["counter_bytes"].is_number_integer()) {
    return Status::Corruption(where + ": \"counter_bytes\" is missing");
  }
  reg->counter_bytes_ = j["counter_bytes"].get<int>();
  if (reg->counter_bytes_ < 5 || reg->counter_bytes_ > 8) return Status::Corruption(where + ": bad counter_bytes");
  if (!j.contains("devices") || !j["devices"].is_array() || j["devices"].empty()) {
    return Status::Corruption(where + ": \"devices\" is missing or empty");
  }
  for (const auto& d : j["devices"]) {
    if (!d.is_object() || !d.contains("key_id") || !d["key_id"].is_string() || !d.contains("key_file") ||
        !d["key_file"].is_string()) {
      return Status::Corruption(where + ": a device lacks key_id or key_file");
    }
    reg->devices_.push_back({d["key_id"].get<std::string>(), d["key_file"].get<std::string>(),
                             d.value("certificate_file", std::string()), d.value("failed", false)});
  }
  reg->active_device_ = j.value("active_device", size_t{0});
  if (reg->active_device_ >= reg->devices_.size()) return Status::Corruption(where + ": active_device out of range");
  return reg;
}

Status RksvRegister::Save() const {
  nlohmann::json devices = nlohmann::json::array();
  for (const RksvDevice& d : devices_) {
    devices.push_back(
        {{"key_id", d.key_id}, {"key_file", d.key_file}, {"certificate_file", d.certificate_file}, {"failed", d.failed}});
  }
  nlohmann::json j = {{"format", kFormat},
                      {"register_id", register_id_},
                      {"company_id", company_id_},
                      {"system", open_system_ ? "open" : "closed"},
                      {"zda_id", zda_id_},
                      {"counter_bytes", counter_bytes_},
                      {"aes_key", Base64Encode(aes_key_)},
                      {"time_zone", utc_clock_ ? "utc" : "local"},
                      {"active_device", active_device_},
                      {"devices", devices}};
  return WriteFileAtomically(PathIn(dir_, kConfigFile), j.dump(2) + "\n", 0600);
}

Result<size_t> RksvRegister::AddDevice() {
  const size_t index = devices_.size();
  POS_ASSIGN_OR_RETURN(Pkey key, GenerateP256Key());
  POS_ASSIGN_OR_RETURN(std::string pem, PrivateKeyPem(key));
  RksvDevice device;
  device.key_file = "device-" + std::to_string(index) + ".key.pem";
  POS_RETURN_IF_ERROR(WriteFileAtomically(PathIn(dir_, device.key_file), pem, 0600));
  if (open_system_) {
    POS_ASSIGN_OR_RETURN(std::string ca_pem, ReadWholeFile(PathIn(dir_, "ca.key.pem")));
    POS_ASSIGN_OR_RETURN(Pkey ca_key, PrivateKeyFromPem(ca_pem));
    const uint64_t serial = RandomSerial();
    POS_ASSIGN_OR_RETURN(std::string cert,
                         MakeCertificate(key, ca_key, register_id_ + " signature device " + std::to_string(index + 1),
                                         "POS engine stand-in ZDA (not a ZDA)", serial, kCertificateDays));
    device.certificate_file = "device-" + std::to_string(index) + ".crt";
    POS_RETURN_IF_ERROR(WriteFileAtomically(PathIn(dir_, device.certificate_file), cert, 0644));
    POS_ASSIGN_OR_RETURN(device.key_id, CertificateSerialHex(cert));
  } else {
    device.key_id = company_id_ + "-K" + std::to_string(index + 1);
  }
  devices_.push_back(device);
  if (Status saved = Save(); !saved.ok()) {
    devices_.pop_back();
    return saved;
  }
  return index;
}

Status RksvRegister::CheckIndex(size_t index) const {
  if (index >= devices_.size()) {
    return Status::NotFound("the register has no signature device " + std::to_string(index) + " (it has " +
                            std::to_string(devices_.size()) + ", numbered from 0)");
  }
  return Status::Ok();
}

Status RksvRegister::SelectDevice(size_t index) {
  POS_RETURN_IF_ERROR(CheckIndex(index));
  if (index == active_device_) return Status::Ok();
  const size_t before = active_device_;
  active_device_ = index;
  Status saved = Save();
  if (!saved.ok()) active_device_ = before;
  return saved;
}

Status RksvRegister::SetDeviceFailed(size_t index, bool failed) {
  POS_RETURN_IF_ERROR(CheckIndex(index));
  if (devices_[index].failed == failed) return Status::Ok();
  const bool before = devices_[index].failed;
  devices_[index].failed = failed;
  Status saved = Save();
  if (!saved.ok()) devices_[index].failed = before;
  return saved;
}

Result<std::string> RksvRegister::PublicKeyDer(size_t index) const {
  POS_RETURN_IF_ERROR(CheckIndex(index));
  POS_ASSIGN_OR_RETURN(std::string pem, ReadWholeFile(PathIn(dir_, devices_[index].key_file)));
  POS_ASSIGN_OR_RETURN(Pkey key, PrivateKeyFromPem(pem));
  return fiscal::PublicKeyDer(key);
}

Result<std::string> RksvRegister::CertificateDer(size_t index) const {
  POS_RETURN_IF_ERROR(CheckIndex(index));
  if (devices_[index].certificate_file.empty()) return std::string();
  return ReadWholeFile(PathIn(dir_, devices_[index].certificate_file));
}

Result<std::vector<std::string>> RksvRegister::CaCertificatesDer() const {
  std::vector<std::string> out;
  if (!open_system_) return out;
  POS_ASSIGN_OR_RETURN(std::string ca, ReadWholeFile(PathIn(dir_, "ca.crt")));
  out.push_back(std::move(ca));
  return out;
}

Result<std::string> RksvRegister::Sign(size_t index, std::string_view signing_input) {
  POS_RETURN_IF_ERROR(CheckIndex(index));
  const RksvDevice& device = devices_[index];
  if (device.failed) {
    return Status::Unavailable("signature device " + std::to_string(index) + " (" + device.key_id + ") has failed");
  }
  auto pem = ReadWholeFile(PathIn(dir_, device.key_file));
  if (!pem.ok()) {
    return Status::Unavailable("signature device " + std::to_string(index) + " cannot read its key: " +
                               pem.status().message());
  }
  auto key = PrivateKeyFromPem(*pem);
  if (!key.ok()) {
    return Status::Unavailable("signature device " + std::to_string(index) + ": " + key.status().message());
  }
  return SignEs256(*key, signing_input);
}

}  // namespace pos::fiscal::at
