// Hub account passwords as salted, slow hashes: PBKDF2-HMAC-SHA256 on OpenSSL,
// the same scheme as till PINs (engine/pin_hash.h), with more iterations.
//
// Stored form (algorithm and iteration count beside the hash, so the count can
// grow later without invalidating stored hashes):
//   "pbkdf2-sha256$<iterations>$<16-byte salt, hex>$<32-byte hash, hex>"
// The plain password is never stored, logged or printed.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos {

// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
inline constexpr int kPasswordIterations = 600000;

Result<std::string> HashPassword(std::string_view password, int iterations = kPasswordIterations);
// False for a wrong password or a malformed stored hash; constant-time comparison.
bool VerifyPassword(std::string_view password, std::string_view stored_hash);

struct PasswordHashParameters {
  std::string algorithm;  // "pbkdf2-sha256"
  int iterations = 0;
};
// The algorithm and iteration count of a stored hash; kCorruption when malformed.
Result<PasswordHashParameters> ParsePasswordHash(std::string_view stored_hash);

}  // namespace pos
