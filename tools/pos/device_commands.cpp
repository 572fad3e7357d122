// `pos device status|rebind`: the hardware binding of this installation.
#include <iostream>

#include "domain/device_binding.h"
#include "engine/pin_hash.h"
#include "projections/catalog.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/secret_input.h"

namespace pos::cli {

void AddDeviceCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("device", "The hardware this till is bound to (status, rebind)");
  group->require_subcommand(1);

  auto* status = group->add_subcommand("status", "Show the bound hardware and whether this machine is it");
  status->callback([&context] {
    auto store = context.OpenStore();
    if (!store.ok()) {
      context.Fail(store.status());
      return;
    }
    auto binding = DeviceBinding::Load(**store);
    auto machine = ReadMachineIdentity();
    if (!binding.ok() || !machine.ok()) {
      context.Fail(!binding.ok() ? binding.status() : machine.status());
      return;
    }
    const Status check = binding->Check(*machine);
    if (context.options.json) {
      context.PrintJson({{"bound_fingerprint", binding->fingerprint().value_or("")},
                         {"bound_description", binding->description()},
                         {"this_machine", machine->fingerprint},
                         {"matches", check.ok() && binding->fingerprint().has_value()},
                         {"message", check.ok() ? "" : check.message()}});
      return;
    }
    std::cout << "bound to     " << binding->fingerprint().value_or("(nothing)") << "  " << binding->description()
              << "\nthis machine " << machine->fingerprint << "  " << machine->description << "\n"
              << (check.ok() ? (binding->fingerprint() ? "ok: this is the bound hardware\n" : "not bound\n")
                             : "MISMATCH: " + check.message() + "\n");
  });

  struct Args {
    std::string admin;
    bool pin_stdin = false;
  };
  auto args = std::make_shared<Args>();
  auto* rebind = group->add_subcommand("rebind", "Bind this store to this machine (after a hardware move); admin only");
  rebind->footer("Writes a DeviceRebound event naming the old and the new fingerprint and the approving admin.\n"
                 "Example: echo 9999 | pos device rebind --admin root --pin-stdin");
  rebind->add_option("--admin", args->admin, "Id of the approving admin")->required();
  rebind->add_flag("--pin-stdin", args->pin_stdin, "Read the admin's PIN from standard input");
  rebind->callback([&context, args] {
    auto pin = ReadSecret("admin PIN", args->pin_stdin);
    if (!pin.ok()) {
      context.Fail(pin.status());
      return;
    }
    auto node = context.OpenNode();
    if (!node.ok()) {
      context.Fail(node.status());
      return;
    }
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(ProjectionReader reader, node->runner->Reader(CatalogProjection::kName));
      POS_ASSIGN_OR_RETURN(auto user, CatalogView(reader).FindUser(args->admin));
      if (!user.has_value() || !VerifySecret(*pin, user->pin_hash)) {
        return Status::PermissionDenied("rebind refused: unknown user or wrong PIN for " + args->admin);
      }
      POS_ASSIGN_OR_RETURN(MachineIdentity machine, ReadMachineIdentity());
      POS_ASSIGN_OR_RETURN(DeviceBinding binding, DeviceBinding::Load(*node->store));
      POS_ASSIGN_OR_RETURN(AppendBatch batch, binding.DecideRebind(machine, Actor{user->id, user->role}));
      POS_RETURN_IF_ERROR(node->store->Append(std::move(batch)).status());
      if (context.options.json) {
        context.PrintJson({{"ok", true}, {"fingerprint", machine.fingerprint}});
      } else {
        std::cout << "rebound to this machine " << machine.fingerprint << " (" << machine.description << ")\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });
}

}  // namespace pos::cli
