#include "adapters/zmq_command_server.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <zmq.hpp>

namespace pos {
namespace {

constexpr int kPollMillis = 100;
constexpr size_t kMaxFramesKept = 4;  // more than that is malformed anyway; the rest is drained

std::string AsString(const zmq::message_t& frame) {
  return std::string(static_cast<const char*>(frame.data()), frame.size());
}

}  // namespace

ZmqCommandServer::ZmqCommandServer(AsyncHandler handler, FramingError framing_error)
    : handler_(std::move(handler)), framing_error_(std::move(framing_error)), outbox_(std::make_shared<Outbox>()) {}

ZmqCommandServer::~ZmqCommandServer() {
  socket_.reset();   // closes before the context terminates
  context_.reset();
  std::lock_guard lock(outbox_->mutex);
  if (outbox_->wake_fd >= 0) ::close(outbox_->wake_fd);
  outbox_->wake_fd = -1;  // late responders find no server
}

Result<std::unique_ptr<ZmqCommandServer>> ZmqCommandServer::Bind(const std::string& endpoint, Handler handler,
                                                                 FramingError framing_error) {
  return BindAsync(
      endpoint,
      [handler = std::move(handler)](std::string_view request, Responder respond) { respond(handler(request)); },
      std::move(framing_error));
}

Result<std::unique_ptr<ZmqCommandServer>> ZmqCommandServer::BindAsync(const std::string& endpoint,
                                                                      AsyncHandler handler,
                                                                      FramingError framing_error) {
  std::unique_ptr<ZmqCommandServer> server(new ZmqCommandServer(std::move(handler), std::move(framing_error)));
  server->outbox_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (server->outbox_->wake_fd < 0) {
    return Status::Unavailable(std::string("cannot create the reply wake-up for ") + endpoint + ": " +
                               std::strerror(errno));
  }
  try {
    server->context_ = std::make_unique<zmq::context_t>(1);
    server->socket_ = std::make_unique<zmq::socket_t>(*server->context_, zmq::socket_type::router);
    server->socket_->set(zmq::sockopt::linger, 0);
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
      zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}, {nullptr, outbox_->wake_fd, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, std::chrono::milliseconds(kPollMillis));
      if (items[1].revents & ZMQ_POLLIN) {
        uint64_t ignored = 0;
        (void)!::read(outbox_->wake_fd, &ignored, sizeof(ignored));
      }
      SendReadyReplies();
      // A bounded burst, so replies keep flowing while requests pour in.
      for (int i = 0; i < 64 && HandleOneMessage(); ++i) {
      }
      SendReadyReplies();
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      if (e.num() == ETERM) break;
      return Status::IoError(std::string("command server on ") + endpoint_ + ": " + e.what());
    }
  }
  return Status::Ok();
}

bool ZmqCommandServer::HandleOneMessage() {
  std::vector<zmq::message_t> frames;
  size_t total_frames = 0;
  bool more = true;
  while (more) {
    zmq::message_t frame;
    // The first part may be absent; the others of a multipart message are there already.
    if (!socket_->recv(frame, total_frames == 0 ? zmq::recv_flags::dontwait : zmq::recv_flags::none)) {
      return total_frames != 0;
    }
    more = frame.more();
    ++total_frames;
    if (frames.size() < kMaxFramesKept) frames.push_back(std::move(frame));
  }
  std::string identity = AsString(frames[0]);
  if (total_frames == 3 && frames[1].size() == 0) {
    std::weak_ptr<Outbox> outbox = outbox_;
    handler_(std::string_view(static_cast<const char*>(frames[2].data()), frames[2].size()),
             [outbox, identity](std::string reply) {
               auto box = outbox.lock();
               if (box == nullptr || reply.empty()) return;
               std::lock_guard lock(box->mutex);
               if (box->wake_fd < 0) return;
               box->replies.push_back(ReadyReply{identity, std::move(reply)});
               const uint64_t one = 1;
               (void)!::write(box->wake_fd, &one, sizeof(one));
             });
  } else if (framing_error_) {
    std::string reason = "expected the frames [empty delimiter][request] after the identity, got " +
                         std::to_string(total_frames - 1) + " frame(s)";
    if (total_frames >= 2 && frames[1].size() != 0) reason += " without the empty delimiter";
    std::string reply = framing_error_(reason);
    if (!reply.empty()) Send(identity, reply);
  }
  return true;
}

void ZmqCommandServer::SendReadyReplies() {
  std::deque<ReadyReply> ready;
  {
    std::lock_guard lock(outbox_->mutex);
    ready.swap(outbox_->replies);
  }
  for (const ReadyReply& r : ready) Send(r.identity, r.reply);
}

void ZmqCommandServer::Send(const std::string& identity, const std::string& reply) {
  socket_->send(zmq::buffer(identity), zmq::send_flags::sndmore);
  socket_->send(zmq::message_t(), zmq::send_flags::sndmore);
  socket_->send(zmq::buffer(reply), zmq::send_flags::none);
}

}  // namespace pos
