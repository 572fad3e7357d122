#include "adapters/license_wire.h"

#include <cstring>
#include <memory>

#include <flatbuffers/flatbuffers.h>

#include "adapters/license_protocol_generated.h"
#include "engine/bytes.h"

namespace pos::lic {
namespace {

constexpr const char* kRequestId = "PLIQ";
constexpr const char* kReplyId = "PLIR";

// The bytes at an 8-byte aligned address, as the FlatBuffers verifier wants.
class Aligned {
 public:
  explicit Aligned(std::string_view bytes) : words_((bytes.size() + 7) / 8 + 1), size_(bytes.size()) {
    if (!bytes.empty()) std::memcpy(words_.data(), bytes.data(), bytes.size());
  }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words_.data()); }
  size_t size() const { return size_; }

 private:
  std::vector<uint64_t> words_;
  size_t size_;
};

template <typename Table>
bool Verify(const Aligned& bytes, const char* identifier) {
  if (bytes.size() < 8 || bytes.size() > kMaxLicenseMessageBytes) return false;
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), /*max_depth=*/16, /*max_tables=*/10000);
  return verifier.VerifyBuffer<Table>(identifier);
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : ""; }

std::string FinishRequest(flatbuffers::FlatBufferBuilder& fbb, Command type, flatbuffers::Offset<void> command) {
  fbb.Finish(CreateRequest(fbb, 1, type, command), kRequestId);
  return {reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()};
}

StatusCode CodeFromName(std::string_view name) {
  for (int c = static_cast<int>(StatusCode::kInvalidArgument); c <= static_cast<int>(StatusCode::kInternal); ++c) {
    if (StatusCodeName(static_cast<StatusCode>(c)) == name) return static_cast<StatusCode>(c);
  }
  return StatusCode::kInternal;
}

struct ReplyFields {
  uint64_t request_id = 0;
  Status status;
  std::string seat_id, node_id, fingerprint;
};

std::string BuildReply(const ReplyFields& f, const licensing::LicenseServerState* state) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<SeatInfo>> holders;
  std::string license_id, customer, expires;
  uint32_t seats = 0, used = 0, available = 0;
  if (state != nullptr) {
    for (const auto& seat : state->seats()) {
      holders.push_back(CreateSeatInfoDirect(fbb, seat.seat_id.c_str(), seat.node_name.c_str(),
                                             seat.fingerprint.c_str(), seat.description.c_str(), seat.excess));
    }
    if (state->license()) {
      license_id = state->license()->license_id;
      customer = state->license()->terms.customer;
      expires = state->license()->terms.expires;
      seats = state->license()->terms.seats;
    }
    used = state->used();
    available = state->available();
  }
  // The customer number is only shown to a caller that got through (not on a refusal).
  if (!f.status.ok()) customer.clear();
  auto reply = CreateReplyDirect(fbb, f.request_id, f.status.ok(),
                                 f.status.ok() ? "" : std::string(StatusCodeName(f.status.code())).c_str(),
                                 f.status.message().c_str(), license_id.c_str(), customer.c_str(), seats, used,
                                 available, expires.c_str(), f.seat_id.c_str(), f.node_id.c_str(),
                                 f.fingerprint.c_str(), &holders);
  fbb.Finish(reply, kReplyId);
  return {reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()};
}

}  // namespace

Status LicenseReply::status() const {
  if (ok) return Status::Ok();
  return Status(CodeFromName(error_code), error_message.empty() ? "refused by the license server" : error_message);
}

std::string ActivateRequest(const licensing::ActivationRequest& r) {
  flatbuffers::FlatBufferBuilder fbb;
  auto c = CreateActivateDirect(fbb, r.customer.c_str(), r.node_id.c_str(), r.node_name.c_str(),
                                r.fingerprint.c_str(), r.description.c_str());
  return FinishRequest(fbb, Command::Activate, c.Union());
}

std::string DeactivateRequest(std::string_view customer, std::string_view node_id, std::string_view fingerprint) {
  flatbuffers::FlatBufferBuilder fbb;
  auto c = CreateDeactivateDirect(fbb, std::string(customer).c_str(), std::string(node_id).c_str(),
                                  std::string(fingerprint).c_str());
  return FinishRequest(fbb, Command::Deactivate, c.Union());
}

std::string StatusRequest() {
  flatbuffers::FlatBufferBuilder fbb;
  return FinishRequest(fbb, Command::GetStatus, CreateGetStatus(fbb).Union());
}

