#include "adapters/command_dispatcher.h"

#include <exception>
#include <optional>

#include "adapters/api_codec.h"
#include "adapters/api_views.h"
#include "domain/receipt_handover.h"
#include "domain/tax_calculator.h"
#include "engine/bytes.h"

namespace pos {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

// The result part of a successful reply.
struct Outcome {
  api::ResultData type = api::ResultData::Empty;
  Offset<void> value;
};

Status Malformed(const std::string& why) { return Status::InvalidArgument("malformed request: " + why); }

std::string Str(const flatbuffers::String* text) { return text != nullptr ? text->str() : std::string(); }

std::optional<Approval> ToApproval(const api::Approval* approval) {
  if (approval == nullptr) return std::nullopt;
  return Approval{Str(approval->user_id()), Str(approval->pin())};
}

Result<std::string> RequiredText(const flatbuffers::String* text, std::string_view field) {
  if (text == nullptr || text->size() == 0) return Status::InvalidArgument(std::string(field) + " is required");
  return text->str();
}

Result<PaymentType> ToPaymentType(api::PaymentType type) {
  switch (type) {
    case api::PaymentType::Cash: return PaymentType::kCash;
    case api::PaymentType::Card: return PaymentType::kCard;
    case api::PaymentType::Voucher: return PaymentType::kVoucher;
  }
  return Status::InvalidArgument("unknown payment type " + std::to_string(static_cast<int>(type)));
}

Outcome Empty(FlatBufferBuilder& fbb) { return {api::ResultData::Empty, api::CreateEmpty(fbb).Union()}; }

// Runs one verified command against the service and encodes its result.
class Handler {
 public:
  Handler(RegisterService& service, const EventStore* store, FlatBufferBuilder& fbb, SaleObserver* observer)
      : service_(service), store_(store), fbb_(fbb), observer_(observer) {}

  Result<Outcome> Run(const api::Request& request) {
    switch (request.command_type()) {
      case api::Command::SignOn: return On(*request.command_as_SignOn());
      case api::Command::SignOff: return Done(service_.SignOff());
      case api::Command::Open: return On(*request.command_as_Open());
      case api::Command::AddLine: return On(*request.command_as_AddLine());
      case api::Command::VoidLine: return On(*request.command_as_VoidLine());
      case api::Command::DiscountLine: return On(*request.command_as_DiscountLine());
      case api::Command::DiscountReceipt: return On(*request.command_as_DiscountReceipt());
      case api::Command::Pay: return On(*request.command_as_Pay());
      case api::Command::Park: return On(*request.command_as_Park());
      case api::Command::Resume: return On(*request.command_as_Resume());
      case api::Command::Cancel: return On(*request.command_as_Cancel());
      case api::Command::Close: return On(*request.command_as_Close());
      case api::Command::CashMovement: return On(*request.command_as_CashMovement());
      case api::Command::XReport: return Report(service_.XReport(), false);
      case api::Command::CloseDay: return On(*request.command_as_CloseDay());
      case api::Command::GetReceipt: return On(*request.command_as_GetReceipt());
      case api::Command::GetStatus: return NodeStatus();
      case api::Command::TakeBackup:
        return Malformed("TakeBackup is taken on the daemon's admin socket (ipc://<data>/admin.sock) only");
      case api::Command::ParkToSite: return On(*request.command_as_ParkToSite());
      case api::Command::ResumeFromSite: return On(*request.command_as_ResumeFromSite());
      case api::Command::ListSiteParked: return SiteParked();
      case api::Command::NONE: break;
    }
    return Malformed("unknown command type " + std::to_string(static_cast<int>(request.command_type())));
  }

 private:
  Result<Outcome> Done(const pos::Status& status) {
    if (!status.ok()) return status;
    return Empty(fbb_);
  }

  Result<Outcome> Report(const Result<ZReport>& report, bool is_z) {
    if (!report.ok()) return report.status();
    return Outcome{api::ResultData::Report, api::EncodeReport(fbb_, *report, is_z).Union()};
  }

  Result<Outcome> On(const api::SignOn& c) {
    POS_ASSIGN_OR_RETURN(std::string user, RequiredText(c.user_id(), "user_id"));
    return Done(service_.SignOn(user, Str(c.pin())));
  }

  Result<Outcome> On(const api::Open& c) {
    POS_ASSIGN_OR_RETURN(std::string id, service_.Open(ToApproval(c.approval()), c.refund_of_number(), c.training()));
    return Outcome{api::ResultData::ReceiptOpened, api::CreateReceiptOpenedDirect(fbb_, id.c_str()).Union()};
  }

