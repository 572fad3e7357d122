#include "actors/tse_proxy.h"

#include <memory>
#include <utility>

#include <caf/scoped_actor.hpp>

#include "actors/tse_actor.h"
#include "domain/fiscal/kassenbeleg.h"
#include "domain/fiscal/tse_events.h"
#include "domain/fiscal/tse_log_message.h"

namespace pos::actors {
namespace {

// The TSE actor's reply, or nullopt-like nullptr when it did not answer in time.
template <typename... Ts>
TseReplyPtr Ask(caf::actor_system& system, const caf::actor& tse, std::chrono::milliseconds timeout, Ts&&... xs) {
  caf::scoped_actor self{system};
  TseReplyPtr reply;
  self->request(tse, timeout, std::forward<Ts>(xs)...)
      .receive([&](TseReplyPtr& answer) { reply = std::move(answer); }, [&](caf::error&) { reply = nullptr; });
  return reply;
}

Result<std::vector<NewEvent>> EventsOf(const TseReplyPtr& reply) {
  if (!reply->status.ok()) return reply->status;
  return reply->events;
}

}  // namespace

TseProxy::TseProxy(caf::actor_system& system, caf::actor tse, std::string serial_hex, std::string client_id,
                   std::chrono::milliseconds timeout)
    : system_(system),
      tse_(std::move(tse)),
      serial_hex_(std::move(serial_hex)),
      client_id_(std::move(client_id)),
      timeout_(timeout) {}

Result<std::vector<NewEvent>> TseProxy::StartReceipt(const std::string& receipt_id, int64_t now_us) {
  TseReplyPtr reply = Ask(system_, tse_, timeout_, tse_start_atom::value, receipt_id, now_us);
  if (reply != nullptr) return EventsOf(reply);
  // No answer: an outage, the receipt opens unsigned.
  fiscal::tse_events::Started started;
  started.tse_serial = serial_hex_;
  started.client_id = client_id_;
  started.receipt_id = receipt_id;
  started.process_type = std::string(fiscal::kProcessTypeKassenbeleg);
  started.log_time_us = now_us;
  started.outage = true;
  std::vector<NewEvent> events;
  events.push_back(NewEvent{EventType::kTseTransactionStarted, fiscal::tse_events::TseTransactionStarted(started)});
  return events;
}

Result<std::vector<NewEvent>> TseProxy::UpdateReceipt(const std::string& receipt_id, const std::string& process_data,
                                                      int64_t now_us) {
  TseReplyPtr reply = Ask(system_, tse_, timeout_, tse_update_atom::value, receipt_id, process_data, now_us);
  if (reply != nullptr) return EventsOf(reply);
  return std::vector<NewEvent>();  // an update that cannot be signed marks nothing
}

Result<std::vector<NewEvent>> TseProxy::FinishReceipt(const FiscalReceipt& receipt, int64_t now_us) {
  TseReplyPtr reply = Ask(system_, tse_, timeout_, tse_finish_atom::value,
                          FiscalReceiptPtr(std::make_shared<FiscalReceipt>(receipt)), now_us);
  if (reply != nullptr) return EventsOf(reply);
  fiscal::tse_events::Finished finished;
  finished.tse_serial = serial_hex_;
  finished.client_id = client_id_;
  finished.process_type = std::string(fiscal::kProcessTypeKassenbeleg);
  finished.process_data = fiscal::KassenbelegProcessData(receipt);
  finished.start_time_us = now_us;
  finished.log_time_us = now_us;
  finished.outage = true;
  std::vector<NewEvent> events;
  events.push_back(NewEvent{EventType::kTseTransactionFinished, fiscal::tse_events::TseTransactionFinished(finished)});
  return events;
}

}  // namespace pos::actors
