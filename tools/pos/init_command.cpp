// `pos init`: creates a node's store with a fresh node id.
#include <filesystem>
#include <iostream>
#include <system_error>

#include "domain/device_binding.h"
#include "engine/bytes.h"
#include "engine/machine_fingerprint.h"
#include "tools/pos/cli_context.h"

namespace pos::cli {
namespace {

// Undoes a half-made `pos init`: the directory was absent or empty before, so
// everything in it now is the new store's.
void RemoveNewStore(const std::string& data_dir, bool existed_before) {
  std::error_code ignored;
  if (!existed_before) {
    std::filesystem::remove_all(data_dir, ignored);
    return;
  }
  for (const auto& entry : std::filesystem::directory_iterator(data_dir, ignored)) {
    std::filesystem::remove_all(entry.path(), ignored);
  }
}

}  // namespace

void AddInitCommand(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("init", "Create a new node (till or hub) in the data directory");
  cmd->footer("The directory must be absent or empty. The node id is random and never changes.\n"
              "Example: pos --data ./till-1 init --node-name till-1 --currency EUR");
  struct Args {
    CreateStoreOptions create;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--node-name", args->create.node_name, "Name of this node: letters, digits, '-', '_', '.'")
      ->required();
  cmd->add_option("--currency", args->create.currency, "ISO 4217 currency of all amounts")->capture_default_str();
  cmd->add_flag("--hub", args->create.hub, "Create a site hub instead of a till");
  cmd->callback([&context, args] {
    // The machine must be identifiable before anything is created: a store
    // that cannot be bound is never left behind.
    if (auto machine = ReadMachineIdentity(); !machine.ok()) {
      context.Fail(machine.status().WithContext("identifying this machine (nothing was created)"));
      return;
    }
    std::error_code ignored;
    const bool existed_before = std::filesystem::exists(context.options.data_dir, ignored);
    auto store = EventStore::Create(context.options.data_dir, args->create);
    if (!store.ok()) {
      context.Fail(store.status());
      return;
    }
    if (Status bound = DeviceBinding::BindToThisMachine(**store, context.options.acting_user); !bound.ok()) {
      store->reset();
      RemoveNewStore(context.options.data_dir, existed_before);
      context.Fail(bound.WithContext("binding the new store to this machine (nothing was created)"));
      return;
    }
    const std::string node_id = ToHex((*store)->node_id());
    if (context.options.json) {
      context.PrintJson({{"node_id", node_id},
                         {"node_name", (*store)->node_name()},
                         {"data_dir", context.options.data_dir},
                         {"role", args->create.hub ? "hub" : "till"}});
    } else {
      std::cout << "created " << (args->create.hub ? "hub" : "till") << " '" << (*store)->node_name() << "' in "
                << context.options.data_dir << "\nnode id " << node_id << "\n";
    }
  });
}

}  // namespace pos::cli
