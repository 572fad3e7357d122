// The TSE actor: owns the till's software TSE (its state, key and log) and the
// TseFiscalModule in the daemon, so every signature runs in this one actor, one
// at a time. The register actor reaches it through TseProxy (actors/tse_proxy.h),
// a FiscalModule that asks it with a blocking request.
//
// Messages (everything stays in-process, never serialised):
//   (tse_start_atom, std::string receipt_id, int64_t now_us)                    -> TseReplyPtr
//   (tse_update_atom, std::string receipt_id, std::string process_data, int64_t now_us) -> TseReplyPtr
//   (tse_finish_atom, FiscalReceiptPtr receipt, int64_t now_us)                 -> TseReplyPtr
//
// Spawn it detached (caf::detached): a signature blocks on fsyncs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "domain/fiscal/tse_fiscal_module.h"
#include "domain/fiscal_module.h"

namespace pos::actors {

// The answer of the TSE actor: the module's status and, when ok, its events.
struct TseReply {
  Status status;
  std::vector<NewEvent> events;
};
using TseReplyPtr = std::shared_ptr<const TseReply>;
using FiscalReceiptPtr = std::shared_ptr<const FiscalReceipt>;

}  // namespace pos::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pos::actors::TseReplyPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pos::actors::FiscalReceiptPtr)

namespace pos::actors {

using tse_start_atom = caf::atom_constant<caf::atom("tsestart")>;
using tse_update_atom = caf::atom_constant<caf::atom("tseupdate")>;
using tse_finish_atom = caf::atom_constant<caf::atom("tsefinish")>;

struct TseActorState {
  fiscal::TillTse tse;  // destroyed when the actor exits
  static inline const char* name = "pos.tse";
};

caf::behavior TseActor(caf::stateful_actor<TseActorState>* self, fiscal::TillTse tse);

}  // namespace pos::actors
