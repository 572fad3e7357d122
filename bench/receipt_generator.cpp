#include "bench/receipt_generator.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/till_fixture.h"
#include "domain/fiscal/kassenbeleg.h"
#include "domain/fiscal/tse_events.h"
#include "domain/fiscal/tse_log_message.h"
#include "domain/register.h"
#include "domain/tax_calculator.h"
#include "engine/bytes.h"
#include "engine/clock.h"
#include "events/event_encoding.h"
#include "events/event_view.h"
#include "events/fiscal_generated.h"

namespace pos::bench {
namespace {

constexpr size_t kSignatureBytes = 64;  // ECDSA P-256, plain r||s
constexpr size_t kPublicKeyBytes = 91;  // DER SubjectPublicKeyInfo of a P-256 key

// Decides commands on a Register and folds each decision back into it at once
// (sealed locally, outside the store), so the next command can be decided
// before the store has committed the previous one.
class TillSimulator {
 public:
  TillSimulator(EventStore& store, const GeneratorOptions& options)
      : store_(store),
        register_(store.node_id()),
        catalog_(MakeFixtureCatalog(options.articles)),
        random_(options.seed + store.LastSequence()),
        serial_hex_(options.tse_serial_hex),
        client_id_(ToHex(store.node_id())),
        public_key_(RandomBytes(kPublicKeyBytes)) {
    for (const TaxRate& rate : catalog_.tax_rates) rates_[rate.code] = rate;
  }

  Status LoadFromStore() {
    Status failed;
    POS_RETURN_IF_ERROR(store_.ScanOrigin(store_.node_id(), 1, [&](uint64_t, std::string_view bytes) {
      auto view = EventView::Parse(bytes);
      failed = view.ok() ? register_.Apply(*view) : view.status();
      if (failed.ok()) NoteTse(*view);
      return failed.ok();
    }));
    return failed;
  }

  // One receipt's commands (or the day close when the day is full) into `out`.
  Status NextCommands(uint32_t receipts_per_day, std::vector<AppendBatch>& out) {
    const Actor cashier{kCashier, UserRole::kCashier};
    if (!register_.signed_on().has_value()) {
      User user{kCashier, "Anna", UserRole::kCashier, ""};
      POS_ASSIGN_OR_RETURN(AppendBatch sign_on, register_.DecideSignOn(user));
      POS_RETURN_IF_ERROR(Take(std::move(sign_on), out));
    }
    if (register_.day().receipts >= receipts_per_day) {
      const Actor supervisor{kSupervisor, UserRole::kSupervisor};
      const ZReport x = register_.XReport();
      POS_ASSIGN_OR_RETURN(auto close_day,
                           register_.DecideDayClose(supervisor, std::nullopt, x.expected_cash, Now()));
      return Take(std::move(close_day.first), out);
    }
    // open
    POS_ASSIGN_OR_RETURN(AppendBatch open, register_.DecideOpen(cashier, std::nullopt, 0, false));
    const std::string receipt_id = open.stream.substr(std::string_view("receipt/").size());
    open.events.push_back(Started(receipt_id));
    POS_RETURN_IF_ERROR(Take(std::move(open), out));
    // three lines
    std::uniform_int_distribution<size_t> pick(0, catalog_.articles.size() - 1);
    std::uniform_int_distribution<int64_t> pieces(1, 3);
    for (int i = 0; i < 3; ++i) {
      const Article& article = catalog_.articles[pick(random_)];
      const int64_t quantity = pieces(random_);
      POS_ASSIGN_OR_RETURN(AppendBatch line, register_.DecideAddLine(cashier, std::nullopt, receipt_id, article,
                                                                     rates_.at(article.tax_rate), quantity,
                                                                     std::nullopt));
      line.events.push_back(Updated(receipt_id, "Position^" + article.code + "^" + std::to_string(quantity) + "^"));
      POS_RETURN_IF_ERROR(Take(std::move(line), out));
    }
    // payment
    const Receipt* receipt = register_.FindReceipt(receipt_id);
    const int64_t total = ComputeTotals(*receipt).total;
    Payment payment;
    if (random_() % 2 == 0) {
      payment = {PaymentType::kCash, (total + 499) / 500 * 500, ""};
    } else {
      payment = {PaymentType::kCard, total, ""};
    }
    POS_ASSIGN_OR_RETURN(AppendBatch pay, register_.DecidePayment(cashier, receipt_id, payment));
    pay.events.push_back(Updated(receipt_id, "Zahlung^" + std::string(PaymentTypeName(payment.type)) + "^" +
                                                 std::to_string(payment.amount)));
    POS_RETURN_IF_ERROR(Take(std::move(pay), out));
    // close
    POS_ASSIGN_OR_RETURN(auto close, register_.DecideClose(cashier, receipt_id));
    FiscalReceipt fiscal{receipt_id, false, false, close.second.totals, {}};
    std::map<PaymentType, int64_t> kept;
    for (const Payment& p : register_.FindReceipt(receipt_id)->payments) kept[p.type] += p.amount;
    kept[PaymentType::kCash] -= close.second.change;
    for (const auto& [type, amount] : kept) {
      if (amount != 0) fiscal.payments.push_back({type, amount, ""});
    }
    AppendBatch closing = std::move(close.first);
    closing.events.insert(closing.events.end() - 1, Finished(fiscal));
    return Take(std::move(closing), out);
  }

 private:
  int64_t Now() const { return DefaultClock()->NowMicros(); }

  std::string RandomBytes(size_t n) {
    std::string bytes(n, '\0');
    for (char& c : bytes) c = static_cast<char>(random_() & 0xff);
    return bytes;
  }

