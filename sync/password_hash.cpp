#include "sync/password_hash.h"

#include <charconv>

#include "engine/pin_hash.h"

namespace pos {

Result<std::string> HashPassword(std::string_view password, int iterations) {
  return HashSecret(password, iterations);
}

bool VerifyPassword(std::string_view password, std::string_view stored_hash) {
  return VerifySecret(password, stored_hash);
}

Result<PasswordHashParameters> ParsePasswordHash(std::string_view stored_hash) {
  const size_t first = stored_hash.find('$');
  const size_t second = first == std::string_view::npos ? first : stored_hash.find('$', first + 1);
  if (second == std::string_view::npos) {
    return Status::Corruption("a stored password hash is not of the form algorithm$iterations$salt$hash");
  }
  PasswordHashParameters parameters;
  parameters.algorithm = std::string(stored_hash.substr(0, first));
  const std::string_view count = stored_hash.substr(first + 1, second - first - 1);
  auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), parameters.iterations);
  if (error != std::errc() || end != count.data() + count.size() || parameters.iterations < 1) {
    return Status::Corruption("a stored password hash has no valid iteration count");
  }
  return parameters;
}

}  // namespace pos
