#include "tools/pos/demo_site.h"

#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "domain/device_binding.h"
#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "domain/tax_calculator.h"
#include "engine/bytes.h"
#include "projections/builtin_projections.h"
#include "tools/pos/demo_catalog.h"

namespace pos::cli {
namespace {

const Approval kSupervisor{kDemoSupervisor, kDemoSupervisorPin};

// One till's trading day. Every decision comes from `random`, so the day is a
// function of the seed.
class TillSimulation {
 public:
  TillSimulation(RegisterService& service, const CatalogImport& catalog, uint64_t seed, size_t receipts,
                 std::atomic<uint64_t>& done)
      : service_(service), catalog_(catalog), random_(seed), receipts_(receipts), done_(done) {}

  Status Run(TillDay& day, const DemoUser& cashier) {
    POS_RETURN_IF_ERROR(service_.SignOn(cashier.id, cashier.pin));
    POS_RETURN_IF_ERROR(service_.CashMovement(true, 15000, "opening float", kSupervisor));
    for (size_t i = 0; i < receipts_; ++i) {
      const uint64_t roll = random_() % 100;
      if (roll < 2 && !closed_sales_.empty()) {
        POS_RETURN_IF_ERROR(Refund(day));
      } else if (roll < 4) {
        POS_RETURN_IF_ERROR(Cancelled(day));
      } else if (roll < 9) {
        POS_ASSIGN_OR_RETURN(std::string id, Basket(day));
        POS_RETURN_IF_ERROR(service_.Park(id));
        parked_.push_back(id);
        ++day.parked;
      } else {
        POS_ASSIGN_OR_RETURN(std::string id, Basket(day));
        POS_RETURN_IF_ERROR(PayAndClose(id, day));
      }
      if (!parked_.empty() && random_() % 4 == 0) POS_RETURN_IF_ERROR(ResumeOne(day));
      if (i == receipts_ / 2) POS_RETURN_IF_ERROR(SkimCash());
      done_.fetch_add(1);
    }
    while (!parked_.empty()) POS_RETURN_IF_ERROR(ResumeOne(day));
    POS_ASSIGN_OR_RETURN(ZReport x, service_.XReport());
    // Now and then the drawer is 50 cents short.
    const int64_t counted = x.expected_cash - (random_() % 10 == 0 ? 50 : 0);
    POS_ASSIGN_OR_RETURN(day.z, service_.CloseDay(counted, kSupervisor));
    return service_.SignOff();
  }

 private:
  const Article& PickArticle() { return catalog_.articles[random_() % catalog_.articles.size()]; }

  Result<std::string> Basket(TillDay& day) {
    POS_ASSIGN_OR_RETURN(std::string id, service_.Open());
    const size_t lines = 1 + random_() % 7;
    for (size_t l = 0; l < lines; ++l) {
      const Article& article = PickArticle();
      const int64_t quantity = 1 + static_cast<int64_t>(random_() % 100 < 80 ? 0 : random_() % 3);
      // Half the lines are scanned by barcode, half keyed in by article number.
      const std::string& ref = random_() % 2 == 0 ? article.barcodes.front() : article.code;
      if (random_() % 100 == 0) {
        POS_RETURN_IF_ERROR(service_.AddLine(id, ref, quantity, article.gross_price * 9 / 10, kSupervisor).status());
      } else {
        POS_RETURN_IF_ERROR(service_.AddLine(id, ref, quantity).status());
      }
    }
    if (lines > 1 && random_() % 100 < 6) {
      POS_RETURN_IF_ERROR(service_.VoidLine(id, 1 + static_cast<uint32_t>(random_() % lines)));
      ++day.voided_lines;
    }
    if (random_() % 100 < 3) {
      const Receipt* receipt = service_.state().FindReceipt(id);
      const int64_t total = ComputeTotals(*receipt).total;
      if (total >= 100) POS_RETURN_IF_ERROR(service_.DiscountReceipt(id, total / 10, kSupervisor));
    }
    return id;
  }

  Status PayAndClose(const std::string& id, TillDay& day) {
    const Receipt* receipt = service_.state().FindReceipt(id);
    const int64_t total = ComputeTotals(*receipt).total;
    const uint64_t how = random_() % 100;
    if (how < 50) {
      const int64_t tendered = (total + 499) / 500 * 500;  // the next 5.00 up
      POS_RETURN_IF_ERROR(service_.Pay(id, {PaymentType::kCash, tendered == 0 ? total : tendered, ""}));
    } else if (how < 85) {
      POS_RETURN_IF_ERROR(service_.Pay(id, {PaymentType::kCard, total, "card-" + std::to_string(random_() % 100000)}));
    } else if (how < 90) {
      const int64_t voucher = std::min<int64_t>(total, 2000);
      POS_RETURN_IF_ERROR(service_.Pay(id, {PaymentType::kVoucher, voucher, "voucher"}));
      if (total > voucher) POS_RETURN_IF_ERROR(service_.Pay(id, {PaymentType::kCard, total - voucher, "card"}));
    } else {
      const int64_t card = total / 2;
      if (card > 0) POS_RETURN_IF_ERROR(service_.Pay(id, {PaymentType::kCard, card, "card"}));
      POS_RETURN_IF_ERROR(service_.Pay(id, {PaymentType::kCash, total - card, ""}));
    }
    POS_ASSIGN_OR_RETURN(CloseOutcome closed, service_.Close(id));
    closed_sales_.push_back(closed.number);
    ++day.sales;
    return Status::Ok();
  }

