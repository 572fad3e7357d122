#include "sync/hub_connection.h"

#include <zmq.hpp>

#include "sync/sync_wire.h"

namespace pos::sync {
namespace {

Result<std::string> DecodeKey(const std::string& z85, std::string_view what) {
  if (z85.size() != 40) {
    return Status::InvalidArgument(std::string(what) + " must be a 40-character Z85 CURVE key, got " +
                                   std::to_string(z85.size()) + " characters");
  }
  std::string binary(32, '\0');
  if (zmq_z85_decode(reinterpret_cast<uint8_t*>(binary.data()), z85.c_str()) == nullptr) {
    return Status::InvalidArgument(std::string(what) + " is not valid Z85 text");
  }
  return binary;
}

}  // namespace

Status CheckHubEndpoint(const HubEndpoint& hub) {
  if (hub.address.rfind("tcp://", 0) != 0 && hub.address.rfind("ipc://", 0) != 0) {
    return Status::InvalidArgument("the hub address '" + hub.address +
                                   "' is not a ZeroMQ endpoint like tcp://10.0.0.2:7400");
  }
  POS_RETURN_IF_ERROR(DecodeKey(hub.hub_public_key, "the hub key").status());
  POS_RETURN_IF_ERROR(DecodeKey(hub.till_public_key, "the till's public key").status());
  POS_RETURN_IF_ERROR(DecodeKey(hub.till_secret_key, "the till's secret key").status());
  return Status::Ok();
}

Result<std::unique_ptr<zmq::socket_t>> ConnectToHub(zmq::context_t& context, const HubEndpoint& hub) {
  POS_RETURN_IF_ERROR(CheckHubEndpoint(hub));
  POS_ASSIGN_OR_RETURN(std::string server_key, DecodeKey(hub.hub_public_key, "the hub key"));
  POS_ASSIGN_OR_RETURN(std::string public_key, DecodeKey(hub.till_public_key, "the till's public key"));
  POS_ASSIGN_OR_RETURN(std::string secret_key, DecodeKey(hub.till_secret_key, "the till's secret key"));
  try {
    auto socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
    socket->set(zmq::sockopt::linger, 0);
    socket->set(zmq::sockopt::maxmsgsize, kMaxMessageBytes);
    socket->set(zmq::sockopt::sndhwm, 64);
    socket->set(zmq::sockopt::reconnect_ivl, 200);
    socket->set(zmq::sockopt::reconnect_ivl_max, 2000);
    socket->set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server_key.data(), server_key.size()));
    socket->set(zmq::sockopt::curve_publickey, zmq::const_buffer(public_key.data(), public_key.size()));
    socket->set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret_key.data(), secret_key.size()));
    socket->connect(hub.address);
    return socket;
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot connect to the hub at " + hub.address + ": " + e.what());
  }
}

Result<std::string> HubRequest(const HubEndpoint& hub, const std::string& request, std::chrono::milliseconds timeout) {
  zmq::context_t context(1);
  POS_ASSIGN_OR_RETURN(std::unique_ptr<zmq::socket_t> socket, ConnectToHub(context, hub));
  try {
    socket->send(zmq::buffer(request), zmq::send_flags::none);
    zmq::pollitem_t item{socket->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, timeout);
    zmq::message_t reply;
    if ((item.revents & ZMQ_POLLIN) == 0 || !socket->recv(reply, zmq::recv_flags::dontwait)) {
      return Status::Unavailable("no answer from the hub at " + hub.address + " within " +
                                 std::to_string(timeout.count() / 1000) +
                                 " s: it is down or unreachable, or it does not hold the key " + hub.hub_public_key +
                                 " (check --hub-key against `pos hub serve`'s output)");
    }
    return reply.to_string();
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("talking to the hub at " + hub.address + ": " + e.what());
  }
}

}  // namespace pos::sync
