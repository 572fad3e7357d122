// Salted, slow hashes of PINs and passwords (PBKDF2-HMAC-SHA256 on OpenSSL).
//
// Format: "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>", 16-byte salt,
// 32-byte hash. The plain secret is never stored.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos {

inline constexpr int kDefaultPinIterations = 60000;

Result<std::string> HashSecret(std::string_view secret, int iterations = kDefaultPinIterations);
// False for a wrong secret or a malformed hash string; compares in constant time.
bool VerifySecret(std::string_view secret, std::string_view encoded);

}  // namespace pos
