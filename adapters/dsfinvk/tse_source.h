// The TSE data of a receipt, read from its TseTransactionFinished event (type id
// 503, events/fiscal.fbs, in the receipt's stream just before ReceiptClosed).
//
// The fiscal schema is written by the TSE work; this adapter compiles with or
// without it: without (TseSchemaAvailable() false) no receipt has TSE data and
// the export leaves the TSE columns empty.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/event_store.h"
#include "engine/status.h"

namespace pos::dsfinvk {

inline constexpr uint32_t kTseTransactionFinishedType = 503;

struct TseTransaction {
  std::string tse_serial;
  std::string client_id;
  uint64_t transaction_number = 0;
  uint64_t signature_counter = 0;
  int64_t start_time_us = 0;
  int64_t log_time_us = 0;
  std::string process_type;
  std::string process_data;
  std::string signature_algorithm;
  std::string signature;   // raw bytes
  std::string public_key;  // raw bytes
  std::string qr_code;
  bool outage = false;
};

// True when this build knows events/fiscal.fbs.
bool TseSchemaAvailable();

// The last TseTransactionFinished of stream "receipt/<receipt_id>"; nullopt when
// there is none (or the schema is unknown to this build).
Result<std::optional<TseTransaction>> FindTseTransaction(const EventStore& store, std::string_view receipt_id);

}  // namespace pos::dsfinvk
