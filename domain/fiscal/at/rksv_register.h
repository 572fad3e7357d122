// RksvRegister: an Austrian register's fiscal identity and its software signature
// devices (Signaturerstellungseinheiten), kept in <data>/rksv:
//
//   register.json      {"format":1, "register_id", "company_id", "system": "closed"|"open",
//                       "zda_id", "counter_bytes": 5..8, "aes_key": base64 (32 bytes),
//                       "time_zone": "local"|"utc", "active_device": index,
//                       "devices": [{"key_id", "key_file", "certificate_file", "failed"}]}
//                      written atomically (mode 0600: it holds the AES key)
//   device-<n>.key.pem the device's ECDSA P-256 private key, PKCS#8 PEM, mode 0600
//   device-<n>.crt     open system: its DER X.509 certificate (a stand-in, signed by ca.crt)
//   ca.key.pem, ca.crt open system: the stand-in certification authority
//
// A closed system names its keys "<company id>-K<n>" (n from 1) and uses ZDA id AT0;
// an open system names each key by its certificate's serial number (hex).
// "failed" simulates a broken device (pos rksv device fail|recover); a key file
// that cannot be read is a failure too. Either way Sign() returns kUnavailable.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "domain/fiscal/at/rksv_crypto.h"
#include "engine/status.h"

namespace pos::fiscal::at {

struct RksvInitOptions {
  std::string register_id;        // Kassen-ID: letters, digits, '-', '.', ':' (no '_')
  std::string company_id;         // "U:ATU12345678", "S:…" (Steuernummer) or "G:…" (GLN)
  bool open_system = false;
  std::string zda_id;             // default "AT0" closed, "AT100" open (stand-in certificates)
  int counter_bytes = 8;          // 5..8
  std::string aes_key_base64;     // empty: a fresh random key
  int devices = 1;                // signature devices to create
  bool utc_clock = false;         // receipts show UTC instead of the system's local time
};

struct RksvDevice {
  std::string key_id;
  std::string key_file;          // relative to the directory
  std::string certificate_file;  // "" for a closed system
  bool failed = false;
};

class RksvRegister {
 public:
  // Creates the directory and its keys; kAlreadyExists if `dir` holds a register.
  static Result<std::unique_ptr<RksvRegister>> Create(const std::string& dir, const RksvInitOptions& options);
  static Result<std::unique_ptr<RksvRegister>> Open(const std::string& dir);
  static Status ValidateOptions(const RksvInitOptions& options);

  const std::string& dir() const { return dir_; }
  const std::string& register_id() const { return register_id_; }
  const std::string& company_id() const { return company_id_; }
  bool open_system() const { return open_system_; }
  const std::string& zda_id() const { return zda_id_; }
  int counter_bytes() const { return counter_bytes_; }
  const std::string& aes_key() const { return aes_key_; }  // 32 raw bytes
  bool utc_clock() const { return utc_clock_; }
  size_t active_device() const { return active_device_; }
  const std::vector<RksvDevice>& devices() const { return devices_; }

  // Adds a device (a fresh key; a certificate in an open system); returns its index.
  Result<size_t> AddDevice();
  Status SelectDevice(size_t index);
  Status SetDeviceFailed(size_t index, bool failed);

  // The device's public key (DER SPKI), certificate (DER, "" closed) and CA chain (DER).
  Result<std::string> PublicKeyDer(size_t index) const;
  Result<std::string> CertificateDer(size_t index) const;
  Result<std::vector<std::string>> CaCertificatesDer() const;

  // ES256 over `signing_input` with device `index`: R||S (64 bytes).
  // kUnavailable when the device failed (simulated, or its key is unreadable).
  Result<std::string> Sign(size_t index, std::string_view signing_input);

 private:
  RksvRegister() = default;
  Status Save() const;
  Status CheckIndex(size_t index) const;

  std::string dir_;
  std::string register_id_, company_id_, zda_id_;
  bool open_system_ = false;
  int counter_bytes_ = 8;
  std::string aes_key_;
  bool utc_clock_ = false;
  size_t active_device_ = 0;
  std::vector<RksvDevice> devices_;
};

}  // namespace pos::fiscal::at