  NewEvent Started(const std::string& receipt_id) {
    fiscal::tse_events::Started s;
    s.tse_serial = serial_hex_;
    s.client_id = client_id_;
    s.receipt_id = receipt_id;
    s.transaction_number = ++transaction_;
    s.signature_counter = ++counter_;
    s.log_time_us = Now();
    s.process_type = std::string(fiscal::kProcessTypeKassenbeleg);
    s.signature = RandomBytes(kSignatureBytes);
    open_start_us_ = s.log_time_us;
    return NewEvent{EventType::kTseTransactionStarted, fiscal::tse_events::TseTransactionStarted(s)};
  }

  NewEvent Updated(const std::string& receipt_id, const std::string& process_data) {
    fiscal::tse_events::Started u;
    u.tse_serial = serial_hex_;
    u.client_id = client_id_;
    u.receipt_id = receipt_id;
    u.transaction_number = transaction_;
    u.signature_counter = ++counter_;
    u.log_time_us = Now();
    u.process_type = std::string(fiscal::kProcessTypeKassenbeleg);
    u.process_data = process_data;
    u.signature = RandomBytes(kSignatureBytes);
    return NewEvent{EventType::kTseTransactionUpdated, fiscal::tse_events::TseTransactionUpdated(u)};
  }

  NewEvent Finished(const FiscalReceipt& receipt) {
    fiscal::tse_events::Finished f;
    f.tse_serial = serial_hex_;
    f.client_id = client_id_;
    f.transaction_number = transaction_;
    f.signature_counter = ++counter_;
    f.start_time_us = open_start_us_;
    f.log_time_us = Now();
    f.process_type = std::string(fiscal::kProcessTypeKassenbeleg);
    f.process_data = fiscal::KassenbelegProcessData(receipt);
    f.signature = RandomBytes(kSignatureBytes);
    f.public_key = public_key_;
    f.qr_code = fiscal::QrCode({client_id_, f.process_type, f.process_data, f.transaction_number,
                                f.signature_counter, f.start_time_us, f.log_time_us, f.signature, f.public_key});
    return NewEvent{EventType::kTseTransactionFinished, fiscal::tse_events::TseTransactionFinished(f)};
  }

  // Folds the decided batch into the register (as if committed) and queues it.
  Status Take(AppendBatch batch, std::vector<AppendBatch>& out) {
    const std::string prev_hash(32, '\0');
    const int64_t now = Now();
    for (size_t i = 0; i < batch.events.size(); ++i) {
      const NewEvent& event = batch.events[i];
      SealedEvent sealed = SealEvent({.origin = store_.node_id(),
                                      .origin_seq = ++local_seq_,  // any seq: the store assigns the real one
                                      .stream = batch.stream,
                                      .stream_version = batch.expected_version + i + 1,
                                      .type = static_cast<uint32_t>(event.type),
                                      .hlc = 0,
                                      .wall_time_us = now,
                                      .user = batch.user,
                                      .prev_hash = prev_hash,
                                      .payload = event.payload});
      POS_ASSIGN_OR_RETURN(EventView view, EventView::Parse(sealed.bytes));
      POS_RETURN_IF_ERROR(register_.Apply(view));
    }
    out.push_back(std::move(batch));
    return Status::Ok();
  }

  // Continues the TSE counters of a store that already holds generated receipts.
  void NoteTse(const EventView& view) {
    switch (static_cast<EventType>(view.type())) {
      case EventType::kTseTransactionStarted:
      case EventType::kTseTransactionUpdated:
      case EventType::kTseTransactionFinished: {
        // Every TSE payload table carries these two fields at the same names.
        if (const auto* s = view.PayloadAs<fb::TseTransactionStarted>()) {
          transaction_ = std::max(transaction_, s->transaction_number());
          counter_ = std::max(counter_, s->signature_counter());
        } else if (const auto* u = view.PayloadAs<fb::TseTransactionUpdated>()) {
          transaction_ = std::max(transaction_, u->transaction_number());
          counter_ = std::max(counter_, u->signature_counter());
        } else if (const auto* f = view.PayloadAs<fb::TseTransactionFinished>()) {
          transaction_ = std::max(transaction_, f->transaction_number());
          counter_ = std::max(counter_, f->signature_counter());
        }
        break;
      }
      default: break;
    }
  }

  EventStore& store_;
  Register register_;
  FixtureCatalog catalog_;
  std::map<std::string, TaxRate> rates_;
  std::mt19937_64 random_;
  std::string serial_hex_;
  std::string client_id_;
  std::string public_key_;
  uint64_t transaction_ = 0;
  uint64_t counter_ = 0;
  int64_t open_start_us_ = 0;
  uint64_t local_seq_ = 0;
};

}  // namespace

Status GenerateReceipts(EventStore& store, const GeneratorOptions& options) {
  TillSimulator till(store, options);
  POS_RETURN_IF_ERROR(till.LoadFromStore());
  uint64_t stored = store.LastSequence();
  while (stored < options.events) {
    std::vector<AppendBatch> commands;
    uint64_t pending_events = 0;
    while (commands.size() < options.commands_per_append && stored + pending_events < options.events) {
      const size_t before = commands.size();
      POS_RETURN_IF_ERROR(till.NextCommands(options.receipts_per_day, commands));
      for (size_t i = before; i < commands.size(); ++i) pending_events += commands[i].events.size();
    }
    std::vector<Result<AppendReceipt>> results = store.AppendMany(std::move(commands));
    for (const Result<AppendReceipt>& result : results) {
      POS_RETURN_IF_ERROR(result.status().WithContext("appending generated receipts"));
    }
    stored = store.LastSequence();
    if (options.progress) options.progress(stored, options.events);
  }
  return Status::Ok();
}

}  // namespace pos::bench
