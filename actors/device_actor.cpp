#include "actors/device_actor.h"

#include <caf/send.hpp>

#include <chrono>

namespace pos::actors {

caf::behavior DeviceActor(caf::stateful_actor<DeviceActorState>* self, std::unique_ptr<TillPeripherals> peripherals) {
  self->state.peripherals = std::move(peripherals);
  return {
      [self](line_atom, const std::string& name, int64_t amount) {
        if (self->state.peripherals) (void)self->state.peripherals->ShowLine(name, amount);
      },
      [self](closed_atom, const std::shared_ptr<const ReceiptPrintJob>& job) {
        if (self->state.peripherals) self->state.peripherals->PrintAndShow(*job);
      },
      [self](status_atom) -> std::string {
        if (!self->state.peripherals) return "";
        const Status& error = self->state.peripherals->last_error();
        return error.ok() ? "" : error.message();
      },
  };
}

void DeviceObserver::LineAdded(const ReceiptLine& line) {
  caf::anon_send(device_, line_atom::value, line.name, line.Amount());
}

void DeviceObserver::ReceiptClosed(const Receipt& receipt, const CloseOutcome& outcome) {
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto job = std::make_shared<const ReceiptPrintJob>(TillPeripherals::ToPrintJob(receipt, outcome, now));
  caf::anon_send(device_, closed_atom::value, std::move(job));
}

}  // namespace pos::actors
