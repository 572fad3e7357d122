// `pos replay`: rebuilds projections from the whole log, as an auditor would.
#include <iostream>

#include "tools/pos/cli_context.h"
#include "tools/pos/progress_bar.h"

namespace pos::cli {

void AddReplayCommand(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("replay", "Rebuild projections from zero by replaying the log");
  cmd->footer("Without --projection every projection is rebuilt. Prints the replay rate in events/s.");
  auto name = std::make_shared<std::string>();
  cmd->add_option("--projection", *name, "Only this projection (see `pos stats` for the names)");
  cmd->callback([&context, name] {
    auto node = context.OpenNode(/*catch_up=*/false);
    if (!node.ok()) {
      context.Fail(node.status());
      return;
    }
    ProgressBar bar("replay", !context.options.quiet && !context.options.json);
    Status s = node->runner->Rebuild(*name, [&](uint64_t done, uint64_t total) { bar.Update(done, total); });
    const double seconds = bar.Finish();
    if (s.ok()) s = node->store->FlushMemtables();  // the next start replays no WAL of the rebuild
    if (!s.ok()) {
      context.Fail(s);
      return;
    }
    const uint64_t events = node->store->LastSequence();
    const double rate = seconds > 0 ? static_cast<double>(events) / seconds : 0;
    nlohmann::json rebuilt = nlohmann::json::array();
    for (const auto& info : node->runner->Infos()) {
      if (name->empty() || info.name == *name) rebuilt.push_back(info.name);
    }
    if (context.options.json) {
      context.PrintJson({{"projections", rebuilt}, {"events", events}, {"seconds", seconds},
                         {"events_per_second", rate}});
    } else {
      std::cout << "rebuilt ";
      for (size_t i = 0; i < rebuilt.size(); ++i) std::cout << (i ? ", " : "") << rebuilt[i].get<std::string>();
      std::cout << " from " << events << " events in " << seconds << " s (" << static_cast<uint64_t>(rate)
                << " events/s)\n";
    }
  });
}

}  // namespace pos::cli
