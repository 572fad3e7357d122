#include "domain/device_binding.h"

#include "events/device_generated.h"
#include "events/event_types.h"

namespace pos {
namespace {

std::vector<uint8_t> Bytes(flatbuffers::FlatBufferBuilder& b) {
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

}  // namespace

Result<DeviceBinding> DeviceBinding::Load(const EventStore& store) {
  DeviceBinding binding;
  Status applied;
  POS_RETURN_IF_ERROR(store.ScanStream(kDeviceStream, 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    applied = event.ok() ? binding.Apply(*event) : event.status();
    return applied.ok();
  }));
  POS_RETURN_IF_ERROR(applied);
  return binding;
}

Status DeviceBinding::Apply(const EventView& event) {
  version_ = event.stream_version();
  if (event.type() == static_cast<uint32_t>(EventType::kDeviceBound)) {
    const auto* p = event.PayloadAs<fb::DeviceBound>();
    if (p == nullptr || p->fingerprint() == nullptr) return Status::Corruption("malformed DeviceBound event");
    fingerprint_ = p->fingerprint()->str();
    description_ = p->description() ? p->description()->str() : "";
  } else if (event.type() == static_cast<uint32_t>(EventType::kDeviceRebound)) {
    const auto* p = event.PayloadAs<fb::DeviceRebound>();
    if (p == nullptr || p->new_fingerprint() == nullptr) return Status::Corruption("malformed DeviceRebound event");
    fingerprint_ = p->new_fingerprint()->str();
    description_ = p->description() ? p->description()->str() : "";
  }
  return Status::Ok();
}

Status DeviceBinding::BindToThisMachine(EventStore& store, const std::string& user) {
  POS_ASSIGN_OR_RETURN(MachineIdentity machine, ReadMachineIdentity());
  POS_ASSIGN_OR_RETURN(DeviceBinding binding, Load(store));
  POS_ASSIGN_OR_RETURN(AppendBatch batch, binding.DecideBind(machine, user));
  return store.Append(std::move(batch)).status();
}

Status DeviceBinding::Check(const MachineIdentity& machine) const {
  if (!fingerprint_.has_value()) return Status::Ok();
  if (*fingerprint_ != machine.fingerprint) {
    return Status::FailedPrecondition("this store belongs to other hardware (bound to " + fingerprint_->substr(0, 16) +
                                      "…, " + description_ + "; this machine is " + machine.fingerprint.substr(0, 16) +
                                      "…); an admin must rebind it with `pos device rebind` before it sells here");
  }
  return Status::Ok();
}

Result<AppendBatch> DeviceBinding::DecideBind(const MachineIdentity& machine, const std::string& user) const {
  if (fingerprint_.has_value()) {
    return Status::AlreadyExists("this store is bound already; moving it to this machine is `pos device rebind`");
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateDeviceBoundDirect(b, machine.fingerprint.c_str(), machine.description.c_str()));
  AppendBatch batch;
  batch.stream = std::string(kDeviceStream);
  batch.expected_version = version_;
  batch.user = user;
  batch.events.push_back({EventType::kDeviceBound, Bytes(b)});
  return batch;
}

Result<AppendBatch> DeviceBinding::DecideRebind(const MachineIdentity& machine, const Actor& approver) const {
  POS_RETURN_IF_ERROR(Register::Authorise(approver, std::nullopt, Permission::kDeviceRebind).status());
  if (fingerprint_ == machine.fingerprint) {
    return Status::FailedPrecondition("this store is bound to this machine already");
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateDeviceReboundDirect(b, fingerprint_.value_or("").c_str(), machine.fingerprint.c_str(),
                                         machine.description.c_str(), approver.user_id.c_str()));
  AppendBatch batch;
  batch.stream = std::string(kDeviceStream);
  batch.expected_version = version_;
  batch.user = approver.user_id;
  batch.events.push_back({EventType::kDeviceRebound, Bytes(b)});
  return batch;
}

}  // namespace pos
