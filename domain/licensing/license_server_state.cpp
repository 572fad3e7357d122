#include "domain/licensing/license_server_state.h"

#include <algorithm>

#include "domain/licensing/till_license.h"
#include "events/event_types.h"
#include "events/license_generated.h"

namespace pos::licensing {
namespace {

std::vector<uint8_t> Bytes(flatbuffers::FlatBufferBuilder& b) {
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : ""; }

}  // namespace

Result<LicenseServerState> LicenseServerState::Load(const EventStore& store) {
  LicenseServerState state;
  Status applied;
  POS_RETURN_IF_ERROR(store.ScanStream(kLicenseServerStream, 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    applied = event.ok() ? state.Apply(*event) : event.status();
    return applied.ok();
  }));
  POS_RETURN_IF_ERROR(applied);
  return state;
}

Status LicenseServerState::Apply(const EventView& event) {
  version_ = event.stream_version();
  auto erase = [this](const std::string& seat_id) {
    std::erase_if(seats_, [&](const Seat& s) { return s.seat_id == seat_id; });
  };
  switch (static_cast<EventType>(event.type())) {
    case EventType::kLicenseLoaded: {
      POS_ASSIGN_OR_RETURN(License license, LicenseFromEvent(event));
      license_ = std::move(license);
      for (auto& seat : seats_) seat.excess = false;
      break;
    }
    case EventType::kSeatActivated: {
      const auto* p = event.PayloadAs<fb::SeatActivated>();
      if (p == nullptr) return Status::Corruption("malformed SeatActivated event");
      erase(Str(p->seat_id()));
      seats_.push_back(Seat{Str(p->seat_id()), Str(p->node_name()), Str(p->fingerprint()), Str(p->description()),
                            false});
      break;
    }
    case EventType::kSeatDeactivated: {
      const auto* p = event.PayloadAs<fb::SeatDeactivated>();
      if (p == nullptr) return Status::Corruption("malformed SeatDeactivated event");
      erase(Str(p->seat_id()));
      break;
    }
    case EventType::kSeatReleased: {
      const auto* p = event.PayloadAs<fb::SeatReleased>();
      if (p == nullptr) return Status::Corruption("malformed SeatReleased event");
      erase(Str(p->seat_id()));
      used_tokens_.push_back(Str(p->token_id()));
      break;
    }
    case EventType::kSeatsOverAssigned: {
      const auto* p = event.PayloadAs<fb::SeatsOverAssigned>();
      if (p == nullptr) return Status::Corruption("malformed SeatsOverAssigned event");
      if (p->excess()) {
        for (const auto* id : *p->excess()) {
          for (auto& seat : seats_) {
            if (seat.seat_id == id->str()) seat.excess = true;
          }
        }
      }
      break;
    }
    default:
      break;
  }
  return Status::Ok();
}

uint32_t LicenseServerState::available() const {
  const uint32_t seats = license_ ? license_->terms.seats : 0;
  return seats > used() ? seats - used() : 0;
}

const Seat* LicenseServerState::Find(std::string_view seat_id) const {
  for (const auto& seat : seats_) {
    if (seat.seat_id == seat_id) return &seat;
  }
  return nullptr;
}

std::string LicenseServerState::Holders() const {
  std::string out;
  for (const auto& seat : seats_) {
    if (!out.empty()) out += "; ";
    out += "seat " + seat.seat_id + " held by " + seat.node_name + " (fingerprint " + seat.fingerprint.substr(0, 16) +
           "…)" + (seat.excess ? " [over-assigned]" : "");
  }
  return out.empty() ? "none" : out;
}

AppendBatch LicenseServerState::Batch() const {
  AppendBatch batch;
  batch.stream = std::string(kLicenseServerStream);
  batch.expected_version = version_;
  batch.user = "license-server";
  return batch;
}

Result<AppendBatch> LicenseServerState::DecideLoad(const License& license) const {
  if (license_.has_value()) {
    if (license_->terms.customer != license.terms.customer) {
      return Status::FailedPrecondition("this server serves customer " + license_->terms.customer +
                                        "; a license of customer " + license.terms.customer +
                                        " belongs on another server");
    }
    if (license_->license_id == license.license_id) {
      return Status::AlreadyExists("license " + license.license_id + " is loaded already");
    }
  }
  AppendBatch batch = Batch();
  batch.events.push_back({EventType::kLicenseLoaded, EncodeLicenseLoaded(license)});
  if (used() > license.terms.seats) {
    // The most recently activated seats beyond the count are the excess.
    std::vector<std::string> excess;
    for (size_t i = license.terms.seats; i < seats_.size(); ++i) excess.push_back(seats_[i].seat_id);
    flatbuffers::FlatBufferBuilder b;
    auto id = b.CreateString(license.license_id);
    auto list = b.CreateVectorOfStrings(excess);
    b.Finish(fb::CreateSeatsOverAssigned(b, id, license.terms.seats, used(), list));
    batch.events.push_back({EventType::kSeatsOverAssigned, Bytes(b)});
  }
  return batch;
}

