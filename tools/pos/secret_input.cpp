#include "tools/pos/secret_input.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace pos::cli {

Result<std::string> ReadSecret(std::string_view prompt, bool from_stdin, std::string_view stdin_flag) {
  std::string secret;
  if (from_stdin) {
    if (!std::getline(std::cin, secret)) {
      return Status::InvalidArgument("expected the " + std::string(prompt) + " on standard input, found nothing");
    }
    return secret;
  }
  if (isatty(STDIN_FILENO) != 1) {
    return Status::InvalidArgument("no terminal to ask for the " + std::string(prompt) +
                                   "; pass it on standard input with " + std::string(stdin_flag));
  }
  std::cerr << prompt << ": " << std::flush;
  termios old_mode{};
  tcgetattr(STDIN_FILENO, &old_mode);
  termios quiet = old_mode;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::getline(std::cin, secret);
  tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  std::cerr << "\n";
  return secret;
}

}  // namespace pos::cli
