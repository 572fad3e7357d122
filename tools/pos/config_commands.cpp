// `pos config show|set`: the node's configuration file <data>/node.toml
// (adapters/node_config.h, docs/backup.md).
#include <iostream>
#include <memory>

#include "adapters/node_config.h"
#include "tools/pos/cli_context.h"

namespace pos::cli {

void AddConfigCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("config", "The node's configuration file <data>/node.toml: show, set");
  group->require_subcommand(1);
  group->footer("Keys: backup.time (\"HH:MM\" or \"HH:MM:SS\", local time), backup.target (a directory outside the\n"
                "data directory), backup.keep (1..1000 newest backups kept), backup.enabled (true|false).\n"
                "`pos serve` reads the file when it starts. See docs/backup.md.");

  auto* show = group->add_subcommand("show", "Print the configuration, checked");
  show->callback([&context] {
    auto config = LoadNodeConfig(context.options.data_dir);
    if (!config.ok()) {
      context.Fail(config.status());
      return;
    }
    nlohmann::json backup = nullptr;
    if (config->backup.has_value()) {
      backup = {{"time", FormatTimeOfDay(config->backup->seconds_of_day)},
                {"target", config->backup->target},
                {"keep", config->backup->keep},
                {"enabled", config->backup->enabled}};
    }
    if (context.options.json) {
      context.PrintJson({{"file", NodeConfigPath(context.options.data_dir)}, {"backup", backup}});
      return;
    }
    std::cout << "file             " << NodeConfigPath(context.options.data_dir) << "\n";
    if (backup.is_null()) {
      std::cout << "backup           none scheduled (pos config set backup.time 02:30, backup.target DIR)\n";
    } else {
      std::cout << "backup.time      " << backup["time"].get<std::string>() << " (local time)\n"
                << "backup.target    " << backup["target"].get<std::string>() << "\n"
                << "backup.keep      " << backup["keep"].get<uint32_t>() << "\n"
                << "backup.enabled   " << (backup["enabled"].get<bool>() ? "true" : "false") << "\n";
    }
  });

  struct SetArgs {
    std::string key;
    std::string value;
  };
  auto args = std::make_shared<SetArgs>();
  auto* set = group->add_subcommand("set", "Set one key; the whole file is checked before it is written");
  set->add_option("KEY", args->key, "e.g. backup.time")->required();
  set->add_option("VALUE", args->value, "e.g. 02:30")->required();
  set->footer("Example: pos config set backup.target /mnt/backup/till-1 && pos config set backup.time 02:30");
  set->callback([&context, args] {
    Status s = SetNodeConfigValue(context.options.data_dir, args->key, args->value);
    if (!s.ok()) {
      context.Fail(s);
      return;
    }
    if (context.options.json) {
      context.PrintJson({{"key", args->key}, {"value", args->value}});
    } else {
      std::cout << args->key << " = " << args->value << " (read by pos serve when it starts)\n";
    }
  });
}

}  // namespace pos::cli
