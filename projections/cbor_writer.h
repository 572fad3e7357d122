// CborWriter: writes CBOR (RFC 8949) items straight into a byte string, for
// projection records that are read back with nlohmann::json::from_cbor.
//
// Only what the records use: unsigned and signed integers (shortest head),
// text strings, booleans, and definite-length arrays and maps (the caller
// announces the item count, then writes that many items, or key/value pairs).
// It builds no document tree, so encoding a record costs one growing string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pos {

class CborWriter {
 public:
  explicit CborWriter(std::string& out) : out_(out) {}

  void Unsigned(uint64_t value) { Head(0, value); }
  void Signed(int64_t value) {
    if (value >= 0) {
      Head(0, static_cast<uint64_t>(value));
    } else {
      Head(1, static_cast<uint64_t>(-(value + 1)));  // -1 - n, without overflow at INT64_MIN
    }
  }
  void Text(std::string_view text) {
    Head(3, text.size());
    out_.append(text);
  }
  void Bool(bool value) { out_.push_back(static_cast<char>(value ? 0xf5 : 0xf4)); }
  void Array(uint64_t items) { Head(4, items); }
  void Map(uint64_t pairs) { Head(5, pairs); }

  // One map entry with a text key.
  void Key(std::string_view key) { Text(key); }

 private:
  // The initial byte (major type, additional information) and the argument in
  // the shortest form: inline below 24, else 1, 2, 4 or 8 bytes big-endian.
  void Head(uint8_t major, uint64_t argument) {
    const auto type = static_cast<uint8_t>(major << 5);
    if (argument < 24) {
      out_.push_back(static_cast<char>(type | argument));
    } else if (argument <= 0xff) {
      out_.push_back(static_cast<char>(type | 24));
      Big(argument, 1);
    } else if (argument <= 0xffff) {
      out_.push_back(static_cast<char>(type | 25));
      Big(argument, 2);
    } else if (argument <= 0xffffffff) {
      out_.push_back(static_cast<char>(type | 26));
      Big(argument, 4);
    } else {
      out_.push_back(static_cast<char>(type | 27));
      Big(argument, 8);
    }
  }
  void Big(uint64_t value, int bytes) {
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(value >> shift));
  }

  std::string& out_;
};

}  // namespace pos
