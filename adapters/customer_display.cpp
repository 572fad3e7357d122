#include "adapters/customer_display.h"

#include <vector>

#include "domain/money.h"

namespace pos {
namespace {

// Splits UTF-8 into characters, each one code point's bytes. A malformed byte and any
// control character (C0, DEL, C1) becomes "?", TAB a space.
std::vector<std::string> Characters(std::string_view utf8) {
  std::vector<std::string> chars;
  size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    size_t length = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if (lead < 0x80) {
      length = 1, cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, cp = lead & 0x1Fu, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, cp = lead & 0x0Fu, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, cp = lead & 0x07u, min = 0x10000;
    }
    bool valid = length != 0 && i + length <= utf8.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const auto b = static_cast<unsigned char>(utf8[i + k]);
      valid = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (valid && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) valid = false;
    if (!valid) {
      chars.emplace_back("?");
      ++i;
      continue;
    }
    if (cp == '\t') {
      chars.emplace_back(" ");
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      chars.emplace_back("?");
    } else {
      chars.emplace_back(utf8.substr(i, length));
    }
    i += length;
  }
  return chars;
}

size_t CharacterCount(std::string_view utf8) { return Characters(utf8).size(); }

// Exactly `width` characters: cut after the width-th, padded with spaces on the right
// (left-aligned) or on the left (right-aligned).
std::string Fit(std::string_view utf8, size_t width, bool right_aligned) {
  std::vector<std::string> chars = Characters(utf8);
  if (chars.size() > width) chars.resize(width);
  std::string text;
  for (const auto& c : chars) text += c;
  const std::string padding(width - chars.size(), ' ');
  return right_aligned ? padding + text : text + padding;
}

}  // namespace

std::string CustomerDisplay::AmountText(int64_t amount) const {
  const std::string money = FormatMoney(amount);
  if (!options_.currency.empty()) {
    std::string with_currency = money + " " + options_.currency;
    if (CharacterCount(with_currency) <= kColumns) return with_currency;
  }
  if (money.size() <= kColumns) return money;
  return std::string(kColumns, '#');
}

std::string CustomerDisplay::Frame(std::string_view top_left, std::string_view bottom_right) const {
  return Fit(top_left, kColumns, false) + "\n" + Fit(bottom_right, kColumns, true) + "\n";
}

Status CustomerDisplay::Show(std::string_view top_left, std::string_view bottom_right) {
  return sink_.Write(Frame(top_left, bottom_right)).WithContext("customer display");
}

Status CustomerDisplay::ShowLine(std::string_view name, int64_t amount) { return Show(name, AmountText(amount)); }

Status CustomerDisplay::ShowTotal(int64_t total) { return Show(options_.total_label, AmountText(total)); }

Status CustomerDisplay::ShowChange(int64_t change) { return Show(options_.change_label, AmountText(change)); }

Status CustomerDisplay::Clear() { return Show("", ""); }

}  // namespace pos
