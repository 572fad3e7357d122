// A node's ZeroMQ CURVE key pair, kept in a small text file beside its store.
//
// Convention: the hub's keys at HUB_DATA/curve.keys, a till's at TILL_DATA/curve.keys.
// File format (UTF-8 text, mode 0600, written atomically; lines end with '\n'):
//   # pos CURVE key pair (ZeroMQ CURVE, Z85). Secret: keep this file mode 0600.
//   public-key <40 Z85 characters>
//   secret-key <40 Z85 characters>
// Lines starting with '#' are comments. The public key must be the one the
// secret key derives (zmq_curve_public); anything else is a corrupt file, which
// is reported and never replaced.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos {

inline constexpr size_t kCurveKeyZ85Size = 40;
inline constexpr std::string_view kCurveKeysFileName = "curve.keys";

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};

// Loads the pair at `path`, or makes a new one (zmq_curve_keypair) and writes it
// there atomically when no file exists. A corrupt file is an error, never replaced.
Result<CurveKeyPair> LoadOrCreateCurveKeys(const std::string& path);
// Loads the pair at `path`; kNotFound when there is no file, kCorruption when it is malformed.
Result<CurveKeyPair> LoadCurveKeys(const std::string& path);

// Ok when `key` is 40 Z85 characters that decode to 32 bytes.
Status CheckCurveKeyZ85(std::string_view key);
// The 40-character Z85 text of a 32-byte binary key; "" when `binary` is not 32 bytes.
std::string CurveKeyToZ85(std::string_view binary);

}  // namespace pos
