// ZmqCommandServer: the command API's transport on a ZeroMQ ROUTER socket.
//
// Frames: [identity][empty][request] in, [identity][empty][reply] out (what a REQ
// socket, or a DEALER that sends an empty delimiter frame first, produces). The
// handler turns request bytes into reply bytes; it runs on the thread that calls
// Serve(), one request at a time. A message of any other shape is answered with
// the bytes `framing_error` makes of the reason (or dropped when it is empty).
// Messages above the transport limit (1 MiB) make ZeroMQ drop the connection.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace pos {

class ZmqCommandServer {
 public:
  using Handler = std::function<std::string(std::string_view request)>;
  using FramingError = std::function<std::string(std::string_view reason)>;

  static constexpr int64_t kTransportLimitBytes = 1024 * 1024;

  // Binds a ROUTER socket to `endpoint` ("tcp://127.0.0.1:5555", "ipc:///path/api.sock").
  static Result<std::unique_ptr<ZmqCommandServer>> Bind(const std::string& endpoint, Handler handler,
                                                        FramingError framing_error = {});
  ~ZmqCommandServer();
  ZmqCommandServer(const ZmqCommandServer&) = delete;
  ZmqCommandServer& operator=(const ZmqCommandServer&) = delete;

  // The bound endpoint as ZeroMQ reports it (a tcp port 0 or '*' resolved).
  const std::string& endpoint() const { return endpoint_; }

  // Serves requests until Stop(); returns the error that ended it, if any.
  Status Serve();
  // Makes Serve() return within about 100 ms. Thread-safe.
  void Stop() { stop_.store(true); }

 private:
  ZmqCommandServer(Handler handler, FramingError framing_error);
  void HandleOneMessage();

  Handler handler_;
  FramingError framing_error_;
  std::unique_ptr<zmq::context_t> context_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
};

}  // namespace pos
