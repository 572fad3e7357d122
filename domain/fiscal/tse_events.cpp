#include "domain/fiscal/tse_events.h"

#include "domain/fiscal/tse_log_message.h"
#include "events/fiscal_generated.h"

namespace pos::fiscal::tse_events {
namespace {

Bytes Done(flatbuffers::FlatBufferBuilder& b) { return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()); }

std::vector<uint8_t> Vec(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

}  // namespace

Bytes TseInitialised(const std::string& serial, const std::string& public_key_der, int64_t now_us) {
  flatbuffers::FlatBufferBuilder b;
  const auto key = Vec(public_key_der);
  b.Finish(fb::CreateTseInitialisedDirect(b, serial.c_str(), &key, std::string(kSignatureAlgorithm).c_str(), now_us));
  return Done(b);
}

Bytes TseClientRegistered(const std::string& serial, const std::string& client_id, int64_t now_us) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateTseClientRegisteredDirect(b, serial.c_str(), client_id.c_str(), now_us));
  return Done(b);
}

Bytes TseTransactionStarted(const Started& s) {
  flatbuffers::FlatBufferBuilder b;
  const auto signature = Vec(s.signature);
  b.Finish(fb::CreateTseTransactionStartedDirect(
      b, s.tse_serial.c_str(), s.client_id.c_str(), s.receipt_id.c_str(), s.transaction_number, s.signature_counter,
      s.log_time_us, s.process_type.c_str(), s.process_data.c_str(), std::string(kSignatureAlgorithm).c_str(),
      &signature, s.outage));
  return Done(b);
}

Bytes TseTransactionFinished(const Finished& f) {
  flatbuffers::FlatBufferBuilder b;
  const auto signature = Vec(f.signature);
  const auto key = Vec(f.public_key);
  b.Finish(fb::CreateTseTransactionFinishedDirect(
      b, f.tse_serial.c_str(), f.client_id.c_str(), f.transaction_number, f.signature_counter, f.start_time_us,
      f.log_time_us, f.process_type.c_str(), f.process_data.c_str(), std::string(kSignatureAlgorithm).c_str(),
      &signature, &key, f.qr_code.c_str(), f.outage));
  return Done(b);
}

Bytes TseTransactionUpdated(const Started& u) {
  flatbuffers::FlatBufferBuilder b;
  const auto signature = Vec(u.signature);
  b.Finish(fb::CreateTseTransactionUpdatedDirect(
      b, u.tse_serial.c_str(), u.client_id.c_str(), u.receipt_id.c_str(), u.transaction_number, u.signature_counter,
      u.log_time_us, u.process_type.c_str(), u.process_data.c_str(), std::string(kSignatureAlgorithm).c_str(),
      &signature, u.outage));
  return Done(b);
}

Bytes TseDeactivated(const std::string& serial, int64_t now_us) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateTseDeactivatedDirect(b, serial.c_str(), now_us));
  return Done(b);
}

Bytes TseDecommissioned(const std::string& serial, int64_t now_us) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateTseDecommissionedDirect(b, serial.c_str(), now_us));
  return Done(b);
}

Bytes TseOutageBegan(const std::string& serial, const std::string& reason, int64_t now_us) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateTseOutageBeganDirect(b, serial.c_str(), reason.c_str(), now_us));
  return Done(b);
}

Bytes TseOutageEnded(const std::string& serial, int64_t now_us) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateTseOutageEndedDirect(b, serial.c_str(), now_us));
  return Done(b);
}

}  // namespace pos::fiscal::tse_events
