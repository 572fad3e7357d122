#include "adapters/zmq_command_server.h"

#include <cerrno>
#include <vector>

#include <zmq.hpp>

namespace pos {
namespace {

constexpr int kPollMillis = 100;
constexpr size_t kMaxFramesKept = 4;  // more than that is malformed anyway; the rest is drained

}  // namespace

ZmqCommandServer::ZmqCommandServer(Handler handler, FramingError framing_error)
    : handler_(std::move(handler)), framing_error_(std::move(framing_error)) {}

ZmqCommandServer::~ZmqCommandServer() {
  socket_.reset();   // closes before the context terminates
  context_.reset();
}

Result<std::unique_ptr<ZmqCommandServer>> ZmqCommandServer::Bind(const std::string& endpoint, Handler handler,
                                                                 FramingError framing_error) {
  std::unique_ptr<ZmqCommandServer> server(new ZmqCommandServer(std::move(handler), std::move(framing_error)));
  try {
    server->context_ = std::make_unique<zmq::context_t>(1);
    server->socket_ = std::make_unique<zmq::socket_t>(*server->context_, zmq::socket_type::router);
    server->socket_->set(zmq::sockopt::linger, 0);
    server->socket_->set(zmq::sockopt::rcvtimeo, kPollMillis);
    server->socket_->set(zmq::sockopt::sndtimeo, 1000);
    server->socket_->set(zmq::sockopt::maxmsgsize, kTransportLimitBytes);
    server->socket_->bind(endpoint);
    server->endpoint_ = server->socket_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot listen on " + endpoint + ": " + e.what());
  }
  return server;
}

Status ZmqCommandServer::Serve() {
  while (!stop_.load()) {
    try {
      HandleOneMessage();
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      if (e.num() == ETERM) break;
      return Status::IoError(std::string("command server on ") + endpoint_ + ": " + e.what());
    }
  }
  return Status::Ok();
}

void ZmqCommandServer::HandleOneMessage() {
  std::vector<zmq::message_t> frames;
  size_t total_frames = 0;
  bool more = true;
  while (more) {
    zmq::message_t frame;
    // The first part waits up to kPollMillis; the others of a multipart message are there already.
    if (!socket_->recv(frame, zmq::recv_flags::none)) return;  // nothing arrived in this poll interval
    more = frame.more();
    ++total_frames;
    if (frames.size() < kMaxFramesKept) frames.push_back(std::move(frame));
  }
  if (frames.empty()) return;

  std::string reply;
  if (total_frames == 3 && frames[1].size() == 0) {
    reply = handler_(std::string_view(static_cast<const char*>(frames[2].data()), frames[2].size()));
  } else if (framing_error_) {
    std::string reason = "expected the frames [empty delimiter][request] after the identity, got " +
                         std::to_string(total_frames - 1) + " frame(s)";
    if (total_frames >= 2 && frames[1].size() != 0) reason += " without the empty delimiter";
    reply = framing_error_(reason);
  }
  if (reply.empty()) return;  // dropped
  socket_->send(frames[0], zmq::send_flags::sndmore);
  socket_->send(zmq::message_t(), zmq::send_flags::sndmore);
  socket_->send(zmq::buffer(reply), zmq::send_flags::none);
}

}  // namespace pos
