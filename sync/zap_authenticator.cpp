#include "sync/zap_authenticator.h"

#include <chrono>
#include <vector>

#include "sync/curve_keys.h"

namespace pos {
namespace {

constexpr std::chrono::milliseconds kPollInterval{100};
// Request frames after REP strips the envelope: version, request id, domain,
// address, identity (routing id), mechanism, credentials...
constexpr size_t kRequestFrames = 6;

std::string Text(const zmq::message_t& frame) { return std::string(frame.data<char>(), frame.size()); }

// One ZMTP metadata property: name length (1 byte), name, value length (u32 big-endian), value.
std::string MetadataProperty(std::string_view name, std::string_view value) {
  std::string bytes(1, static_cast<char>(name.size()));
  bytes.append(name);
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((value.size() >> shift) & 0xFF));
  bytes.append(value);
  return bytes;
}

}  // namespace

ZapAuthenticator::ZapAuthenticator(zmq::socket_t socket, Identify identify)
    : socket_(std::move(socket)), identify_(std::move(identify)) {}

Result<std::unique_ptr<ZapAuthenticator>> ZapAuthenticator::Start(zmq::context_t& context, Identify identify) {
  if (!identify) return Status::InvalidArgument("the ZAP handler needs an identify function");
  try {
    zmq::socket_t socket(context, zmq::socket_type::rep);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(std::string(kZapEndpoint));
    std::unique_ptr<ZapAuthenticator> handler(new ZapAuthenticator(std::move(socket), std::move(identify)));
    handler->thread_ = std::thread([raw = handler.get()] { raw->Run(); });
    return handler;
  } catch (const zmq::error_t& e) {
    if (e.num() == EADDRINUSE) {
      return Status::AlreadyExists("a ZAP handler is already bound in this ZeroMQ context (" +
                                   std::string(kZapEndpoint) + ")");
    }
    return Status::Internal("starting the ZAP handler: " + std::string(e.what()));
  }
}

ZapAuthenticator::~ZapAuthenticator() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::optional<std::string> ZapAuthenticator::AccountOfUserId(std::string_view user_id) {
  if (!user_id.starts_with(kZapAccountUserPrefix) || user_id.size() == kZapAccountUserPrefix.size()) {
    return std::nullopt;
  }
  return std::string(user_id.substr(kZapAccountUserPrefix.size()));
}

void ZapAuthenticator::Run() {
  try {
    while (!stop_) {
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, kPollInterval);
      if ((item.revents & ZMQ_POLLIN) != 0) Answer();
    }
  } catch (const zmq::error_t&) {
    // ETERM: the context is shutting down; the handler ends with it.
  }
  socket_.close();
}

void ZapAuthenticator::Answer() {
  std::vector<zmq::message_t> request;
  do {
    zmq::message_t frame;
    if (!socket_.recv(frame, zmq::recv_flags::none)) return;
    request.push_back(std::move(frame));
  } while (request.back().more());

  std::string status_code = "200";
  std::string status_text = "OK";
  std::string user_id;
  std::string metadata;
  if (request.size() < kRequestFrames || Text(request[0]) != "1.0") {
    status_code = "500";
    status_text = "malformed ZAP request";
  } else if (Text(request[5]) != "CURVE") {
    status_code = "400";
    status_text = "this hub accepts only CURVE connections";
  } else if (request.size() != kRequestFrames + 1 || request[6].size() != 32) {
    status_code = "400";
    status_text = "malformed CURVE credential";
  } else {
    const std::string key = CurveKeyToZ85(Text(request[6]));
    std::optional<std::string> account = identify_(key);
    user_id = account ? std::string(kZapAccountUserPrefix) + *account : std::string(kZapPendingUser);
    metadata = MetadataProperty(kZapCurveKeyProperty, key);
  }
  const std::string request_id = request.size() > 1 ? Text(request[1]) : "";
  // Reply frames: version, request id, status code, status text, user id, metadata.
  socket_.send(zmq::buffer(std::string_view("1.0")), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(status_code), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(status_text), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(metadata), zmq::send_flags::none);
}

}  // namespace pos
