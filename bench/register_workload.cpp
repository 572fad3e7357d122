#include "bench/register_workload.h"

#include <thread>

#include "adapters/api_codec.h"
#include "adapters/serve_file.h"

namespace pos::bench {

Result<std::string> WaitForServeFile(const std::string& data_dir, int64_t pid, std::chrono::milliseconds timeout,
                                     RunningChild& child) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto info = ReadServeFile(data_dir);
    if (info.ok() && info->has_value() && (*info)->pid == pid) return (*info)->endpoint;
    if (child.Exited()) return Status::Unavailable("the node daemon exited before serving " + data_dir);
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return Status::Unavailable("the node daemon did not serve " + data_dir + " within " +
                             std::to_string(timeout.count()) + " ms");
}

Result<std::unique_ptr<ServedTill>> ServedTill::Start(const std::string& data_dir, const std::string& log_path,
                                                      std::chrono::milliseconds ready_timeout) {
  POS_ASSIGN_OR_RETURN(RunningChild child,
                       RunningChild::Start(SelfPath(), {"internal-serve", "--data", data_dir}, log_path));
  auto endpoint = WaitForServeFile(data_dir, child.pid(), ready_timeout, child);
  if (!endpoint.ok()) return endpoint.status().WithContext("see " + log_path);
  return std::unique_ptr<ServedTill>(new ServedTill(std::move(child), std::move(endpoint).value()));
}

RegisterFrontEnd::RegisterFrontEnd(const std::string& endpoint, int articles, uint64_t seed)
    : client_(endpoint, std::chrono::seconds(120)), articles_(articles), random_(seed) {}

Result<std::string> RegisterFrontEnd::Call(std::string request) {
  POS_ASSIGN_OR_RETURN(std::string reply, client_.Call(request));
  return reply;
}

Status RegisterFrontEnd::SignOn(const std::string& user, const std::string& pin) {
  flatbuffers::FlatBufferBuilder fbb;
  auto command = api::CreateSignOnDirect(fbb, user.c_str(), pin.c_str());
  POS_ASSIGN_OR_RETURN(std::string bytes,
                       Call(api::FinishRequest(fbb, next_request_++, api::Command::SignOn, command.Union())));
  POS_ASSIGN_OR_RETURN(api::ReplyMessage reply, api::ReplyMessage::Parse(bytes));
  return reply.status().WithContext("sign-on");
}

Status RegisterFrontEnd::SellReceipt() {
  std::string receipt_id;
  {
    flatbuffers::FlatBufferBuilder fbb;
    auto command = api::CreateOpen(fbb);
    POS_ASSIGN_OR_RETURN(std::string bytes,
                         Call(api::FinishRequest(fbb, next_request_++, api::Command::Open, command.Union())));
    POS_ASSIGN_OR_RETURN(api::ReplyMessage reply, api::ReplyMessage::Parse(bytes));
    POS_RETURN_IF_ERROR(reply.status().WithContext("open"));
    const auto* opened = reply.reply().result_as_ReceiptOpened();
    if (opened == nullptr || opened->receipt_id() == nullptr) return Status::Internal("open: no receipt id in reply");
    receipt_id = opened->receipt_id()->str();
  }
  int64_t total = 0;
  std::uniform_int_distribution<int> pick(0, articles_ - 1);
  std::uniform_int_distribution<int64_t> pieces(1, 3);
  for (int i = 0; i < 3; ++i) {
    flatbuffers::FlatBufferBuilder fbb;
    const std::string article = std::to_string(10000 + pick(random_));
    auto command = api::CreateAddLineDirect(fbb, receipt_id.c_str(), article.c_str(), pieces(random_));
    POS_ASSIGN_OR_RETURN(std::string bytes,
                         Call(api::FinishRequest(fbb, next_request_++, api::Command::AddLine, command.Union())));
    POS_ASSIGN_OR_RETURN(api::ReplyMessage reply, api::ReplyMessage::Parse(bytes));
    POS_RETURN_IF_ERROR(reply.status().WithContext("add line"));
    const auto* added = reply.reply().result_as_LineAdded();
    if (added == nullptr) return Status::Internal("add line: no line in reply");
    total = added->receipt_total();
  }
  {
    flatbuffers::FlatBufferBuilder fbb;
    const bool cash = random_() % 2 == 0;
    auto command = api::CreatePayDirect(fbb, receipt_id.c_str(), cash ? api::PaymentType::Cash : api::PaymentType::Card,
                                        cash ? (total + 499) / 500 * 500 : total);
    POS_ASSIGN_OR_RETURN(std::string bytes,
                         Call(api::FinishRequest(fbb, next_request_++, api::Command::Pay, command.Union())));
    POS_ASSIGN_OR_RETURN(api::ReplyMessage reply, api::ReplyMessage::Parse(bytes));
    POS_RETURN_IF_ERROR(reply.status().WithContext("pay"));
  }
  {
    flatbuffers::FlatBufferBuilder fbb;
    auto command = api::CreateCloseDirect(fbb, receipt_id.c_str());
    POS_ASSIGN_OR_RETURN(std::string bytes,
                         Call(api::FinishRequest(fbb, next_request_++, api::Command::Close, command.Union())));
    POS_ASSIGN_OR_RETURN(api::ReplyMessage reply, api::ReplyMessage::Parse(bytes));
    POS_RETURN_IF_ERROR(reply.status().WithContext("close"));
  }
  return Status::Ok();
}

}  // namespace pos::bench
