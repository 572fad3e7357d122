#include "adapters/till_peripherals.h"

#include <chrono>
#include <ctime>
#include <iostream>

#include "adapters/customer_display.h"
#include "adapters/escpos_encoder.h"
#include "domain/receipt.h"
#include "events/event_view.h"
#include "domain/fiscal/kassenbeleg.h"
#include "domain/fiscal/at/rksv_print.h"
#include "domain/fiscal/se/scu_fiscal_module.h"
#include "events/event_types.h"
#include "events/fiscal_generated.h"
#include "events/node_generated.h"

namespace pos {
namespace {

std::string LocalDateTime(int64_t micros) {
  const auto seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
  return text;
}

std::string Percent(uint32_t basis_points) {
  std::string cents = std::to_string(basis_points % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return std::to_string(basis_points / 100) + "." + cents;
}

}  // namespace

Result<std::unique_ptr<TillPeripherals>> TillPeripherals::Create(const PeripheralConfig& config, std::string till_name,
                                                                 std::string currency) {
  std::unique_ptr<TillPeripherals> peripherals(new TillPeripherals());
  peripherals->config_ = config;
  peripherals->till_name_ = std::move(till_name);
  peripherals->currency_ = std::move(currency);
  if (config.printer) {
    auto sink = MakeSink(*config.printer);
    if (!sink.ok()) return sink.status().WithContext("the receipt printer");
    peripherals->printer_ = std::move(sink).value();
  }
  if (config.display) {
    auto sink = MakeSink(*config.display);
    if (!sink.ok()) return sink.status().WithContext("the customer display");
    peripherals->display_sink_ = std::move(sink).value();
  }
  return peripherals;
}

Result<std::unique_ptr<TillPeripherals>> TillPeripherals::ForNode(const std::string& data_dir, const EventStore& store) {
  POS_ASSIGN_OR_RETURN(PeripheralConfig config, LoadPeripheralConfig(data_dir));
  std::string currency = "EUR";
  POS_RETURN_IF_ERROR(store.ScanStream("node", 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (event.ok()) {
      if (const auto* node = event->PayloadAs<fb::NodeInitialised>(); node != nullptr && node->currency() != nullptr) {
        currency = node->currency()->str();
      }
    }
    return false;  // the first event of stream "node" is NodeInitialised
  }));
  return Create(config, store.node_name(), currency);
}

PrintableReceipt TillPeripherals::Printable(const ReceiptPrintJob& job, bool is_copy) const {
  const JournalReceipt& receipt = job.receipt;
  PrintableReceipt out;
  out.shop_name = config_.shop_name;
  out.address_lines = config_.address;
  out.till_name = till_name_;
  out.number = receipt.number;
  out.date_time = LocalDateTime(receipt.closed_at_us);
  out.cashier = receipt.cashier;
  for (const JournalLine& line : receipt.lines) {
    PrintableLine printable;
    printable.name = line.name;
    printable.quantity = line.quantity;
    printable.unit_price = line.unit_price;
    printable.amount = line.Amount();
    printable.tax_rate = line.tax_rate;
    if (line.discount > 0) printable.discount = line.discount;
    printable.voided = line.voided;
    out.lines.push_back(std::move(printable));
  }
  out.receipt_discount = receipt.receipt_discount;
  for (const TaxFigures& t : receipt.tax_lines) {
    out.tax_lines.push_back({t.tax_rate, Percent(t.basis_points), t.net, t.tax, t.gross});
  }
  out.total = receipt.total;
  for (const JournalPayment& p : receipt.payments) out.payments.push_back({p.type, p.amount});
  out.change_given = receipt.change;
  out.footer_lines = config_.footer;
  if (receipt.refund_of_number != 0) {
    out.fiscal_lines.push_back("Refund of receipt " + std::to_string(receipt.refund_of_number));
  }
  out.fiscal_lines.insert(out.fiscal_lines.end(), job.fiscal_lines.begin(), job.fiscal_lines.end());
  out.qr_payload = job.qr_payload;
  if (out.qr_payload.empty() && job.fiscal_lines.empty()) {
    out.qr_payload = "POS;" + till_name_ + ";" + std::to_string(receipt.number) + ";" + std::to_string(receipt.total);
  }
  out.is_copy = is_copy;
  out.is_demo = receipt.training;
  out.currency = currency_;
  return out;
}

Status TillPeripherals::ShowLine(std::string_view name, int64_t amount) {
  if (display_sink_ == nullptr) return Status::Ok();
  CustomerDisplay display(*display_sink_);
  return display.ShowLine(name, amount);
}

Status TillPeripherals::PrintClosed(const ReceiptPrintJob& job) {
  const JournalReceipt& receipt = job.receipt;
  Status first_error;
  if (printer_ != nullptr) {
    EscPosOptions options;
    options.columns = config_.columns;
    std::string bytes = RenderEscPos(Printable(job, /*is_copy=*/false), options);
    const bool cash = std::any_of(receipt.payments.begin(), receipt.payments.end(),
                                  [](const JournalPayment& p) { return p.type == "cash"; });
    if (config_.drawer && cash) bytes += CashDrawerKick(0);
    if (Status s = printer_->Write(bytes); !s.ok()) first_error = s.WithContext("printing receipt " + std::to_string(receipt.number));
  }
  if (display_sink_ != nullptr) {
    CustomerDisplay display(*display_sink_);
    Status s = receipt.change > 0 ? display.ShowChange(receipt.change) : display.ShowTotal(receipt.total);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

Status TillPeripherals::Reprint(const ReceiptPrintJob& job) {
  if (printer_ == nullptr) return Status::FailedPrecondition("no receipt printer is configured (peripherals.json)");
  EscPosOptions options;
  options.columns = config_.columns;
  return printer_->Write(RenderEscPos(Printable(job, /*is_copy=*/true), options));
}

namespace {

// The fiscal print of the first TseTransactionFinished among `events`.
void AddFiscalPrint(const std::vector<NewEvent>& events, ReceiptPrintJob& job) {
  for (const NewEvent& event : events) {
    if (event.type == EventType::kRksvReceiptSigned) {  // Austria: the RKSV QR code
      if (auto print = fiscal::at::RksvPrintOf(event.payload); print.ok()) {
        job.fiscal_lines = std::move(print->lines);
        job.qr_payload = std::move(print->qr_payload);
      }
      return;
    }
    if (event.type == EventType::kScuReceiptRegistered) {  // Sweden: the control code
      if (auto record = fiscal::se::DecodeScuReceiptRegistered(event.payload); record.ok()) {
        job.fiscal_lines = fiscal::se::ScuPrintLines(*record);
      }
      return;
    }
    if (event.type != EventType::kTseTransactionFinished) continue;
    flatbuffers::Verifier verifier(event.payload.data(), event.payload.size());
    if (!verifier.VerifyBuffer<fb::TseTransactionFinished>(nullptr)) continue;
    fiscal::FiscalPrint print = fiscal::FiscalPrintOf(*flatbuffers::GetRoot<fb::TseTransactionFinished>(event.payload.data()));
    job.fiscal_lines = std::move(print.lines);
    job.qr_payload = std::move(print.qr_payload);
    return;
  }
}

JournalReceipt ToJournalForm(const Receipt& receipt, const CloseOutcome& outcome, int64_t closed_at_us) {
  JournalReceipt out;
  out.receipt_id = receipt.id;
  out.status = JournalStatus::kClosed;
  out.number = outcome.number;
  out.opened_by = receipt.cashier;
  out.cashier = receipt.cashier;
  out.training = receipt.training;
  out.opened_at_us = receipt.opened_at_us;
  out.closed_at_us = closed_at_us;
  out.refund_of_number = receipt.refund_of_number;
  out.refund_of_till = receipt.refund_of_till;
  for (const ReceiptLine& line : receipt.lines) {
    JournalLine j{line.line_no,    line.article_code, line.name,   line.group,
                  line.quantity,   line.unit_price,   line.discount, line.voided,
                  line.price_overridden, line.tax_rate, line.tax_basis_points};
    out.lines.push_back(std::move(j));
  }
  out.receipt_discount = receipt.receipt_discount;
  for (const Payment& p : receipt.payments) {
    out.payments.push_back({std::string(PaymentTypeName(p.type)), p.amount, p.reference});
  }
  out.total = outcome.totals.total;
  out.change = outcome.change;
  for (const TaxLineTotal& t : outcome.totals.tax_lines) {
    out.tax_lines.push_back({t.tax_rate, t.basis_points, t.gross, t.net, t.tax});
  }
  out.line_count = static_cast<uint32_t>(receipt.LiveLines());
  out.voided_lines = static_cast<uint32_t>(receipt.lines.size() - receipt.LiveLines());
  return out;
}

}  // namespace

ReceiptPrintJob TillPeripherals::ToPrintJob(const Receipt& receipt, const CloseOutcome& outcome, int64_t closed_at_us) {
  ReceiptPrintJob job{ToJournalForm(receipt, outcome, closed_at_us), {}, {}};
  AddFiscalPrint(outcome.fiscal_events, job);
  return job;
}

Result<ReceiptPrintJob> TillPeripherals::ReprintJob(const JournalReceipt& receipt, const EventStore& store) {
  ReceiptPrintJob job{receipt, {}, {}};
  std::vector<NewEvent> fiscal;
  Status bad;
  POS_RETURN_IF_ERROR(store.ScanStream(ReceiptStream(receipt.receipt_id), 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status();
      return false;
    }
    if (event->type() == static_cast<uint32_t>(EventType::kTseTransactionFinished)) {
      const auto payload = event->payload();
      fiscal.push_back({EventType::kTseTransactionFinished, {payload.begin(), payload.end()}});
    }
    if (event->type() == static_cast<uint32_t>(EventType::kRksvReceiptSigned)) {
      const auto payload = event->payload();
      fiscal.push_back({EventType::kRksvReceiptSigned, {payload.begin(), payload.end()}});
    }
    return true;
  }));
  POS_RETURN_IF_ERROR(bad);
  AddFiscalPrint(fiscal, job);
  return job;
}

void TillPeripherals::LineAdded(const ReceiptLine& line) {
  if (Status s = ShowLine(line.name, line.Amount()); !s.ok()) {
    last_error_ = s;
    std::cerr << "pos: warning: customer display: " << s.message() << "\n";
  }
}

void TillPeripherals::ReceiptClosed(const Receipt& receipt, const CloseOutcome& outcome) {
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  PrintAndShow(ToPrintJob(receipt, outcome, now));
}

void TillPeripherals::PrintAndShow(const ReceiptPrintJob& job) {
  if (Status s = PrintClosed(job); !s.ok()) {
    last_error_ = s;
    std::cerr << "pos: warning: " << s.message() << " (the sale is stored; reprint it with `pos sale reprint`)\n";
  }
}

}  // namespace pos
