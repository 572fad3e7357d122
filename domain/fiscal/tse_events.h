// Payload encoders of the fiscal events (events/fiscal.fbs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pos::fiscal::tse_events {

using Bytes = std::vector<uint8_t>;

struct Started {
  std::string tse_serial, client_id, receipt_id;
  uint64_t transaction_number = 0, signature_counter = 0;
  int64_t log_time_us = 0;
  std::string process_type, process_data, signature;
  bool outage = false;
};

struct Finished {
  std::string tse_serial, client_id;
  uint64_t transaction_number = 0, signature_counter = 0;
  int64_t start_time_us = 0, log_time_us = 0;
  std::string process_type, process_data, signature, public_key, qr_code;
  bool outage = false;
};

Bytes TseInitialised(const std::string& serial, const std::string& public_key_der, int64_t now_us);
Bytes TseClientRegistered(const std::string& serial, const std::string& client_id, int64_t now_us);
Bytes TseTransactionStarted(const Started& s);
Bytes TseTransactionFinished(const Finished& f);
Bytes TseTransactionUpdated(const Started& u);  // receipt_id, number, counter, time, process data
Bytes TseDeactivated(const std::string& serial, int64_t now_us);
Bytes TseDecommissioned(const std::string& serial, int64_t now_us);
Bytes TseOutageBegan(const std::string& serial, const std::string& reason, int64_t now_us);
Bytes TseOutageEnded(const std::string& serial, int64_t now_us);

}  // namespace pos::fiscal::tse_events
