// Payload encoders and decoders of the RKSV events (events/fiscal_at_se.fbs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/status.h"
#include "events/event_view.h"

namespace pos::fiscal::at {

struct RegisterInitialisedRecord {
  std::string register_id, company_id, system;
  int counter_bytes = 8;
  int64_t log_time_us = 0;
};

struct DeviceAddedRecord {
  uint32_t device_index = 0;
  std::string key_id, zda_id;
  std::string public_key;                    // DER SPKI
  std::string certificate;                   // DER, "" closed
  std::vector<std::string> ca_certificates;  // DER
  int64_t log_time_us = 0;
};

struct ReceiptSignedRecord {
  std::string receipt_id, kind, belegnummer;
  uint32_t device_index = 0;
  std::string key_id;
  bool device_failed = false;
  int64_t turnover_counter = 0;
  std::string compact_jws;
  int64_t log_time_us = 0;
};

std::vector<uint8_t> EncodeRegisterInitialised(const RegisterInitialisedRecord& r);
std::vector<uint8_t> EncodeDeviceAdded(const DeviceAddedRecord& r);
std::vector<uint8_t> EncodeReceiptSigned(const ReceiptSignedRecord& r);

// kCorruption when the event's payload is not the type's table.
Result<RegisterInitialisedRecord> DecodeRegisterInitialised(const EventView& event);
Result<DeviceAddedRecord> DecodeDeviceAdded(const EventView& event);
Result<ReceiptSignedRecord> DecodeReceiptSigned(const EventView& event);
// The same from a raw payload (a NewEvent not yet committed).
Result<ReceiptSignedRecord> DecodeReceiptSignedPayload(const std::vector<uint8_t>& payload);

}  // namespace pos::fiscal::at
