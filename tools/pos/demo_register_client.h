// DemoRegisterClient: the demo's tills sell through the command API of their
// `pos serve` daemon (docs/api.md), as a front end would. One typed call per
// command; a refused command comes back as its Status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "adapters/zmq_command_client.h"
#include "domain/z_report.h"
#include "engine/status.h"

namespace pos::cli {

struct DemoApproval {
  std::string user;
  std::string pin;
};

enum class DemoPayment { kCash, kCard, kVoucher };

class DemoRegisterClient {
 public:
  explicit DemoRegisterClient(std::string endpoint);

  Status SignOn(const std::string& user, const std::string& pin);
  Status SignOff();
  // 0 opens a sale; N a refund of this till's receipt N (needs an approval).
  Result<std::string> Open(uint64_t refund_of_number = 0, const std::optional<DemoApproval>& approval = {});
  // The receipt's total after the line. With `price`, a price override (needs an approval).
  Result<int64_t> AddLine(const std::string& receipt_id, const std::string& article, int64_t quantity,
                          std::optional<int64_t> price = {}, const std::optional<DemoApproval>& approval = {});
  Status VoidLine(const std::string& receipt_id, uint32_t line_no);
  Status DiscountReceipt(const std::string& receipt_id, int64_t amount, const DemoApproval& approval);
  // The receipt's total as the till holds it now.
  Result<int64_t> Total(const std::string& receipt_id);
  Status Pay(const std::string& receipt_id, DemoPayment type, int64_t amount, const std::string& reference);
  Status Park(const std::string& receipt_id);
  Status Resume(const std::string& receipt_id);
  Status Cancel(const std::string& receipt_id, const std::string& reason, const DemoApproval& approval);
  // The receipt number.
  Result<uint64_t> Close(const std::string& receipt_id);
  Status CashMovement(bool cash_in, int64_t amount, const std::string& reason, const DemoApproval& approval);
  Result<ZReport> XReport();
  Result<ZReport> CloseDay(int64_t counted_cash, const DemoApproval& approval);

 private:
  ZmqCommandClient client_;
  uint64_t next_request_id_ = 1;
  friend class DemoRequest;
};

}  // namespace pos::cli
