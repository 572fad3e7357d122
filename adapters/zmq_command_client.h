// ZmqCommandClient: calls the command API of a `pos serve` daemon over ZeroMQ.
//
// A DEALER socket sends [empty][request] and waits for [empty][reply]. When no
// reply comes within the timeout the socket is closed and recreated on the next
// call (so a late reply can never be taken for the answer to a later request).
// One caller at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace pos {

class ZmqCommandClient {
 public:
  explicit ZmqCommandClient(std::string endpoint, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  ~ZmqCommandClient();
  ZmqCommandClient(const ZmqCommandClient&) = delete;
  ZmqCommandClient& operator=(const ZmqCommandClient&) = delete;

  const std::string& endpoint() const { return endpoint_; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  // Sends one request and returns the reply bytes; kUnavailable when the daemon
  // does not answer in time (the request may or may not have been carried out).
  Result<std::string> Call(std::string_view request);

 private:
  Status Connect();

  std::string endpoint_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<zmq::context_t> context_;
  std::unique_ptr<zmq::socket_t> socket_;
};

}  // namespace pos
