#include "domain/z_report.h"

namespace pos {

int64_t DayFigures::ExpectedCash() const {
  auto cash = payments.find(PaymentType::kCash);
  return (cash == payments.end() ? 0 : cash->second) + cash_in - cash_out;
}

}  // namespace pos
