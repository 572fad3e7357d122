#include "actors/tse_actor.h"

#include <utility>

namespace pos::actors {
namespace {

TseReplyPtr ReplyOf(Result<std::vector<NewEvent>> result) {
  auto reply = std::make_shared<TseReply>();
  if (result.ok()) {
    reply->events = std::move(result).value();
  } else {
    reply->status = result.status();
  }
  return reply;
}

TseReplyPtr NotAvailable() {
  auto reply = std::make_shared<TseReply>();
  reply->status = Status::Unavailable("the TSE actor is shutting down");
  return reply;
}

}  // namespace

caf::behavior TseActor(caf::stateful_actor<TseActorState>* self, fiscal::TillTse tse) {
  self->state.tse = std::move(tse);
  return {
      [self](tse_start_atom, const std::string& receipt_id, int64_t now_us) -> TseReplyPtr {
        if (self->state.tse.module == nullptr) return NotAvailable();
        return ReplyOf(self->state.tse.module->StartReceipt(receipt_id, now_us));
      },
      [self](tse_update_atom, const std::string& receipt_id, const std::string& process_data,
             int64_t now_us) -> TseReplyPtr {
        if (self->state.tse.module == nullptr) return NotAvailable();
        return ReplyOf(self->state.tse.module->UpdateReceipt(receipt_id, process_data, now_us));
      },
      [self](tse_finish_atom, const FiscalReceiptPtr& receipt, int64_t now_us) -> TseReplyPtr {
        if (self->state.tse.module == nullptr) return NotAvailable();
        return ReplyOf(self->state.tse.module->FinishReceipt(*receipt, now_us));
      },
  };
}

}  // namespace pos::actors