Result<SeatDecision> LicenseServerState::DecideActivate(const ActivationRequest& request,
                                                        std::string_view today) const {
  if (!license_.has_value()) return Status::FailedPrecondition("the license server has no license loaded");
  if (request.customer != license_->terms.customer) return Status::PermissionDenied("customer number is wrong");
  if (Expired(license_->terms, today)) {
    return Status::FailedPrecondition("license " + license_->license_id + " expired on " + license_->terms.expires);
  }
  if (request.node_id.empty() || request.fingerprint.empty()) {
    return Status::InvalidArgument("an activation needs the till's node id and hardware fingerprint");
  }
  if (const Seat* seat = Find(request.node_id)) {
    if (seat->fingerprint == request.fingerprint) return SeatDecision{std::nullopt, *seat};
    return Status::FailedPrecondition("seat " + seat->seat_id + " of " + seat->node_name +
                                      " is bound to other hardware (fingerprint " + seat->fingerprint.substr(0, 16) +
                                      "…); deactivate it there first, or ask the vendor for a release token");
  }
  const uint32_t seats = license_->terms.seats;
  if (used() > seats) {
    return Status::FailedPrecondition(
        "the license is over-assigned: " + std::to_string(used()) + " seats used, " + std::to_string(seats) +
        " licensed, 0 available; an admin must release " + std::to_string(used() - seats + 1) +
        " seat(s) before another till can activate. Holders: " + Holders());
  }
  if (used() == seats) {
    return Status::FailedPrecondition("no seat available: " + std::to_string(used()) + " of " +
                                      std::to_string(seats) + " seats used, 0 available. Holders: " + Holders());
  }
  Seat seat{request.node_id, request.node_name, request.fingerprint, request.description, false};
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateSeatActivatedDirect(b, license_->license_id.c_str(), seat.seat_id.c_str(),
                                         request.node_id.c_str(), request.node_name.c_str(),
                                         request.fingerprint.c_str(), request.description.c_str(), ""));
  AppendBatch batch = Batch();
  batch.user = request.node_name;
  batch.events.push_back({EventType::kSeatActivated, Bytes(b)});
  return SeatDecision{std::move(batch), seat};
}

Result<AppendBatch> LicenseServerState::DecideDeactivate(std::string_view customer, std::string_view node_id,
                                                         std::string_view fingerprint) const {
  if (!license_.has_value()) return Status::FailedPrecondition("the license server has no license loaded");
  if (customer != license_->terms.customer) return Status::PermissionDenied("customer number is wrong");
  const Seat* seat = Find(node_id);
  if (seat == nullptr) return Status::NotFound("this till holds no seat at the license server");
  if (seat->fingerprint != fingerprint) {
    return Status::FailedPrecondition("seat " + seat->seat_id + " is bound to other hardware; only that till, or a "
                                      "vendor release token, can free it");
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateSeatDeactivatedDirect(b, license_->license_id.c_str(), seat->seat_id.c_str(),
                                           seat->fingerprint.c_str()));
  AppendBatch batch = Batch();
  batch.user = seat->node_name;
  batch.events.push_back({EventType::kSeatDeactivated, Bytes(b)});
  return batch;
}

Result<AppendBatch> LicenseServerState::DecideRelease(const ReleaseToken& token) const {
  if (!license_.has_value()) return Status::FailedPrecondition("the license server has no license loaded");
  if (token.customer != license_->terms.customer) return Status::PermissionDenied("customer number is wrong");
  if (std::find(used_tokens_.begin(), used_tokens_.end(), token.token_id) != used_tokens_.end()) {
    return Status::AlreadyExists("release token " + token.token_id + " was used already");
  }
  const Seat* seat = Find(token.seat_id);
  if (seat == nullptr) {
    return Status::NotFound("no seat " + token.seat_id + " is in use; seats: " + Holders());
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateSeatReleasedDirect(b, license_->license_id.c_str(), seat->seat_id.c_str(),
                                        token.token_id.c_str(), seat->fingerprint.c_str()));
  AppendBatch batch = Batch();
  batch.user = "vendor";
  batch.events.push_back({EventType::kSeatReleased, Bytes(b)});
  return batch;
}

}  // namespace pos::licensing