  Result<Outcome> On(const api::AddLine& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    POS_ASSIGN_OR_RETURN(std::string article, RequiredText(c.article(), "article"));
    std::optional<int64_t> price;
    if (c.has_price()) price = c.price();
    POS_ASSIGN_OR_RETURN(ReceiptLine line,
                         service_.AddLine(receipt_id, article, c.quantity(), price, ToApproval(c.approval())));
    if (observer_ != nullptr) observer_->LineAdded(line);
    int64_t total = 0;
    if (const Receipt* receipt = service_.state().FindReceipt(receipt_id)) total = ComputeTotals(*receipt).total;
    auto encoded = api::EncodeLine(fbb_, line);
    auto id = fbb_.CreateString(receipt_id);
    return Outcome{api::ResultData::LineAdded,
                   api::CreateLineAdded(fbb_, id, line.line_no, line.Amount(), encoded, total).Union()};
  }

  Result<Outcome> On(const api::VoidLine& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    return Done(service_.VoidLine(receipt_id, c.line_no()));
  }

  Result<Outcome> On(const api::DiscountLine& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    return Done(service_.DiscountLine(receipt_id, c.line_no(), c.amount(), ToApproval(c.approval())));
  }

  Result<Outcome> On(const api::DiscountReceipt& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    return Done(service_.DiscountReceipt(receipt_id, c.amount(), ToApproval(c.approval())));
  }

  Result<Outcome> On(const api::Pay& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    POS_ASSIGN_OR_RETURN(PaymentType type, ToPaymentType(c.type()));
    return Done(service_.Pay(receipt_id, Payment{type, c.amount(), Str(c.reference())}));
  }

  Result<Outcome> On(const api::Park& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    return Done(service_.Park(receipt_id));
  }

  Result<Outcome> On(const api::Resume& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    return Done(service_.Resume(receipt_id));
  }

  Result<Outcome> On(const api::ParkToSite& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    return Done(service_.ParkToSite(receipt_id));
  }

  Result<Outcome> On(const api::ResumeFromSite& c) {
    POS_ASSIGN_OR_RETURN(std::string source_id, RequiredText(c.receipt_id(), "receipt_id"));
    POS_ASSIGN_OR_RETURN(std::string id, service_.ResumeFromSite(source_id));
    return Outcome{api::ResultData::ReceiptOpened, api::CreateReceiptOpenedDirect(fbb_, id.c_str()).Union()};
  }

  Result<Outcome> SiteParked() {
    if (store_ == nullptr) return Status::FailedPrecondition("this command API has no store to list receipts from");
    POS_ASSIGN_OR_RETURN(std::vector<std::string> ids, ListSiteParkedReceipts(*store_));
    std::vector<Offset<api::SiteParkedReceipt>> receipts;
    for (const std::string& id : ids) {
      POS_ASSIGN_OR_RETURN(SiteParkedReceipt parked, LoadSiteParkedReceipt(*store_, id));
      uint32_t lines = 0;
      for (const ReceiptLine& line : parked.receipt.lines) lines += line.voided ? 0 : 1;
      receipts.push_back(api::CreateSiteParkedReceiptDirect(fbb_, id.c_str(), parked.source_till.c_str(),
                                                            parked.handed_over_by.c_str(), lines,
                                                            ComputeTotals(parked.receipt).total));
    }
    return Outcome{api::ResultData::SiteParkedList, api::CreateSiteParkedListDirect(fbb_, &receipts).Union()};
  }

  Result<Outcome> On(const api::Cancel& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    return Done(service_.Cancel(receipt_id, Str(c.reason()), ToApproval(c.approval())));
  }

  Result<Outcome> On(const api::Close& c) {
    POS_ASSIGN_OR_RETURN(std::string receipt_id, RequiredText(c.receipt_id(), "receipt_id"));
    std::optional<Receipt> before;
    if (const Receipt* open = service_.state().FindReceipt(receipt_id)) before = *open;
    POS_ASSIGN_OR_RETURN(CloseOutcome outcome, service_.Close(receipt_id));
    if (observer_ != nullptr && before) observer_->ReceiptClosed(*before, outcome);
    auto tax_lines = api::EncodeTaxLines(fbb_, outcome.totals.tax_lines);
    auto id = fbb_.CreateString(receipt_id);
    return Outcome{api::ResultData::Closed,
                   api::CreateClosed(fbb_, id, outcome.number, outcome.totals.total, outcome.change, tax_lines)
                       .Union()};
  }

  Result<Outcome> On(const api::CashMovement& c) {
    return Done(service_.CashMovement(c.cash_in(), c.amount(), Str(c.reason()), ToApproval(c.approval())));
  }

