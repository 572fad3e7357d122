// Where device bytes go: a file or device node, or a raw TCP printer port.
//
// Sink URIs (MakeSink):
//   file:/var/spool/pos/receipts.bin   a file (created, appended to) or a device node
//   file:///dev/usb/lp0                the same with an empty authority
//   /dev/usb/lp0, ./out.bin            a plain path: the same as file:
//   tcp:192.168.1.50:9100              raw TCP ("JetDirect", port 9100 on most printers)
//   tcp:[fe80::1]:9100                 an IPv6 literal in brackets
// A URI whose text before the first '/' contains ':' has a scheme; schemes other than
// file and tcp are refused, so a plain relative path must not look like "word:...".
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Delivers all of `bytes` or returns an error naming the destination. One call is one
  // unit for the device: a print job, a display frame.
  virtual Status Write(std::string_view bytes) = 0;
};

// Opens `path` for each Write with O_WRONLY | O_APPEND | O_CREAT (mode 0644), writes
// every byte (retrying short writes and EINTR) and closes it again, so a printer that
// was unplugged and replugged or a log rotated between jobs is picked up.
class FileSink final : public ByteSink {
 public:
  explicit FileSink(std::string path) : path_(std::move(path)) {}
  Status Write(std::string_view bytes) override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Connects to host:port for each Write (the connect waits at most connect_timeout,
// sending at most io_timeout per blocking send), sends every byte, closes. Connection
// failures are Unavailable, naming host:port.
class TcpSink final : public ByteSink {
 public:
  TcpSink(std::string host, uint16_t port,
          std::chrono::milliseconds connect_timeout = std::chrono::seconds(2),
          std::chrono::milliseconds io_timeout = std::chrono::seconds(10))
      : host_(std::move(host)), port_(port), connect_timeout_(connect_timeout), io_timeout_(io_timeout) {}
  Status Write(std::string_view bytes) override;
  // "host:port", "[v6 literal]:port": how messages name the destination.
  std::string Endpoint() const;

 private:
  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds io_timeout_;
};

// Parses a sink URI (see the top of this file). Malformed URIs, unknown schemes, a tcp
// URI without a port or with a port outside 1..65535 are InvalidArgument naming the URI.
Result<std::unique_ptr<ByteSink>> MakeSink(std::string_view uri);

}  // namespace pos
