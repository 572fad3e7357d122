// SHA-256 on OpenSSL. Digest is the 32 raw bytes.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace pos {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);

}  // namespace pos
