#include "engine/pin_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

#include "engine/bytes.h"

namespace pos {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltSize = 16;
constexpr size_t kHashSize = 32;

bool Derive(std::string_view secret, std::string_view salt, int iterations, std::string& out) {
  out.assign(kHashSize, '\0');
  return PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                           reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                           iterations, EVP_sha256(), static_cast<int>(kHashSize),
                           reinterpret_cast<unsigned char*>(out.data())) == 1;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

Result<std::string> HashSecret(std::string_view secret, int iterations) {
  if (iterations < 1) return Status::InvalidArgument("PBKDF2 iterations must be positive");
  std::string salt(kSaltSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1) {
    return Status::Internal("the OpenSSL random generator failed to make a salt");
  }
  std::string hash;
  if (!Derive(secret, salt, iterations, hash)) return Status::Internal("PBKDF2 failed in OpenSSL");
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + ToHex(salt) + "$" + ToHex(hash);
}

bool VerifySecret(std::string_view secret, std::string_view encoded) {
  const auto parts = Split(encoded, '$');
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  int iterations = 0;
  auto [end, error] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (error != std::errc() || end != parts[1].data() + parts[1].size() || iterations < 1) return false;
  auto salt = FromHex(parts[2]);
  auto expected = FromHex(parts[3]);
  if (!salt || !expected || expected->size() != kHashSize) return false;
  std::string actual;
  if (!Derive(secret, *salt, iterations, actual)) return false;
  return CRYPTO_memcmp(actual.data(), expected->data(), kHashSize) == 0;
}

}  // namespace pos
