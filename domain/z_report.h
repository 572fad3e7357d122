// Day figures of one till: what an X report shows at any time and a Z report
// (Z-Bon, day close) fixes for good. Accumulated from ReceiptClosed,
// ReceiptCancelled and CashMovementRecorded events since the last DayClosed.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "domain/receipt.h"

namespace pos {

struct CashierFigures {
  uint32_t receipts = 0;
  int64_t total = 0;
  bool operator==(const CashierFigures&) const = default;
};

struct DayFigures {
  uint64_t first_receipt = 0;  // receipt numbers covered; 0 when none
  uint64_t last_receipt = 0;
  int64_t opened_at_us = 0;    // wall time of the day's first register event
  uint32_t receipts = 0;       // closed sales and refunds
  uint32_t refunds = 0;
  uint32_t cancelled = 0;
  uint32_t voided_lines = 0;
  int64_t total = 0;
  std::map<std::string, TaxLineTotal> tax;          // by tax rate code
  std::map<PaymentType, int64_t> payments;         // kept amounts (cash net of change)
  std::map<std::string, CashierFigures> cashiers;  // by user id
  int64_t cash_in = 0;
  int64_t cash_out = 0;

  int64_t ExpectedCash() const;
  bool operator==(const DayFigures&) const = default;
};

struct ZReport {
  uint64_t z_number = 0;
  DayFigures figures;
  int64_t expected_cash = 0;
  int64_t counted_cash = 0;
  int64_t difference = 0;  // counted - expected
  std::string approved_by;
  int64_t closed_at_us = 0;
};

}  // namespace pos