  Result<Outcome> On(const api::CloseDay& c) {
    return Report(service_.CloseDay(c.counted_cash(), ToApproval(c.approval())), true);
  }

  Result<Outcome> On(const api::GetReceipt& c) {
    const Register& state = service_.state();
    const std::string id = Str(c.receipt_id());
    if (c.number() != 0) {
      const ClosedReceiptRecord* record = state.FindClosed(c.number());
      if (record == nullptr || (!id.empty() && record->receipt_id != id)) {
        return Status::NotFound("no closed receipt number " + std::to_string(c.number()) + " at this till" +
                                (id.empty() ? "" : " with id " + id));
      }
      return Outcome{api::ResultData::ReceiptView, api::EncodeClosedReceipt(fbb_, *record).Union()};
    }
    if (id.empty()) return Status::InvalidArgument("receipt_id or number is required");
    if (const Receipt* receipt = state.FindReceipt(id)) {
      return Outcome{api::ResultData::ReceiptView, api::EncodeReceipt(fbb_, *receipt).Union()};
    }
    for (uint64_t number = state.last_receipt_number(); number > 0; --number) {
      const ClosedReceiptRecord* record = state.FindClosed(number);
      if (record != nullptr && record->receipt_id == id) {
        return Outcome{api::ResultData::ReceiptView, api::EncodeClosedReceipt(fbb_, *record).Union()};
      }
    }
    return Status::NotFound("receipt " + id + " is neither open, parked nor closed at this till");
  }

  Result<Outcome> NodeStatus() {
    api::NodeFacts node;
    if (store_ != nullptr) {
      node.node_name = store_->node_name();
      node.node_id_hex = ToHex(store_->node_id());
      node.last_sequence = store_->LastSequence();
    }
    return Outcome{api::ResultData::StatusView, api::EncodeStatus(fbb_, service_.state(), node).Union()};
  }

  RegisterService& service_;
  const EventStore* store_;
  FlatBufferBuilder& fbb_;
  SaleObserver* observer_;
};

// Checks the envelope of a request beyond what the verifier checks: a known
// command type whose table is present.
pos::Status CheckCommand(const api::Request& request) {
  const api::Command type = request.command_type();
  if (type == api::Command::NONE) return Malformed("no command");
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(api::Command::MAX)) {
    return Malformed("unknown command type " + std::to_string(static_cast<int>(type)));
  }
  if (request.command() == nullptr) {
    return Malformed(std::string("command ") + api::EnumNameCommand(type) + " without its table");
  }
  return pos::Status::Ok();
}

std::string DispatchVerified(RegisterService& service, const api::Request& request, const EventStore* store,
                             SaleObserver* observer) {
  const uint64_t request_id = request.request_id();
  if (pos::Status check = CheckCommand(request); !check.ok()) return api::ErrorReplyBytes(request_id, check);
  FlatBufferBuilder fbb(1024);
  Handler handler(service, store, fbb, observer);
  Result<Outcome> outcome = handler.Run(request);
  if (!outcome.ok()) return api::ErrorReplyBytes(request_id, outcome.status());
  auto reply = api::CreateReply(fbb, request_id, true, fbb.CreateString(""), fbb.CreateString(""), outcome->type,
                                outcome->value);
  fbb.Finish(reply, api::RequestIdentifier());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

}  // namespace

std::string Dispatch(RegisterService& service, std::string_view request_bytes, const EventStore* store,
                     SaleObserver* observer) {
  try {
    if (request_bytes.size() > api::kMaxMessageBytes) {
      return api::ErrorReplyBytes(0, Malformed(std::to_string(request_bytes.size()) + " bytes exceed the " +
                                               std::to_string(api::kMaxMessageBytes) + "-byte limit"));
    }
    api::AlignedBytes bytes(request_bytes);
    flatbuffers::Verifier verifier(bytes.data(), bytes.size(), api::kMaxDepth, api::kMaxTables);
    if (!api::VerifyRequestBuffer(verifier)) {
      return api::ErrorReplyBytes(
          0, Malformed("not a valid pos.api.Request buffer (" + std::to_string(request_bytes.size()) +
                       " bytes; needs the \"PAPI\" identifier, nesting depth <= 16, <= 1000 tables)"));
    }
    return DispatchVerified(service, *api::GetRequest(bytes.data()), store, observer);
  } catch (const std::exception& e) {
    return api::ErrorReplyBytes(0, Status::Internal(std::string("dispatching the request failed: ") + e.what()));
  }
}

}  // namespace pos
