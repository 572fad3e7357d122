#include "sync/password_policy.h"

#include <string>
#include <vector>

namespace pos {
namespace {

bool IsAsciiLetterOrDigit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsLocalPartCharacter(char c) {
  return IsAsciiLetterOrDigit(c) || std::string_view("!#$%&'*+/=?^_`{|}~.-").find(c) != std::string_view::npos;
}

// Empty when the domain label is acceptable, else why not.
std::string CheckDomainLabel(std::string_view label) {
  if (label.empty()) return "the domain has an empty label (two dots in a row, or a dot at either end)";
  if (label.size() > 63) return "the domain label '" + std::string(label) + "' is longer than 63 characters";
  if (label.front() == '-' || label.back() == '-') {
    return "the domain label '" + std::string(label) + "' starts or ends with '-'";
  }
  for (char c : label) {
    if (!IsAsciiLetterOrDigit(c) && c != '-') {
      return "the domain may hold only letters, digits, '-' and '.', not '" + std::string(1, c) + "'";
    }
  }
  return "";
}

// Decodes one UTF-8 code point at `text[i]`, advancing i; U+FFFD for a malformed sequence.
char32_t NextCodePoint(std::string_view text, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > text.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t code = length == 1 ? lead : lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  i += length;
  return code;
}

bool IsWhiteSpace(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool IsSpecial(char32_t c) {
  if (c == 0xA7) return true;  // §
  return c < 0x80 && std::string_view("!$%&=+*#-.:,;<>").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string JoinRules(const std::vector<std::string>& rules) {
  std::string text;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) text += i + 1 == rules.size() ? " and " : ", ";
    text += rules[i];
  }
  return text;
}

}  // namespace

Status CheckAccountName(std::string_view name) {
  const auto refuse = [&](const std::string& why) {
    return Status::InvalidArgument("account name '" + std::string(name) +
                                   "' is not of the form of an e-mail address (like kasse@example.com): " + why);
  };
  if (name.empty()) return refuse("it is empty");
  if (name.size() > 254) return refuse("it is longer than 254 characters");
  const size_t at = name.find('@');
  if (at == std::string_view::npos) return refuse("it has no '@'");
  if (name.find('@', at + 1) != std::string_view::npos) return refuse("it has more than one '@'");
  const std::string_view local = name.substr(0, at);
  const std::string_view domain = name.substr(at + 1);
  if (local.empty()) return refuse("nothing before the '@'");
  if (local.size() > 64) return refuse("the part before the '@' is longer than 64 characters");
  for (char c : local) {
    if (!IsLocalPartCharacter(c)) {
      const unsigned char byte = static_cast<unsigned char>(c);
      return refuse(byte < 0x21 || byte > 0x7E ? "the part before the '@' holds a space or a non-ASCII character"
                                                : "the part before the '@' holds '" + std::string(1, c) + "'");
    }
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return refuse("the part before the '@' starts or ends with '.' or has two dots in a row");
  }
  if (domain.empty()) return refuse("nothing after the '@'");
  if (domain.find('.') == std::string_view::npos) return refuse("the domain '" + std::string(domain) + "' has no '.'");
  size_t start = 0;
  while (true) {
    const size_t dot = domain.find('.', start);
    const std::string why = CheckDomainLabel(domain.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (!why.empty()) return refuse(why);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return Status::Ok();
}

Status CheckPassword(std::string_view password) {
  size_t length = 0;
  bool upper = false, lower = false, digit = false, special = false, space = false, malformed = false;
  for (size_t i = 0; i < password.size();) {
    const char32_t c = NextCodePoint(password, i);
    ++length;
    upper |= c >= 'A' && c <= 'Z';
    lower |= c >= 'a' && c <= 'z';
    digit |= c >= '0' && c <= '9';
    special |= IsSpecial(c);
    space |= IsWhiteSpace(c);
    malformed |= c == 0xFFFD;
  }
  std::vector<std::string> broken;
  if (length < kMinPasswordLength) {
    broken.push_back("at least " + std::to_string(kMinPasswordLength) + " characters (it has " +
                     std::to_string(length) + ")");
  }
  if (!upper) broken.push_back("an upper case letter (A-Z)");
  if (!lower) broken.push_back("a lower case letter (a-z)");
  if (!digit) broken.push_back("a digit (0-9)");
  if (!special) broken.push_back("one of the special characters " + std::string(kPasswordSpecialCharacters));
  std::string message;
  if (!broken.empty()) message = "the password needs " + JoinRules(broken);
  if (space) message += std::string(message.empty() ? "the password" : "; it") + " must not contain spaces";
  if (malformed) message += std::string(message.empty() ? "the password" : "; it") + " is not valid UTF-8";
  if (message.empty()) return Status::Ok();
  return Status::InvalidArgument(message);
}

}  // namespace pos
