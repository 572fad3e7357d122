// ZmqCommandServer: the command API's transport on a ZeroMQ ROUTER socket.
//
// Frames: [identity][empty][request] in, [identity][empty][reply] out (what a REQ
// socket, or a DEALER that sends an empty delimiter frame first, produces). A
// message of any other shape is answered with the bytes `framing_error` makes of
// the reason (or dropped when it is empty). Messages above the transport limit
// (1 MiB) make ZeroMQ drop the connection.
//
// Two kinds of handler: a Handler turns request bytes into reply bytes on the
// thread that calls Serve(), one request at a time. An AsyncHandler gets a
// Responder instead and may answer later from any thread, so many requests are
// in flight at once (the till daemon: the register pipelines them); the server
// thread sends each reply as soon as it is handed over. A Responder is called
// once; one never called leaves its client waiting for its own timeout.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
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
  using Responder = std::function<void(std::string reply)>;
  using AsyncHandler = std::function<void(std::string_view request, Responder respond)>;
  using FramingError = std::function<std::string(std::string_view reason)>;

  static constexpr int64_t kTransportLimitBytes = 1024 * 1024;

  // Binds a ROUTER socket to `endpoint` ("tcp://127.0.0.1:5555", "ipc:///path/api.sock").
  static Result<std::unique_ptr<ZmqCommandServer>> Bind(const std::string& endpoint, Handler handler,
                                                        FramingError framing_error = {});
  static Result<std::unique_ptr<ZmqCommandServer>> BindAsync(const std::string& endpoint, AsyncHandler handler,
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
  ZmqCommandServer(AsyncHandler handler, FramingError framing_error);
  // Takes one message if one is waiting; false when none was.
  bool HandleOneMessage();
  // Sends the replies handed over by responders.
  void SendReadyReplies();
  void Send(const std::string& identity, const std::string& reply);

  struct ReadyReply {
    std::string identity;
    std::string reply;
  };
  // Shared with responders, which may outlive the server.
  struct Outbox {
    std::mutex mutex;
    std::deque<ReadyReply> replies;
    int wake_fd = -1;  // an eventfd the server polls beside its socket
  };

  AsyncHandler handler_;
  FramingError framing_error_;
  std::shared_ptr<Outbox> outbox_;
  std::unique_ptr<zmq::context_t> context_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
};

}  // namespace pos
