// ZapAuthenticator: the hub's ZeroMQ authentication handler (ZAP 1.0, RFC 27)
// for CURVE connections.
//
// It binds a REP socket to inproc://zeromq.zap.01 in the given context, so it
// must be started before the hub binds its CURVE server socket there. For each
// request:
// - mechanism CURVE with a 32-byte client key: accepted ("200"), because an
//   unadmitted till must be able to connect to log in. The User-Id of the
//   connection is "account:<name>" when identify(key as Z85) knows the key,
//   else "pending". The hub reads it per message (zmq_msg_gets "User-Id") and
//   serves a "pending" peer nothing but the login. The User-Id is fixed when
//   the connection is made: after a login the hub either reads the message
//   property "X-Curve-Public-Key" (the client's key, Z85, set on every CURVE
//   connection) and asks HubAccounts::AccountOfKey, or the till reconnects.
// - any other mechanism, or a malformed credential: refused ("400").
// - a malformed request: answered "500" when it can be framed, else dropped.
// The handler thread stops in the destructor (within one poll interval).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <zmq.hpp>

#include "engine/status.h"

namespace pos {

inline constexpr std::string_view kZapEndpoint = "inproc://zeromq.zap.01";
inline constexpr std::string_view kZapPendingUser = "pending";
inline constexpr std::string_view kZapAccountUserPrefix = "account:";
// The connection metadata property holding the client's CURVE public key (Z85).
inline constexpr std::string_view kZapCurveKeyProperty = "X-Curve-Public-Key";

class ZapAuthenticator {
 public:
  // Returns the account of an admitted key, std::nullopt for an unknown one.
  // Called on the handler thread; must be thread-safe.
  using Identify = std::function<std::optional<std::string>(std::string_view client_public_key_z85)>;

  static Result<std::unique_ptr<ZapAuthenticator>> Start(zmq::context_t& context, Identify identify);
  ~ZapAuthenticator();
  ZapAuthenticator(const ZapAuthenticator&) = delete;
  ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

  // The account name in a User-Id this handler gave; std::nullopt for "pending" or anything else.
  static std::optional<std::string> AccountOfUserId(std::string_view user_id);

 private:
  ZapAuthenticator(zmq::socket_t socket, Identify identify);
  void Run();
  void Answer();

  zmq::socket_t socket_;
  Identify identify_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace pos
