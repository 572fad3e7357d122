#include "adapters/device_sinks.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace pos {
namespace {

constexpr std::string_view kUriForms = "expected file:/path, tcp:host:port or a plain path";

std::string ErrnoText(int error) { return std::error_code(error, std::generic_category()).message(); }

// Owns a file descriptor; closes it once.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now and reports the error close() returned (0 when none).
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// Writes every byte to a blocking descriptor. Returns 0 or the errno that stopped it.
int WriteAll(int fd, std::string_view bytes, bool socket) {
  while (!bytes.empty()) {
    const ssize_t n = socket ? ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL)
                             : ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

using Clock = std::chrono::steady_clock;

// Connects a non-blocking socket to one address by `deadline`. Returns 0, ETIMEDOUT or
// the connect error; on success the socket is switched back to blocking.
int ConnectBy(int fd, const addrinfo& address, Clock::time_point deadline) {
  if (::connect(fd, address.ai_addr, address.ai_addrlen) == 0) {
    // Connected at once (loopback): fall through to clearing O_NONBLOCK.
  } else if (errno != EINPROGRESS && errno != EINTR) {
    return errno;
  } else {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return ETIMEDOUT;
      pollfd p{fd, POLLOUT, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return errno;
      if (ready == 0) return ETIMEDOUT;
      break;
    }
    int error = 0;
    socklen_t size = sizeof(error);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return errno;
    if (error != 0) return error;
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) return errno;
  return 0;
}

Result<uint16_t> ParsePort(std::string_view text, std::string_view uri) {
  auto bad = [&] {
    return Status::InvalidArgument("sink URI '" + std::string(uri) + "' has no valid port (1..65535); " +
                                   "expected tcp:host:port, e.g. tcp:192.168.1.50:9100");
  };
  if (text.empty() || text.size() > 5) return bad();
  uint32_t port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad();
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) return bad();
  return static_cast<uint16_t>(port);
}

Result<std::unique_ptr<ByteSink>> MakeTcpSink(std::string_view rest, std::string_view uri) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("sink URI '" + std::string(uri) + "' " + std::string(why) +
                                   "; expected tcp:host:port, e.g. tcp:192.168.1.50:9100 or tcp:[::1]:9100");
  };
  std::string_view host;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed '['");
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (after.empty() || after.front() != ':') return bad("has no port");
    port_text = after.substr(1);
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad("has no port");
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("has an IPv6 address without brackets");
  }
  if (host.empty()) return bad("has no host");
  POS_ASSIGN_OR_RETURN(const uint16_t port, ParsePort(port_text, uri));
  return std::unique_ptr<ByteSink>(std::make_unique<TcpSink>(std::string(host), port));
}

}  // namespace

Status FileSink::Write(std::string_view bytes) {
  Fd fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    return Status::IoError("cannot open " + path_ + " for writing: " + ErrnoText(errno) +
                           "; check that the device is connected and the path and its permissions");
  }
  if (const int error = WriteAll(fd.get(), bytes, /*socket=*/false); error != 0) {
    return Status::IoError("writing " + std::to_string(bytes.size()) + " bytes to " + path_ +
                           " failed: " + ErrnoText(error));
  }
  if (const int error = fd.Close(); error != 0) {
    return Status::IoError("closing " + path_ + " after writing failed: " + ErrnoText(error));
  }
  return Status::Ok();
}

std::string TcpSink::Endpoint() const {
  const std::string port = std::to_string(port_);
  return host_.find(':') != std::string::npos ? "[" + host_ + "]:" + port : host_ + ":" + port;
}

Status TcpSink::Write(std::string_view bytes) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port_);
  if (const int rc = ::getaddrinfo(host_.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Status::Unavailable("cannot resolve printer host " + Endpoint() + ": " + ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);

  // One deadline for all addresses the name resolves to (e.g. ::1 and 127.0.0.1).
  const Clock::time_point deadline = Clock::now() + connect_timeout_;
  int last_error = EHOSTUNREACH;
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (fd.get() < 0) {
      last_error = errno;
      continue;
    }
    last_error = ConnectBy(fd.get(), *a, deadline);
    if (last_error == ETIMEDOUT) break;
    if (last_error != 0) continue;

    timeval send_timeout{};
    send_timeout.tv_sec = static_cast<time_t>(io_timeout_.count() / 1000);
    send_timeout.tv_usec = static_cast<suseconds_t>((io_timeout_.count() % 1000) * 1000);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
    if (const int error = WriteAll(fd.get(), bytes, /*socket=*/true); error != 0) {
      const bool timed_out = error == EAGAIN || error == EWOULDBLOCK;
      return Status::Unavailable("sending " + std::to_string(bytes.size()) + " bytes to printer at " + Endpoint() +
                                 " failed: " + (timed_out ? std::string("timed out") : ErrnoText(error)));
    }
    ::shutdown(fd.get(), SHUT_WR);
    if (const int error = fd.Close(); error != 0) {
      return Status::Unavailable("closing the connection to " + Endpoint() + " failed: " + ErrnoText(error));
    }
    return Status::Ok();
  }
  const std::string why = last_error == ETIMEDOUT
                              ? "no answer within " + std::to_string(connect_timeout_.count()) + " ms"
                              : ErrnoText(last_error);
  return Status::Unavailable("cannot connect to " + Endpoint() + ": " + why +
                             "; check that the device is switched on and reachable");
}

Result<std::unique_ptr<ByteSink>> MakeSink(std::string_view uri) {
  if (uri.empty()) return Status::InvalidArgument(std::string("empty sink URI; ") + std::string(kUriForms));
  const size_t colon = uri.find(':');
  const size_t slash = uri.find('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon)) {
    return std::unique_ptr<ByteSink>(std::make_unique<FileSink>(std::string(uri)));
  }
  const std::string_view scheme = uri.substr(0, colon);
  std::string_view rest = uri.substr(colon + 1);
  if (scheme == "file") {
    if (rest.substr(0, 2) == "//") {
      rest.remove_prefix(2);
      if (rest.empty() || rest.front() != '/') {
        return Status::InvalidArgument("sink URI '" + std::string(uri) +
                                       "' names a host; file URIs take a local path, e.g. file:/dev/usb/lp0");
      }
    }
    if (rest.empty()) {
      return Status::InvalidArgument("sink URI '" + std::string(uri) + "' has no path; e.g. file:/dev/usb/lp0");
    }
    return std::unique_ptr<ByteSink>(std::make_unique<FileSink>(std::string(rest)));
  }
  if (scheme == "tcp") return MakeTcpSink(rest, uri);
  return Status::InvalidArgument("sink URI '" + std::string(uri) + "' has unknown scheme '" + std::string(scheme) +
                                 "'; " + std::string(kUriForms));
}

}  // namespace pos
