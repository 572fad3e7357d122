// The till's ZeroMQ connection to its hub: a DEALER socket with CURVE, the hub's
// public key pinned at `pos sync join`. A hub that does not hold the secret key of
// the pinned public key never completes the handshake, so nothing is exchanged.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "engine/status.h"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace pos::sync {

struct HubEndpoint {
  std::string address;          // e.g. "tcp://10.0.0.2:7400"
  std::string hub_public_key;   // Z85, pinned
  std::string till_public_key;  // Z85
  std::string till_secret_key;  // Z85
};

// Checks the address and keys before anything connects.
Status CheckHubEndpoint(const HubEndpoint& hub);
Result<std::unique_ptr<zmq::socket_t>> ConnectToHub(zmq::context_t& context, const HubEndpoint& hub);
// Sends one message on a fresh connection and returns the first message the hub
// answers within `timeout` (kUnavailable when none comes).
Result<std::string> HubRequest(const HubEndpoint& hub, const std::string& request, std::chrono::milliseconds timeout);

}  // namespace pos::sync
