#include "adapters/zmq_command_client.h"

#include <vector>

#include <zmq.hpp>

namespace pos {

ZmqCommandClient::ZmqCommandClient(std::string endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

ZmqCommandClient::~ZmqCommandClient() {
  socket_.reset();
  context_.reset();
}

Status ZmqCommandClient::Connect() {
  try {
    if (!context_) context_ = std::make_unique<zmq::context_t>(1);
    socket_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::dealer);
    socket_->set(zmq::sockopt::linger, 0);
    socket_->connect(endpoint_);
  } catch (const zmq::error_t& e) {
    socket_.reset();
    return Status::Unavailable("cannot connect to " + endpoint_ + ": " + e.what());
  }
  return Status::Ok();
}

Result<std::string> ZmqCommandClient::Call(std::string_view request) {
  if (!socket_) POS_RETURN_IF_ERROR(Connect());
  try {
    socket_->set(zmq::sockopt::sndtimeo, static_cast<int>(timeout_.count()));
    socket_->set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout_.count()));
    if (!socket_->send(zmq::message_t(), zmq::send_flags::sndmore) ||
        !socket_->send(zmq::buffer(request.data(), request.size()), zmq::send_flags::none)) {
      socket_.reset();
      return Status::Unavailable("could not send to " + endpoint_ + " within " + std::to_string(timeout_.count()) +
                                 " ms");
    }
    std::vector<zmq::message_t> frames;
    bool more = true;
    while (more) {
      zmq::message_t frame;
      if (!socket_->recv(frame, zmq::recv_flags::none)) {
        socket_.reset();
        return Status::Unavailable("no reply from " + endpoint_ + " within " + std::to_string(timeout_.count()) +
                                   " ms");
      }
      more = frame.more();
      if (frames.size() < 3) frames.push_back(std::move(frame));
    }
    if (frames.size() != 2 || frames[0].size() != 0) {
      return Status::Corruption("malformed reply from " + endpoint_ + ": expected [empty][reply] frames");
    }
    return frames[1].to_string();
  } catch (const zmq::error_t& e) {
    socket_.reset();
    return Status::Unavailable("calling " + endpoint_ + ": " + e.what());
  }
}

}  // namespace pos
