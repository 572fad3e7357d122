// The register actor: owns one till's RegisterService, so every command of the
// till is decided one at a time, in arrival order. It speaks the command API:
// a request is the bytes of a pos.api.Request (std::string), the response the
// bytes of the pos.api.Reply (adapters/command_dispatcher.h).
//
// Pipelined: a command is decided and its events sealed at once, and the next
// command is taken while the store makes the first durable, so the commands of
// concurrent front ends share group commits. Replies (and the printer, drawer
// and display effects of a command) are released in command order, each only
// once every event decided up to that command is durable. When the store fails,
// every waiting command gets the error and the register stops taking commands
// (fail-stop: its state is ahead of the log; restart the daemon).
//
// Spawn it detached (caf::detached): a fiscal module may block on the TSE actor.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "adapters/sale_observer.h"
#include "domain/register_service.h"
#include "engine/event_store.h"

namespace pos::actors {

// (durable_atom, uint64_t ticket, std::string error): the store reports a commit
// ticket durable (error "") or failed. Sent by the store's writer thread.
using durable_atom = caf::atom_constant<caf::atom("durable")>;

// (ask_atom, std::string request, ResponderPtr): a request whose reply bytes go to
// the responder (called on the register's thread) instead of a CAF response, so a
// transport thread can hand requests over without an actor hop per request.
using ask_atom = caf::atom_constant<caf::atom("ask")>;
using ResponderPtr = std::shared_ptr<const std::function<void(std::string)>>;

// A reply held back until its ticket is durable.
struct HeldReply {
  uint64_t ticket = 0;
  uint64_t request_id = 0;
  std::function<void(std::string)> deliver;
  std::string reply;
  std::vector<std::function<void()>> effects;  // observer calls, run on release
};

struct RegisterActorState {
  std::unique_ptr<RegisterService> service;  // destroyed when the actor exits, or on a store failure
  const EventStore* store = nullptr;
  std::unique_ptr<SaleObserver> observer;    // the till's peripherals, may be null
  std::deque<HeldReply> held;                // in command order
  uint64_t durable_ticket = 0;               // every ticket up to this one is durable
  Status failure;                            // the store failure that stopped the register
  static inline const char* name = "pos.register";
  // A register that stops without a store failure leaves its start-up snapshot
  // (RegisterService::SaveSnapshot), so the next start replays only what follows.
  ~RegisterActorState();
};

// `store` must outlive the actor (it names the node in GetStatus replies).
caf::behavior RegisterActor(caf::stateful_actor<RegisterActorState>* self, std::unique_ptr<RegisterService> service,
                            const EventStore* store, std::unique_ptr<SaleObserver> observer);

}  // namespace pos::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pos::actors::ResponderPtr)