  Status ResumeOne(TillDay& day) {
    const std::string id = parked_.front();
    parked_.erase(parked_.begin());
    POS_RETURN_IF_ERROR(service_.Resume(id));
    return PayAndClose(id, day);
  }

  Status Cancelled(TillDay& day) {
    POS_ASSIGN_OR_RETURN(std::string id, Basket(day));
    ++day.cancelled;
    return service_.Cancel(id, "customer changed their mind", kSupervisor);
  }

  // Takes back one piece of the first line of an earlier sale, paid out in cash.
  Status Refund(TillDay& day) {
    const uint64_t number = closed_sales_[random_() % closed_sales_.size()];
    const ClosedReceiptRecord* original = service_.state().FindClosed(number);
    const ReceiptLine* line = nullptr;
    for (const ReceiptLine& l : original->lines) {
      const auto refunded = original->refunded.find(l.article_code);
      if (!l.voided && l.quantity > (refunded == original->refunded.end() ? 0 : refunded->second)) {
        line = &l;
        break;
      }
    }
    if (line == nullptr) return Status::Ok();  // fully refunded already
    const std::string code = line->article_code;
    POS_ASSIGN_OR_RETURN(std::string id, service_.Open(kSupervisor, number));
    POS_RETURN_IF_ERROR(service_.AddLine(id, code, -1).status());
    const int64_t total = ComputeTotals(*service_.state().FindReceipt(id)).total;
    POS_RETURN_IF_ERROR(service_.Pay(id, {PaymentType::kCash, total, "refund"}));
    POS_RETURN_IF_ERROR(service_.Close(id).status());
    ++day.refunds;
    return Status::Ok();
  }

  // Mid-day the supervisor takes cash above 300.00 to the safe.
  Status SkimCash() {
    const int64_t in_drawer = service_.state().day().ExpectedCash();
    if (in_drawer <= 30000) return Status::Ok();
    return service_.CashMovement(false, in_drawer - 30000, "to the safe", kSupervisor);
  }

  RegisterService& service_;
  const CatalogImport& catalog_;
  std::mt19937_64 random_;
  size_t receipts_;
  std::atomic<uint64_t>& done_;
  std::vector<std::string> parked_;
  std::vector<uint64_t> closed_sales_;
};

Status RunTill(const DemoOptions& options, const CatalogImport& catalog, size_t index, TillDay& day,
               std::atomic<uint64_t>& done) {
  day.name = "till-" + std::to_string(index + 1);
  day.data_dir = (std::filesystem::path(options.root) / day.name).string();
  POS_ASSIGN_OR_RETURN(auto store, EventStore::Create(day.data_dir, {.node_name = day.name}));
  day.node_id_hex = ToHex(store->node_id());
  POS_RETURN_IF_ERROR(DeviceBinding::BindToThisMachine(*store, "root"));
  ProjectionRunner runner(*store);
  POS_RETURN_IF_ERROR(RegisterBuiltinProjections(runner));
  POS_RETURN_IF_ERROR(runner.CatchUp());
  MasterDataService master_data(*store, runner);
  POS_RETURN_IF_ERROR(master_data.Import(catalog, "root").status());
  POS_ASSIGN_OR_RETURN(auto service, RegisterService::Load(*store, runner));
  TillSimulation simulation(*service, catalog, options.seed * 7919 + index, options.receipts_per_till, done);
  const DemoUser& cashier = DemoCashiers()[index % DemoCashiers().size()];
  POS_RETURN_IF_ERROR(simulation.Run(day, cashier).WithContext(day.name));
  POS_RETURN_IF_ERROR(runner.CatchUp());
  day.events = store->LastSequence();
  POS_ASSIGN_OR_RETURN(day.verification, VerifyChains(*store));
  return Status::Ok();
}

}  // namespace

Result<std::vector<TillDay>> RunDemoSite(const DemoOptions& options,
                                         const std::function<void(uint64_t, uint64_t)>& progress) {
  if (options.tills == 0 || options.tills > 64) return Status::InvalidArgument("--tills must be 1 to 64");
  if (options.articles < 10) return Status::InvalidArgument("--articles must be at least 10");
  std::error_code ec;
  if (std::filesystem::exists(options.root, ec) && !std::filesystem::is_empty(options.root, ec)) {
    return Status::AlreadyExists(options.root + " exists and is not empty; remove it or choose another --root");
  }
  POS_ASSIGN_OR_RETURN(CatalogImport catalog, MakeDemoCatalog(options.seed, options.articles, options.pin_iterations));
  std::vector<TillDay> days(options.tills);
  std::vector<Status> results(options.tills);
  std::atomic<uint64_t> done{0};
  std::atomic<bool> finished{false};
  const uint64_t total = options.tills * options.receipts_per_till;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < options.tills; ++i) {
    threads.emplace_back([&, i] { results[i] = RunTill(options, catalog, i, days[i], done); });
  }
  std::thread reporter([&] {
    while (!finished.load()) {
      if (progress) progress(done.load(), total);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  for (auto& thread : threads) thread.join();
  finished = true;
  reporter.join();
  if (progress) progress(done.load(), total);
  for (const Status& s : results) POS_RETURN_IF_ERROR(s);
  return days;
}

}  // namespace pos::cli
