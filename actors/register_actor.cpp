#include "actors/register_actor.h"

#include <string>

#include "adapters/api_codec.h"
#include "adapters/command_dispatcher.h"

namespace pos::actors {

caf::behavior RegisterActor(caf::stateful_actor<RegisterActorState>* self, std::unique_ptr<RegisterService> service,
                            const EventStore* store, std::unique_ptr<SaleObserver> observer) {
  self->state.service = std::move(service);
  self->state.store = store;
  self->state.observer = std::move(observer);
  return {
      [self](const std::string& request) -> std::string {
        RegisterService* register_service = self->state.service.get();
        if (register_service == nullptr) {
          return api::ErrorReplyBytes(0, Status::Unavailable("the register is shutting down"));
        }
        return Dispatch(*register_service, request, self->state.store, self->state.observer.get());
      },
  };
}

}  // namespace pos::actors
