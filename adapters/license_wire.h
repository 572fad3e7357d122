// The license server's wire messages (adapters/license_protocol.fbs) and the
// server itself: request bytes in, reply bytes out, on its own event store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/licensing/license_server_state.h"
#include "engine/event_store.h"
#include "engine/status.h"

namespace pos::lic {

inline constexpr size_t kMaxLicenseMessageBytes = 256 * 1024;

struct SeatHolder {
  std::string seat_id, node_name, fingerprint, description;
  bool excess = false;
};

// A verified Reply, copied out of its buffer.
struct LicenseReply {
  uint64_t request_id = 0;
  bool ok = false;
  std::string error_code, error_message;
  std::string license_id, customer, expires;
  uint32_t seats = 0, used = 0, available = 0;
  std::string seat_id, node_id, fingerprint;
  std::vector<SeatHolder> holders;

  // Ok, or the refusal as a Status (code parsed back from its name).
  Status status() const;
};

std::string ActivateRequest(const licensing::ActivationRequest& request);
std::string DeactivateRequest(std::string_view customer, std::string_view node_id, std::string_view fingerprint);
std::string StatusRequest();
std::string LoadLicenseRequest(std::string_view license_text);
std::string ReleaseRequest(std::string_view token_text);

// Verifies `bytes` as a Reply ("PLIR") and copies it out.
Result<LicenseReply> ParseReply(std::string_view bytes);
// Whether `bytes` verify as a Request ("PLIQ").
bool IsRequest(std::string_view bytes);

// The license server: decides each request on its store, appends (durable before
// the reply), answers. Not thread-safe: one request at a time.
class LicenseServer {
 public:
  // `vendor_public_key_pem` verifies license files and release tokens.
  LicenseServer(EventStore& store, std::string vendor_public_key_pem);
  // Never fails: malformed requests get an error reply.
  std::string Handle(std::string_view request_bytes);

 private:
  EventStore& store_;
  std::string vendor_key_;
};

}  // namespace pos::lic
