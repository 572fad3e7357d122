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

}  // namespace pos::cli
