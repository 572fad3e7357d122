// TseProxy: the register's FiscalModule in the daemon. It asks the TSE actor
// (actors/tse_actor.h) with a blocking request from within the (detached)
// register actor. No answer within the timeout is a TSE outage, never a failed
// sale: the receipt's start / finish events then carry outage = true (an update
// adds nothing), exactly as when the TSE itself cannot sign.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "domain/fiscal_module.h"

namespace pos::actors {

class TseProxy final : public FiscalModule {
 public:
  // `serial_hex` and `client_id` name the TSE in the outage events of a timeout.
  TseProxy(caf::actor_system& system, caf::actor tse, std::string serial_hex, std::string client_id,
           std::chrono::milliseconds timeout = std::chrono::seconds(5));

  Result<std::vector<NewEvent>> StartReceipt(const std::string& receipt_id, int64_t now_us) override;
  Result<std::vector<NewEvent>> FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) override;
  Result<std::vector<NewEvent>> UpdateReceipt(const std::string& receipt_id, const std::string& process_data,
                                              int64_t now_us) override;

 private:
  caf::actor_system& system_;
  caf::actor tse_;
  std::string serial_hex_;
  std::string client_id_;
  std::chrono::milliseconds timeout_;
};

}  // namespace pos::actors