std::string LoadLicenseRequest(std::string_view text) {
  flatbuffers::FlatBufferBuilder fbb;
  auto c = CreateLoadLicenseDirect(fbb, std::string(text).c_str());
  return FinishRequest(fbb, Command::LoadLicense, c.Union());
}

std::string ReleaseRequest(std::string_view text) {
  flatbuffers::FlatBufferBuilder fbb;
  auto c = CreateReleaseDirect(fbb, std::string(text).c_str());
  return FinishRequest(fbb, Command::Release, c.Union());
}

bool IsRequest(std::string_view bytes) { return Verify<Request>(Aligned(bytes), kRequestId); }

Result<LicenseReply> ParseReply(std::string_view bytes) {
  Aligned aligned(bytes);
  if (!Verify<Reply>(aligned, kReplyId)) {
    return Status::InvalidArgument("not a license server reply (malformed, or not a PLIR message)");
  }
  const Reply* r = flatbuffers::GetRoot<Reply>(aligned.data());
  LicenseReply out;
  out.request_id = r->request_id();
  out.ok = r->ok();
  out.error_code = Str(r->error_code());
  out.error_message = Str(r->error_message());
  out.license_id = Str(r->license_id());
  out.customer = Str(r->customer());
  out.expires = Str(r->expires());
  out.seats = r->seats();
  out.used = r->used();
  out.available = r->available();
  out.seat_id = Str(r->seat_id());
  out.node_id = Str(r->node_id());
  out.fingerprint = Str(r->fingerprint());
  if (r->holders()) {
    for (const auto* h : *r->holders()) {
      out.holders.push_back(
          {Str(h->seat_id()), Str(h->node_name()), Str(h->fingerprint()), Str(h->description()), h->excess()});
    }
  }
  return out;
}

LicenseServer::LicenseServer(EventStore& store, std::string vendor_public_key_pem)
    : store_(store), vendor_key_(std::move(vendor_public_key_pem)) {}

std::string LicenseServer::Handle(std::string_view request_bytes) {
  Aligned aligned(request_bytes);
  ReplyFields fields;
  if (!Verify<Request>(aligned, kRequestId)) {
    fields.status = Status::InvalidArgument("malformed request: not a verified license server request (PLIQ)");
    return BuildReply(fields, nullptr);
  }
  const Request* request = flatbuffers::GetRoot<Request>(aligned.data());
  fields.request_id = request->request_id();
  auto state = licensing::LicenseServerState::Load(store_);
  if (!state.ok()) {
    fields.status = state.status();
    return BuildReply(fields, nullptr);
  }
  auto append = [&](Result<AppendBatch> decision) -> Status {
    if (!decision.ok()) return decision.status();
    return store_.Append(std::move(decision).value()).status();
  };
  switch (request->command_type()) {
    case Command::Activate: {
      const auto* c = request->command_as_Activate();
      licensing::ActivationRequest a{Str(c->customer()), Str(c->node_id()), Str(c->node_name()),
                                     Str(c->fingerprint()), Str(c->description())};
      auto decision = state->DecideActivate(a, licensing::TodayUtc());
      if (!decision.ok()) {
        fields.status = decision.status();
        break;
      }
      if (decision->batch.has_value()) fields.status = store_.Append(std::move(*decision->batch)).status();
      if (fields.status.ok()) {
        fields.seat_id = decision->seat.seat_id;
        fields.node_id = a.node_id;
        fields.fingerprint = decision->seat.fingerprint;
      }
      break;
    }
    case Command::Deactivate: {
      const auto* c = request->command_as_Deactivate();
      fields.status = append(state->DecideDeactivate(Str(c->customer()), Str(c->node_id()), Str(c->fingerprint())));
      break;
    }
    case Command::GetStatus:
      break;
    case Command::LoadLicense: {
      auto license = licensing::ParseLicense(Str(request->command_as_LoadLicense()->license()), vendor_key_);
      fields.status = license.ok() ? append(state->DecideLoad(*license)) : license.status();
      break;
    }
    case Command::Release: {
      auto token = licensing::ParseReleaseToken(Str(request->command_as_Release()->token()), vendor_key_);
      fields.status = token.ok() ? append(state->DecideRelease(*token)) : token.status();
      break;
    }
    default:
      fields.status = Status::InvalidArgument("malformed request: unknown command");
      break;
  }
  auto after = licensing::LicenseServerState::Load(store_);
  return BuildReply(fields, after.ok() ? &*after : nullptr);
}

}  // namespace pos::lic
