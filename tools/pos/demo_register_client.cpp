#include "tools/pos/demo_register_client.h"

#include <flatbuffers/flatbuffers.h>

#include "adapters/api_codec.h"
#include "tools/pos/sale_format.h"

namespace pos::cli {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

// One request on the wire and its verified reply.
class DemoRequest {
 public:
  explicit DemoRequest(DemoRegisterClient& client) : client_(client) {}
  FlatBufferBuilder& fbb() { return fbb_; }

  Offset<api::Approval> Approval(const std::optional<DemoApproval>& approval) {
    if (!approval.has_value()) return {};
    return api::CreateApprovalDirect(fbb_, approval->user.c_str(), approval->pin.c_str());
  }

  template <typename T>
  Result<api::ReplyMessage> Send(api::Command type, Offset<T> command) {
    const std::string request = api::FinishRequest(fbb_, client_.next_request_id_++, type, command.Union());
    POS_ASSIGN_OR_RETURN(std::string bytes, client_.client_.Call(request));
    POS_ASSIGN_OR_RETURN(api::ReplyMessage reply, api::ReplyMessage::Parse(bytes));
    POS_RETURN_IF_ERROR(reply.status());
    return reply;
  }

 private:
  DemoRegisterClient& client_;
  FlatBufferBuilder fbb_{512};
};

namespace {

api::PaymentType ToApi(DemoPayment type) {
  switch (type) {
    case DemoPayment::kCash: return api::PaymentType::Cash;
    case DemoPayment::kCard: return api::PaymentType::Card;
    case DemoPayment::kVoucher: return api::PaymentType::Voucher;
  }
  return api::PaymentType::Cash;
}

Result<ZReport> ReportOf(const api::ReplyMessage& reply) {
  const api::Report* report = reply.reply().result_as_Report();
  if (report == nullptr) return Status::Corruption("the till answered a report request without a report");
  return ReportFromApi(*report);
}

}  // namespace

DemoRegisterClient::DemoRegisterClient(std::string endpoint) : client_(std::move(endpoint)) {}

Status DemoRegisterClient::SignOn(const std::string& user, const std::string& pin) {
  DemoRequest r(*this);
  return r.Send(api::Command::SignOn, api::CreateSignOnDirect(r.fbb(), user.c_str(), pin.c_str())).status();
}

Status DemoRegisterClient::SignOff() {
  DemoRequest r(*this);
  return r.Send(api::Command::SignOff, api::CreateSignOff(r.fbb())).status();
}

Result<std::string> DemoRegisterClient::Open(uint64_t refund_of_number, const std::optional<DemoApproval>& approval) {
  DemoRequest r(*this);
  const auto approval_offset = r.Approval(approval);
  POS_ASSIGN_OR_RETURN(api::ReplyMessage reply,
                       r.Send(api::Command::Open, api::CreateOpen(r.fbb(), refund_of_number, false, approval_offset)));
  const api::ReceiptOpened* opened = reply.reply().result_as_ReceiptOpened();
  if (opened == nullptr || opened->receipt_id() == nullptr) {
    return Status::Corruption("the till answered Open without a receipt id");
  }
  return opened->receipt_id()->str();
}

Result<int64_t> DemoRegisterClient::AddLine(const std::string& receipt_id, const std::string& article,
                                            int64_t quantity, std::optional<int64_t> price,
                                            const std::optional<DemoApproval>& approval) {
  DemoRequest r(*this);
  const auto approval_offset = r.Approval(approval);
  POS_ASSIGN_OR_RETURN(api::ReplyMessage reply,
                       r.Send(api::Command::AddLine,
                              api::CreateAddLineDirect(r.fbb(), receipt_id.c_str(), article.c_str(), quantity,
                                                       price.has_value(), price.value_or(0), approval_offset)));
  const api::LineAdded* added = reply.reply().result_as_LineAdded();
  if (added == nullptr) return Status::Corruption("the till answered AddLine without the line");
  return added->receipt_total();
}

Status DemoRegisterClient::VoidLine(const std::string& receipt_id, uint32_t line_no) {
  DemoRequest r(*this);
  return r.Send(api::Command::VoidLine, api::CreateVoidLineDirect(r.fbb(), receipt_id.c_str(), line_no)).status();
}

Status DemoRegisterClient::DiscountReceipt(const std::string& receipt_id, int64_t amount,
                                           const DemoApproval& approval) {
  DemoRequest r(*this);
  const auto approval_offset = r.Approval(approval);
  return r
      .Send(api::Command::DiscountReceipt,
            api::CreateDiscountReceiptDirect(r.fbb(), receipt_id.c_str(), amount, approval_offset))
      .status();
}

Result<int64_t> DemoRegisterClient::Total(const std::string& receipt_id) {
  DemoRequest r(*this);
  POS_ASSIGN_OR_RETURN(api::ReplyMessage reply,
                       r.Send(api::Command::GetReceipt, api::CreateGetReceiptDirect(r.fbb(), receipt_id.c_str(), 0)));
  const api::ReceiptView* view = reply.reply().result_as_ReceiptView();
  if (view == nullptr) return Status::Corruption("the till answered GetReceipt without the receipt");
  return view->total();
}

Status DemoRegisterClient::Pay(const std::string& receipt_id, DemoPayment type, int64_t amount,
                               const std::string& reference) {
  DemoRequest r(*this);
  return r
      .Send(api::Command::Pay,
            api::CreatePayDirect(r.fbb(), receipt_id.c_str(), ToApi(type), amount, reference.c_str()))
      .status();
}

Status DemoRegisterClient::Park(const std::string& receipt_id) {
  DemoRequest r(*this);
  return r.Send(api::Command::Park, api::CreateParkDirect(r.fbb(), receipt_id.c_str())).status();
}

Status DemoRegisterClient::Resume(const std::string& receipt_id) {
  DemoRequest r(*this);
  return r.Send(api::Command::Resume, api::CreateResumeDirect(r.fbb(), receipt_id.c_str())).status();
}

Status DemoRegisterClient::Cancel(const std::string& receipt_id, const std::string& reason,
                                  const DemoApproval& approval) {
  DemoRequest r(*this);
  const auto approval_offset = r.Approval(approval);
  return r
      .Send(api::Command::Cancel,
            api::CreateCancelDirect(r.fbb(), receipt_id.c_str(), reason.c_str(), approval_offset))
      .status();
}

Result<uint64_t> DemoRegisterClient::Close(const std::string& receipt_id) {
  DemoRequest r(*this);
  POS_ASSIGN_OR_RETURN(api::ReplyMessage reply,
                       r.Send(api::Command::Close, api::CreateCloseDirect(r.fbb(), receipt_id.c_str())));
  const api::Closed* closed = reply.reply().result_as_Closed();
  if (closed == nullptr) return Status::Corruption("the till answered Close without the receipt number");
  return closed->number();
}

Status DemoRegisterClient::CashMovement(bool cash_in, int64_t amount, const std::string& reason,
                                        const DemoApproval& approval) {
  DemoRequest r(*this);
  const auto approval_offset = r.Approval(approval);
  return r
      .Send(api::Command::CashMovement,
            api::CreateCashMovementDirect(r.fbb(), cash_in, amount, reason.c_str(), approval_offset))
      .status();
}

Result<ZReport> DemoRegisterClient::XReport() {
  DemoRequest r(*this);
  POS_ASSIGN_OR_RETURN(api::ReplyMessage reply, r.Send(api::Command::XReport, api::CreateXReport(r.fbb())));
  return ReportOf(reply);
}

Result<ZReport> DemoRegisterClient::CloseDay(int64_t counted_cash, const DemoApproval& approval) {
  DemoRequest r(*this);
  const auto approval_offset = r.Approval(approval);
  POS_ASSIGN_OR_RETURN(api::ReplyMessage reply,
                       r.Send(api::Command::CloseDay, api::CreateCloseDay(r.fbb(), counted_cash, approval_offset)));
  return ReportOf(reply);
}

}  // namespace pos::cli
