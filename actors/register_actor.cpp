#include "actors/register_actor.h"

#include <caf/send.hpp>
#include <string>
#include <utility>

#include "adapters/api_codec.h"
#include "adapters/command_dispatcher.h"

namespace pos::actors {
namespace {

// Records what the dispatcher tells the peripherals, to run once the command is durable.
class DeferringObserver final : public SaleObserver {
 public:
  explicit DeferringObserver(SaleObserver* target) : target_(target) {}
  void LineAdded(const ReceiptLine& line) override {
    if (target_ != nullptr) effects_.push_back([target = target_, line] { target->LineAdded(line); });
  }
  void ReceiptClosed(const Receipt& receipt, const CloseOutcome& outcome) override {
    if (target_ != nullptr) {
      effects_.push_back([target = target_, receipt, outcome] { target->ReceiptClosed(receipt, outcome); });
    }
  }
  std::vector<std::function<void()>> Take() { return std::exchange(effects_, {}); }

 private:
  SaleObserver* target_;
  std::vector<std::function<void()>> effects_;
};

void Release(HeldReply& held) {
  for (auto& effect : held.effects) effect();
  held.deliver(std::move(held.reply));
}

// Decides one request and releases its reply once everything decided so far is durable.
void Handle(caf::stateful_actor<RegisterActorState>* self, const std::string& request,
            std::function<void(std::string)> deliver) {
  auto& state = self->state;
  RegisterService* register_service = state.service.get();
  if (register_service == nullptr) {
    const Status stopped = state.failure.ok() ? Status::Unavailable("the register is shutting down")
                                              : Status::Unavailable("the register stopped after a store failure (" +
                                                                    state.failure.message() + "); restart the till");
    deliver(api::ErrorReplyBytes(api::PeekRequestId(request), stopped));
    return;
  }
  DeferringObserver deferring(state.observer.get());
  std::string reply = Dispatch(*register_service, request, state.store, &deferring);
  register_service->TakeTicket();
  // Wait for everything decided so far: a reply never shows state that is not durable.
  const uint64_t ticket = register_service->last_ticket();
  HeldReply held{ticket, api::PeekRequestId(request), std::move(deliver), std::move(reply), deferring.Take()};
  if (ticket <= state.durable_ticket && state.held.empty()) {
    Release(held);
  } else {
    state.held.push_back(std::move(held));
  }
}

}  // namespace

RegisterActorState::~RegisterActorState() {
  if (service != nullptr && failure.ok()) (void)service->SaveSnapshot();
}

caf::behavior RegisterActor(caf::stateful_actor<RegisterActorState>* self, std::unique_ptr<RegisterService> service,
                            const EventStore* store, std::unique_ptr<SaleObserver> observer) {
  self->state.service = std::move(service);
  self->state.store = store;
  self->state.observer = std::move(observer);
  // The writer thread reports durability by message; a weak handle, so the
  // service (owned by this actor) does not keep the actor alive.
  caf::weak_actor_ptr weak_self = self->ctrl();
  self->state.service->EnablePipelining([weak_self](uint64_t ticket, const Status& outcome) {
    if (auto strong = weak_self.lock()) {
      caf::anon_send(caf::actor_cast<caf::actor>(strong), durable_atom::value, ticket,
                     outcome.ok() ? std::string() : outcome.ToString());
    }
  });
  return {
      [self](const std::string& request) -> caf::typed_response_promise<std::string> {
        auto promise = self->make_response_promise<std::string>();
        Handle(self, request, [promise](std::string reply) mutable { promise.deliver(std::move(reply)); });
        return promise;
      },
      [self](ask_atom, const std::string& request, const ResponderPtr& respond) {
        Handle(self, request, [respond](std::string reply) { (*respond)(std::move(reply)); });
      },
      [self](durable_atom, uint64_t ticket, const std::string& error) {
        auto& state = self->state;
        if (!error.empty()) {
          // Fail-stop: the register's state is ahead of the log.
          state.failure = Status::IoError(error);
          state.service.reset();
          for (HeldReply& held : state.held) {
            if (held.ticket < ticket) {
              Release(held);
            } else {
              held.deliver(api::ErrorReplyBytes(
                  held.request_id, Status::IoError("the command was not stored: " + error + "; restart the till")));
            }
          }
          state.held.clear();
          return;
        }
        state.durable_ticket = std::max(state.durable_ticket, ticket);
        while (!state.held.empty() && state.held.front().ticket <= state.durable_ticket) {
          Release(state.held.front());
          state.held.pop_front();
        }
      },
  };
}

}  // namespace pos::actors
