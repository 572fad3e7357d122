#include "domain/fiscal/at/dep7_export.h"

#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/fiscal/at/rksv_crypto.h"
#include "domain/fiscal/at/rksv_events.h"
#include "events/event_view.h"

namespace pos::fiscal::at {
namespace {

struct RksvLog {
  std::map<std::string, DeviceAddedRecord> devices;  // by key id
  std::vector<ReceiptSignedRecord> receipts;         // chain order
};

Result<RksvLog> ReadRksvLog(const EventStore& store) {
  RksvLog log;
  Status bad;
  POS_RETURN_IF_ERROR(store.ScanOrigin(store.node_id(), 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status();
      return false;
    }
    const auto type = static_cast<EventType>(event->type());
    if (type == EventType::kRksvSignatureDeviceAdded) {
      auto device = DecodeDeviceAdded(*event);
      if (!device.ok()) {
        bad = device.status();
        return false;
      }
      log.devices[device->key_id] = std::move(device).value();
    } else if (type == EventType::kRksvReceiptSigned) {
      auto receipt = DecodeReceiptSigned(*event);
      if (!receipt.ok()) {
        bad = receipt.status();
        return false;
      }
      log.receipts.push_back(std::move(receipt).value());
    }
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  if (log.receipts.empty()) {
    return Status::FailedPrecondition("this node's log holds no RKSV receipts (is it an Austrian till? `pos rksv init`)");
  }
  return log;
}

}  // namespace

Result<std::string> BuildDep7(const EventStore& store, Dep7Summary* summary) {
  POS_ASSIGN_OR_RETURN(RksvLog log, ReadRksvLog(store));
  nlohmann::json groups = nlohmann::json::array();
  std::string group_key;
  for (const ReceiptSignedRecord& receipt : log.receipts) {
    if (groups.empty() || receipt.key_id != group_key) {
      auto device = log.devices.find(receipt.key_id);
      if (device == log.devices.end()) {
        return Status::Corruption("receipt " + receipt.belegnummer + " names key " + receipt.key_id +
                                  ", which no RksvSignatureDeviceAdded event introduces");
      }
      nlohmann::json cas = nlohmann::json::array();
      for (const std::string& ca : device->second.ca_certificates) cas.push_back(Base64Encode(ca));
      groups.push_back({{"Signaturzertifikat", Base64Encode(device->second.certificate)},
                        {"Zertifizierungsstellen", cas},
                        {"Belege-kompakt", nlohmann::json::array()}});
      group_key = receipt.key_id;
    }
    groups.back()["Belege-kompakt"].push_back(receipt.compact_jws);
  }
  if (summary != nullptr) {
    summary->receipts = log.receipts.size();
    summary->groups = groups.size();
    summary->devices = log.devices.size();
  }
  return nlohmann::json{{"Belege-Gruppe", groups}}.dump(2) + "\n";
}

Result<std::string> BuildKeyContainer(const EventStore& store, const RksvRegister& reg, Dep7Summary* summary) {
  POS_ASSIGN_OR_RETURN(RksvLog log, ReadRksvLog(store));
  nlohmann::json map = nlohmann::json::object();
  for (const auto& [key_id, device] : log.devices) {
    const bool certificate = !device.certificate.empty();
    map[key_id] = {{"id", key_id},
                   {"signatureDeviceType", certificate ? "CERTIFICATE" : "PUBLIC_KEY"},
                   {"signatureCertificateOrPublicKey", Base64Encode(certificate ? device.certificate : device.public_key)}};
  }
  if (summary != nullptr) {
    summary->receipts = log.receipts.size();
    summary->devices = log.devices.size();
  }
  return nlohmann::json{{"base64AESKey", Base64Encode(reg.aes_key())}, {"certificateOrPublicKeyMap", map}}.dump(2) +
         "\n";
}

}  // namespace pos::fiscal::at
