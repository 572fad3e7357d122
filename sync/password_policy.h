// The rules a hub account's name and password must satisfy (docs/sync.md,
// "Accounts and security").
//
// Account name: the form of an e-mail address, local@domain: 3..254 bytes,
// exactly one '@'; the local part 1..64 bytes of letters, digits and
// !#$%&'*+/=?^_`{|}~.- with no leading, trailing or doubled '.'; the domain
// two or more dot-separated labels of letters, digits and '-' (1..63 bytes,
// not starting or ending with '-'). ASCII only; case is kept as given.
//
// Password: at least 8 characters (UTF-8 code points), at least one upper case
// letter A-Z, one lower case letter a-z, one digit 0-9 and one of the special
// characters ! § $ % & = + * # - . : , ; < > (§ is U+00A7, two bytes in UTF-8);
// no white space of any kind. The error names every rule that is broken.
#pragma once

#include <string_view>

#include "engine/status.h"

namespace pos {

// The special characters a password must contain one of, as UTF-8.
inline constexpr std::string_view kPasswordSpecialCharacters = "!§$%&=+*#-.:,;<>";
inline constexpr size_t kMinPasswordLength = 8;

Status CheckAccountName(std::string_view name);
Status CheckPassword(std::string_view password);

}  // namespace pos
