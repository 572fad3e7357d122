// Reading a PIN or password without it ever being a command-line argument.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos::cli {

// With from_stdin: one line of standard input. Otherwise the terminal is asked,
// without echo, showing `prompt`; without a terminal that is an error telling
// the user about `stdin_flag`.
Result<std::string> ReadSecret(std::string_view prompt, bool from_stdin,
                               std::string_view stdin_flag = "--pin-stdin");

// One line read from the open file descriptor `fd` (e.g. --password-fd 3 with
// `3<file`): the bytes up to the first '\n' (a trailing '\r' dropped) or to the
// end. The descriptor is read byte by byte, so nothing after that line is consumed.
// `what` names the secret in errors ("password").
Result<std::string> ReadSecretFromFd(int fd, std::string_view what);

}  // namespace pos::cli
