#include "tools/pos/sale_transport.h"

#include <chrono>

#include "adapters/api_codec.h"
#include "adapters/command_dispatcher.h"
#include "adapters/till_peripherals.h"
#include "adapters/serve_file.h"
#include "adapters/zmq_command_client.h"
#include "domain/fiscal/at/rksv_fiscal_module.h"
#include "domain/fiscal/se/scu_fiscal_module.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "domain/register_service.h"

namespace pos::cli {
namespace {

constexpr std::chrono::milliseconds kPingTimeout{3000};
// Longer than the daemon's own 10 s wait for the register, so its answer arrives.
constexpr std::chrono::milliseconds kCallTimeout{15000};

std::string StatusRequest() {
  flatbuffers::FlatBufferBuilder fbb(64);
  return api::FinishRequest(fbb, 0, api::Command::GetStatus, api::CreateGetStatus(fbb).Union());
}

// The daemon's client when serve.json names a live process that answers a
// status request; nullopt when there is no such daemon.
Result<std::unique_ptr<ZmqCommandClient>> ConnectDaemon(const Context& context) {
  POS_ASSIGN_OR_RETURN(std::optional<ServeInfo> info, ReadServeFile(context.options.data_dir));
  if (!info.has_value() || !ProcessAlive(info->pid)) return std::unique_ptr<ZmqCommandClient>();
  auto client = std::make_unique<ZmqCommandClient>(info->endpoint, kPingTimeout);
  auto pong = client->Call(StatusRequest());
  if (!pong.ok() || !api::ReplyMessage::Parse(*pong).ok()) return std::unique_ptr<ZmqCommandClient>();
  client->set_timeout(kCallTimeout);
  return client;
}

Result<std::string> DispatchInProcess(const Context& context, const std::string& request) {
  auto node = context.OpenNode();
  if (!node.ok()) {
    if (node.status().code() == StatusCode::kBusy) {
      return Status::Busy(node.status().message() +
                          " (is `pos serve` running for it? its daemon did not answer the command API)");
    }
    return node.status();
  }
  POS_ASSIGN_OR_RETURN(std::unique_ptr<RegisterService> service, RegisterService::Load(*node->store, *node->runner));
  // The German fiscal profile: a till with <data>/tse signs its receipts (docs/fiscal-de.md).
  POS_ASSIGN_OR_RETURN(std::optional<fiscal::TillTse> tse, fiscal::OpenTillTse(*node->store));
  if (tse.has_value()) service->SetFiscalModule(tse->module.get());
  // The Austrian (docs/fiscal-at.md) and Swedish (docs/fiscal-se.md) profiles.
  POS_ASSIGN_OR_RETURN(std::optional<fiscal::at::TillRksv> rksv, fiscal::at::OpenTillRksv(*node->store));
  if (rksv.has_value()) service->SetFiscalModule(rksv->module.get());
  POS_ASSIGN_OR_RETURN(std::optional<fiscal::se::TillScu> scu, fiscal::se::OpenTillScu(*node->store));
  if (scu.has_value()) service->SetFiscalModule(scu->module.get());
  POS_ASSIGN_OR_RETURN(auto peripherals, TillPeripherals::ForNode(context.options.data_dir, *node->store));
  return Dispatch(*service, request, node->store.get(), peripherals.get());
}

}  // namespace

Result<std::string> SendCommand(const Context& context, const std::string& request) {
  POS_ASSIGN_OR_RETURN(std::unique_ptr<ZmqCommandClient> daemon, ConnectDaemon(context));
  if (daemon != nullptr) {
    auto reply = daemon->Call(request);
    if (!reply.ok()) {
      return Status::Unavailable(reply.status().message() + "; the daemon answered a moment ago, so the command may " +
                                 "or may not have been carried out: check with `pos sale status`");
    }
    return reply;
  }
  return DispatchInProcess(context, request);
}

}  // namespace pos::cli
