// The device actor: owns the till's peripherals (receipt printer, cash drawer,
// customer display) so that slow or failing hardware never holds up the
// register actor. The register actor reaches it through DeviceObserver, a
// SaleObserver that only sends messages.
//
// Messages:
//   (line_atom, std::string name, int64_t amount)             display: the line
//   (closed_atom, std::shared_ptr<const ReceiptPrintJob>)      printer, drawer, display
//   (status_atom) -> std::string                              the last peripheral error, "" if none
#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "adapters/sale_observer.h"
#include "adapters/till_peripherals.h"

// A receipt is handed over within one process only, never serialised.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const pos::ReceiptPrintJob>)

namespace pos::actors {

using line_atom = caf::atom_constant<caf::atom("line")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using status_atom = caf::atom_constant<caf::atom("devstatus")>;

struct DeviceActorState {
  std::unique_ptr<TillPeripherals> peripherals;
  static inline const char* name = "pos.device";
};

caf::behavior DeviceActor(caf::stateful_actor<DeviceActorState>* self, std::unique_ptr<TillPeripherals> peripherals);

// Forwards sale notifications to the device actor (fire and forget).
class DeviceObserver final : public SaleObserver {
 public:
  explicit DeviceObserver(caf::actor device) : device_(std::move(device)) {}
  void LineAdded(const ReceiptLine& line) override;
  void ReceiptClosed(const Receipt& receipt, const CloseOutcome& outcome) override;

 private:
  caf::actor device_;
};

}  // namespace pos::actors
