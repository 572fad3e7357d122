#include "tools/pos/secret_input.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

Result<std::string> ReadSecretFromFd(int fd, std::string_view what) {
  constexpr size_t kMaxSecretBytes = 4096;
  if (fd < 0) return Status::InvalidArgument("a file descriptor is a number from 0");
  std::string secret;
  bool any = false;
  while (secret.size() <= kMaxSecretBytes) {
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::InvalidArgument("cannot read the " + std::string(what) + " from file descriptor " +
                                     std::to_string(fd) + ": " + std::strerror(errno) +
                                     " (open it in the shell, e.g. `3<file`)");
    }
    if (n == 0 || c == '\n') {
      any |= n == 1;
      break;
    }
    any = true;
    secret.push_back(c);
  }
  if (secret.size() > kMaxSecretBytes) {
    return Status::InvalidArgument("the " + std::string(what) + " on file descriptor " + std::to_string(fd) +
                                   " is longer than " + std::to_string(kMaxSecretBytes) + " bytes");
  }
  if (!any) {
    return Status::InvalidArgument("expected the " + std::string(what) + " on file descriptor " + std::to_string(fd) +
                                   ", found nothing");
  }
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  return secret;
}

}  // namespace pos::cli
