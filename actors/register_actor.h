// The register actor: owns one till's RegisterService, so every command of the
// till is decided one at a time, in arrival order. It speaks the command API:
// a request is the bytes of a pos.api.Request (std::string), the response the
// bytes of the pos.api.Reply (adapters/command_dispatcher.h).
//
// Spawn it detached (caf::detached): a command blocks on the fsync of its events.
#pragma once

#include <memory>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "adapters/sale_observer.h"
#include "domain/register_service.h"
#include "engine/event_store.h"

namespace pos::actors {

struct RegisterActorState {
  std::unique_ptr<RegisterService> service;  // destroyed when the actor exits
  const EventStore* store = nullptr;
  std::unique_ptr<SaleObserver> observer;    // the till's peripherals, may be null
  static inline const char* name = "pos.register";
};

// `store` must outlive the actor (it names the node in GetStatus replies).
caf::behavior RegisterActor(caf::stateful_actor<RegisterActorState>* self, std::unique_ptr<RegisterService> service,
                            const EventStore* store, std::unique_ptr<SaleObserver> observer);

}  // namespace pos::actors
