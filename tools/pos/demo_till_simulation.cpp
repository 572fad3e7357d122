#include "tools/pos/demo_till_simulation.h"

#include <algorithm>

namespace pos::cli {
namespace {

const DemoApproval kSupervisor{kDemoSupervisor, kDemoSupervisorPin};

}  // namespace

DemoTillSimulation::DemoTillSimulation(DemoRegisterClient& till, const CatalogImport& catalog, uint64_t seed,
                                       size_t receipts, std::atomic<uint64_t>& done, const std::atomic<bool>& stop)
    : till_(till), catalog_(catalog), random_(seed), receipts_(receipts), done_(done), stop_(stop) {}

Result<ZReport> DemoTillSimulation::Run(const DemoUser& cashier, TillDayCounts& counts) {
  POS_RETURN_IF_ERROR(till_.SignOn(cashier.id, cashier.pin));
  POS_RETURN_IF_ERROR(till_.CashMovement(true, 15000, "opening float", kSupervisor));
  for (size_t i = 0; i < receipts_; ++i) {
    if (stop_.load()) return Status::Unavailable("the day was interrupted after " + std::to_string(i) + " receipts");
    const uint64_t roll = random_() % 100;
    if (roll < 2 && !closed_sales_.empty()) {
      POS_RETURN_IF_ERROR(Refund(counts));
    } else if (roll < 4) {
      POS_RETURN_IF_ERROR(Cancelled(counts));
    } else if (roll < 9) {
      POS_ASSIGN_OR_RETURN(Basket basket, FillBasket(counts));
      POS_RETURN_IF_ERROR(till_.Park(basket.id));
      parked_.push_back(std::move(basket));
      ++counts.parked;
    } else {
      POS_ASSIGN_OR_RETURN(Basket basket, FillBasket(counts));
      POS_RETURN_IF_ERROR(PayAndClose(std::move(basket), counts));
    }
    if (!parked_.empty() && random_() % 4 == 0) POS_RETURN_IF_ERROR(ResumeOne(counts));
    if (i == receipts_ / 2) POS_RETURN_IF_ERROR(SkimCash());
    done_.fetch_add(1);
  }
  while (!parked_.empty()) POS_RETURN_IF_ERROR(ResumeOne(counts));
  POS_ASSIGN_OR_RETURN(ZReport x, till_.XReport());
  // Now and then the drawer is 50 cents short.
  const int64_t counted = x.expected_cash - (random_() % 10 == 0 ? 50 : 0);
  POS_ASSIGN_OR_RETURN(ZReport z, till_.CloseDay(counted, kSupervisor));
  POS_RETURN_IF_ERROR(till_.SignOff());
  return z;
}

const Article& DemoTillSimulation::PickArticle() {
  return catalog_.articles[random_() % catalog_.articles.size()];
}

Result<DemoTillSimulation::Basket> DemoTillSimulation::FillBasket(TillDayCounts& counts) {
  Basket basket;
  POS_ASSIGN_OR_RETURN(basket.id, till_.Open());
  const size_t lines = 1 + random_() % 7;
  for (size_t l = 0; l < lines; ++l) {
    const Article& article = PickArticle();
    const int64_t quantity = 1 + static_cast<int64_t>(random_() % 100 < 80 ? 0 : random_() % 3);
    // Half the lines are scanned by barcode, half keyed in by article number.
    const std::string& ref = random_() % 2 == 0 ? article.barcodes.front() : article.code;
    if (random_() % 100 == 0) {
      POS_RETURN_IF_ERROR(till_.AddLine(basket.id, ref, quantity, article.gross_price * 9 / 10, kSupervisor).status());
    } else {
      POS_RETURN_IF_ERROR(till_.AddLine(basket.id, ref, quantity).status());
    }
    basket.lines.push_back({article.code, quantity});
  }
  if (lines > 1 && random_() % 100 < 6) {
    const size_t voided = random_() % lines;
    POS_RETURN_IF_ERROR(till_.VoidLine(basket.id, static_cast<uint32_t>(voided + 1)));
    basket.lines[voided].refundable = 0;
    ++counts.voided_lines;
  }
  if (random_() % 100 < 3) {
    POS_ASSIGN_OR_RETURN(int64_t total, till_.Total(basket.id));
    if (total >= 100) POS_RETURN_IF_ERROR(till_.DiscountReceipt(basket.id, total / 10, kSupervisor));
  }
  return basket;
}

Status DemoTillSimulation::PayAndClose(Basket basket, TillDayCounts& counts) {
  POS_ASSIGN_OR_RETURN(int64_t total, till_.Total(basket.id));
  const uint64_t how = random_() % 100;
  if (how < 50) {
    const int64_t tendered = (total + 499) / 500 * 500;  // the next 5.00 up
    POS_RETURN_IF_ERROR(till_.Pay(basket.id, DemoPayment::kCash, tendered == 0 ? total : tendered, ""));
  } else if (how < 85) {
    POS_RETURN_IF_ERROR(
        till_.Pay(basket.id, DemoPayment::kCard, total, "card-" + std::to_string(random_() % 100000)));
  } else if (how < 90) {
    const int64_t voucher = std::min<int64_t>(total, 2000);
    POS_RETURN_IF_ERROR(till_.Pay(basket.id, DemoPayment::kVoucher, voucher, "voucher"));
    if (total > voucher) POS_RETURN_IF_ERROR(till_.Pay(basket.id, DemoPayment::kCard, total - voucher, "card"));
  } else {
    const int64_t card = total / 2;
    if (card > 0) POS_RETURN_IF_ERROR(till_.Pay(basket.id, DemoPayment::kCard, card, "card"));
    POS_RETURN_IF_ERROR(till_.Pay(basket.id, DemoPayment::kCash, total - card, ""));
  }
  POS_ASSIGN_OR_RETURN(uint64_t number, till_.Close(basket.id));
  closed_sales_.emplace_back(number, std::move(basket.lines));
  ++counts.sales;
  return Status::Ok();
}

Status DemoTillSimulation::ResumeOne(TillDayCounts& counts) {
  Basket basket = std::move(parked_.front());
  parked_.erase(parked_.begin());
  POS_RETURN_IF_ERROR(till_.Resume(basket.id));
  return PayAndClose(std::move(basket), counts);
}

Status DemoTillSimulation::Cancelled(TillDayCounts& counts) {
  POS_ASSIGN_OR_RETURN(Basket basket, FillBasket(counts));
  ++counts.cancelled;
  return till_.Cancel(basket.id, "customer changed their mind", kSupervisor);
}

// Takes back one piece of the first line still refundable of an earlier sale, paid out in cash.
Status DemoTillSimulation::Refund(TillDayCounts& counts) {
  auto& [number, lines] = closed_sales_[random_() % closed_sales_.size()];
  auto line = std::find_if(lines.begin(), lines.end(), [](const SoldLine& l) { return l.refundable > 0; });
  if (line == lines.end()) return Status::Ok();  // fully refunded already
  POS_ASSIGN_OR_RETURN(std::string id, till_.Open(number, kSupervisor));
  POS_ASSIGN_OR_RETURN(int64_t total, till_.AddLine(id, line->code, -1));
  POS_RETURN_IF_ERROR(till_.Pay(id, DemoPayment::kCash, total, "refund"));
  POS_RETURN_IF_ERROR(till_.Close(id).status());
  --line->refundable;
  ++counts.refunds;
  return Status::Ok();
}

// Mid-day the supervisor takes cash above 300.00 to the safe.
Status DemoTillSimulation::SkimCash() {
  POS_ASSIGN_OR_RETURN(ZReport x, till_.XReport());
  const int64_t in_drawer = x.expected_cash;
  if (in_drawer <= 30000) return Status::Ok();
  return till_.CashMovement(false, in_drawer - 30000, "to the safe", kSupervisor);
}

}  // namespace pos::cli
