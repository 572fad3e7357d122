// Payload encoders of the receipt and register events (events/receipts.fbs,
// events/register.fbs). Decoding is done where the events are read, through
// EventView::PayloadAs<fb::…>(); a LineAdded's line, which the register and the
// hand-over both rebuild, by LineOf().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/receipt.h"
#include "domain/z_report.h"

namespace pos::fb {
struct LineAdded;
}  // namespace pos::fb

namespace pos::register_events {

using Bytes = std::vector<uint8_t>;

Bytes ReceiptOpened(const std::string& receipt_id, const std::string& cashier, uint64_t refund_of_number,
                    const std::string& refund_of_till, bool training);
Bytes LineAdded(const ReceiptLine& line, const std::string& approved_by);
// The line a LineAdded payload adds (not voided, no discount yet).
ReceiptLine LineOf(const fb::LineAdded& payload);
Bytes LineVoided(uint32_t line_no, const std::string& approved_by);
Bytes LineDiscountGranted(uint32_t line_no, int64_t amount, const std::string& approved_by);
Bytes ReceiptDiscountGranted(int64_t amount, const std::string& approved_by);
Bytes PaymentAdded(const Payment& payment);
Bytes ReceiptParked(const std::string& cashier);
Bytes ReceiptResumed(const std::string& cashier);
Bytes ReceiptCancelled(const std::string& reason, const std::string& approved_by);
Bytes ReceiptClosed(const Receipt& receipt, uint64_t number, const ReceiptTotals& totals, int64_t change,
                    const std::vector<std::pair<PaymentType, int64_t>>& kept);

Bytes CashierSignedOn(const std::string& user);
Bytes CashierSignedOff(const std::string& user);
Bytes CashMovementRecorded(bool cash_in, int64_t amount, const std::string& reason, const std::string& approved_by);
Bytes DayClosed(const ZReport& report);
Bytes PermissionDenied(const std::string& user, const std::string& command, const std::string& required_role);

}  // namespace pos::register_events
