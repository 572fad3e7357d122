#include "domain/licensing/till_license.h"

#include "domain/device_binding.h"
#include "events/event_types.h"
#include "events/license_generated.h"

namespace pos::licensing {
namespace {

std::vector<uint8_t> Bytes(flatbuffers::FlatBufferBuilder& b) {
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : ""; }

}  // namespace

std::vector<uint8_t> EncodeLicenseLoaded(const License& license) {
  flatbuffers::FlatBufferBuilder b;
  auto id = b.CreateString(license.license_id);
  auto customer = b.CreateString(license.terms.customer);
  auto modules = b.CreateVectorOfStrings(license.terms.modules);
  auto expires = b.CreateString(license.terms.expires);
  auto payload = b.CreateString(license.payload);
  auto signature = b.CreateString(license.signature);
  b.Finish(fb::CreateLicenseLoaded(b, id, customer, license.terms.seats, modules, expires, payload, signature));
  return Bytes(b);
}

Result<TillLicense> TillLicense::Load(const EventStore& store) {
  TillLicense state;
  Status applied;
  POS_RETURN_IF_ERROR(store.ScanStream(kLicenseStream, 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    applied = event.ok() ? state.Apply(*event) : event.status();
    return applied.ok();
  }));
  POS_RETURN_IF_ERROR(applied);
  POS_ASSIGN_OR_RETURN(DeviceBinding binding, DeviceBinding::Load(store));
  state.managed_ = binding.fingerprint().has_value();
  return state;
}

Result<License> LicenseFromEvent(const EventView& event) {
  const auto* p = event.PayloadAs<fb::LicenseLoaded>();
  if (p == nullptr) return Status::Corruption("malformed LicenseLoaded event");
  License license;
  license.license_id = Str(p->license_id());
  license.terms.customer = Str(p->customer());
  license.terms.seats = p->seats();
  if (p->modules()) {
    for (const auto* m : *p->modules()) license.terms.modules.push_back(Str(m));
  }
  license.terms.expires = Str(p->expires());
  license.payload = Str(p->payload());
  license.signature = Str(p->signature());
  return license;
}

Status TillLicense::Apply(const EventView& event) {
  version_ = event.stream_version();
  switch (static_cast<EventType>(event.type())) {
    case EventType::kLicenseLoaded: {
      POS_ASSIGN_OR_RETURN(License license, LicenseFromEvent(event));
      // A new license of another customer ends a seat of the old one.
      if (seat_.has_value() && license_.has_value() && license_->terms.customer != license.terms.customer) {
        seat_.reset();
      }
      license_ = std::move(license);
      break;
    }
    case EventType::kSeatActivated: {
      const auto* p = event.PayloadAs<fb::SeatActivated>();
      if (p == nullptr) return Status::Corruption("malformed SeatActivated event");
      seat_ = SeatGrant{Str(p->license_id()), Str(p->seat_id()), Str(p->fingerprint()), Str(p->server())};
      break;
    }
    case EventType::kSeatDeactivated:
    case EventType::kSeatReleased:
      seat_.reset();
      break;
    default:
      break;
  }
  return Status::Ok();
}

Status TillLicense::Check(const MachineIdentity& machine, std::string_view today) const {
  if (!managed_) return Status::Ok();  // not a `pos init` till: no demo mode (see the header)
  if (!license_.has_value()) return Status::FailedPrecondition("no license is loaded (`pos license load FILE`)");
  if (Expired(license_->terms, today)) {
    return Status::FailedPrecondition("the license expired on " + license_->terms.expires);
  }
  if (!seat_.has_value()) {
    return Status::FailedPrecondition("no seat is activated for this till (`pos license activate`)");
  }
  if (seat_->fingerprint != machine.fingerprint) {
    return Status::FailedPrecondition("the activated seat is bound to other hardware (" +
                                      seat_->fingerprint.substr(0, 16) + "…); activate this machine");
  }
  return Status::Ok();
}

Status TillLicense::CheckCustomerNumber(std::string_view customer) const {
  if (!license_.has_value()) return Status::FailedPrecondition("no license is loaded (`pos license load FILE`)");
  if (customer != license_->terms.customer) return Status::PermissionDenied("customer number is wrong");
  return Status::Ok();
}

Result<AppendBatch> TillLicense::DecideLoad(const License& license, const Actor& admin) const {
  POS_RETURN_IF_ERROR(Register::Authorise(admin, std::nullopt, Permission::kLicenseManage).status());
  if (license_.has_value() && license_->license_id == license.license_id) {
    return Status::AlreadyExists("license " + license.license_id + " is loaded already");
  }
  AppendBatch batch;
  batch.stream = std::string(kLicenseStream);
  batch.expected_version = version_;
  batch.user = admin.user_id;
  batch.events.push_back({EventType::kLicenseLoaded, EncodeLicenseLoaded(license)});
  return batch;
}

Result<AppendBatch> TillLicense::DecideActivated(const SeatGrant& grant, const std::string& node_id_hex,
                                                 const std::string& node_name, const MachineIdentity& machine,
                                                 const Actor& admin) const {
  POS_RETURN_IF_ERROR(Register::Authorise(admin, std::nullopt, Permission::kLicenseManage).status());
  if (!license_.has_value()) return Status::FailedPrecondition("no license is loaded (`pos license load FILE`)");
  if (grant.fingerprint != machine.fingerprint) {
    return Status::FailedPrecondition("the activation is for other hardware (" + grant.fingerprint.substr(0, 16) +
                                      "…), not this machine (" + machine.fingerprint.substr(0, 16) + "…)");
  }
  if (seat_.has_value() && seat_->seat_id == grant.seat_id && seat_->fingerprint == grant.fingerprint) {
    return Status::AlreadyExists("seat " + grant.seat_id + " is active on this till already");
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateSeatActivatedDirect(b, grant.license_id.c_str(), grant.seat_id.c_str(), node_id_hex.c_str(),
                                         node_name.c_str(), grant.fingerprint.c_str(), machine.description.c_str(),
                                         grant.server.c_str()));
  AppendBatch batch;
  batch.stream = std::string(kLicenseStream);
  batch.expected_version = version_;
  batch.user = admin.user_id;
  batch.events.push_back({EventType::kSeatActivated, Bytes(b)});
  return batch;
}

Result<AppendBatch> TillLicense::DecideDeactivated(const Actor& admin) const {
  POS_RETURN_IF_ERROR(Register::Authorise(admin, std::nullopt, Permission::kLicenseManage).status());
  if (!seat_.has_value()) return Status::FailedPrecondition("this till has no active seat");
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateSeatDeactivatedDirect(b, seat_->license_id.c_str(), seat_->seat_id.c_str(),
                                           seat_->fingerprint.c_str()));
  AppendBatch batch;
  batch.stream = std::string(kLicenseStream);
  batch.expected_version = version_;
  batch.user = admin.user_id;
  batch.events.push_back({EventType::kSeatDeactivated, Bytes(b)});
  return batch;
}

Status TillLicenseStatus(const EventStore& store) {
  POS_ASSIGN_OR_RETURN(TillLicense license, TillLicense::Load(store));
  POS_ASSIGN_OR_RETURN(MachineIdentity machine, ReadMachineIdentity());
  return license.Check(machine, TodayUtc());
}

}  // namespace pos::licensing
