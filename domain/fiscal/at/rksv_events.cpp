#include "domain/fiscal/at/rksv_events.h"

#include "domain/fiscal/at/rksv_crypto.h"
#include "events/fiscal_at_se_generated.h"

namespace pos::fiscal::at {
namespace {

std::vector<uint8_t> Done(flatbuffers::FlatBufferBuilder& b) {
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}
std::vector<uint8_t> Vec(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }
std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }
std::string Bytes(const flatbuffers::Vector<uint8_t>* v) {
  return v == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(v->data()), v->size());
}

template <typename Table>
Result<const Table*> Root(const uint8_t* data, size_t size, const char* name) {
  flatbuffers::Verifier verifier(data, size);
  if (!verifier.VerifyBuffer<Table>(nullptr)) return Status::Corruption(std::string("malformed ") + name + " payload");
  return flatbuffers::GetRoot<Table>(data);
}

ReceiptSignedRecord FromTable(const fb::RksvReceiptSigned& p) {
  ReceiptSignedRecord r;
  r.receipt_id = Str(p.receipt_id());
  r.kind = Str(p.kind());
  r.belegnummer = Str(p.belegnummer());
  r.device_index = p.device_index();
  r.key_id = Str(p.key_id());
  r.device_failed = p.device_failed();
  r.turnover_counter = p.turnover_counter();
  r.compact_jws = Str(p.compact_jws());
  r.log_time_us = p.log_time_us();
  return r;
}

}  // namespace

std::vector<uint8_t> EncodeRegisterInitialised(const RegisterInitialisedRecord& r) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateRksvRegisterInitialisedDirect(b, r.register_id.c_str(), r.company_id.c_str(), r.system.c_str(),
                                                   static_cast<uint8_t>(r.counter_bytes), r.log_time_us));
  return Done(b);
}

std::vector<uint8_t> EncodeDeviceAdded(const DeviceAddedRecord& r) {
  flatbuffers::FlatBufferBuilder b;
  const auto key = Vec(r.public_key);
  const auto cert = Vec(r.certificate);
  std::vector<flatbuffers::Offset<flatbuffers::String>> cas;
  for (const std::string& ca : r.ca_certificates) cas.push_back(b.CreateString(Base64Encode(ca)));
  b.Finish(fb::CreateRksvSignatureDeviceAddedDirect(b, r.device_index, r.key_id.c_str(), r.zda_id.c_str(), &key,
                                                    &cert, &cas, r.log_time_us));
  return Done(b);
}

std::vector<uint8_t> EncodeReceiptSigned(const ReceiptSignedRecord& r) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateRksvReceiptSignedDirect(b, r.receipt_id.c_str(), r.kind.c_str(), r.belegnummer.c_str(),
                                             r.device_index, r.key_id.c_str(), r.device_failed, r.turnover_counter,
                                             r.compact_jws.c_str(), r.log_time_us));
  return Done(b);
}

Result<RegisterInitialisedRecord> DecodeRegisterInitialised(const EventView& event) {
  const auto payload = event.payload();
  POS_ASSIGN_OR_RETURN(const fb::RksvRegisterInitialised* p,
                       Root<fb::RksvRegisterInitialised>(payload.data(), payload.size(), "RksvRegisterInitialised"));
  return RegisterInitialisedRecord{Str(p->register_id()), Str(p->company_id()), Str(p->system()),
                                   p->counter_bytes(), p->log_time_us()};
}

Result<DeviceAddedRecord> DecodeDeviceAdded(const EventView& event) {
  const auto payload = event.payload();
  POS_ASSIGN_OR_RETURN(const fb::RksvSignatureDeviceAdded* p,
                       Root<fb::RksvSignatureDeviceAdded>(payload.data(), payload.size(), "RksvSignatureDeviceAdded"));
  DeviceAddedRecord r;
  r.device_index = p->device_index();
  r.key_id = Str(p->key_id());
  r.zda_id = Str(p->zda_id());
  r.public_key = Bytes(p->public_key());
  r.certificate = Bytes(p->certificate());
  if (p->ca_certificates() != nullptr) {
    for (const auto* ca : *p->ca_certificates()) {
      POS_ASSIGN_OR_RETURN(std::string der, Base64Decode(ca->str(), "a CA certificate of RksvSignatureDeviceAdded"));
      r.ca_certificates.push_back(std::move(der));
    }
  }
  r.log_time_us = p->log_time_us();
  return r;
}

Result<ReceiptSignedRecord> DecodeReceiptSigned(const EventView& event) {
  const auto payload = event.payload();
  POS_ASSIGN_OR_RETURN(const fb::RksvReceiptSigned* p,
                       Root<fb::RksvReceiptSigned>(payload.data(), payload.size(), "RksvReceiptSigned"));
  return FromTable(*p);
}

Result<ReceiptSignedRecord> DecodeReceiptSignedPayload(const std::vector<uint8_t>& payload) {
  POS_ASSIGN_OR_RETURN(const fb::RksvReceiptSigned* p,
                       Root<fb::RksvReceiptSigned>(payload.data(), payload.size(), "RksvReceiptSigned"));
  return FromTable(*p);
}

}  // namespace pos::fiscal::at
