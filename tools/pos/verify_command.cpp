// `pos verify`: walks every hash chain and reports the first damaged event.
#include <iostream>

#include "engine/bytes.h"
#include "engine/chain_verifier.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/progress_bar.h"

namespace pos::cli {

void AddVerifyCommand(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("verify", "Check every event's hash, every chain and the indexes");
  cmd->footer("Exit code 0: the log is intact. Exit code 3: the first tampered, missing or reordered\n"
              "event is named by its origin node id and origin sequence number.");
  cmd->callback([&context, cmd] {
    if (!cmd->get_subcommands().empty()) return;  // `pos verify dep7 …` ran instead
    auto store = context.OpenStore();
    if (!store.ok()) {
      context.Fail(store.status());
      return;
    }
    ProgressBar bar("verify", !context.options.quiet && !context.options.json);
    auto report = VerifyChains(**store, [&](uint64_t done, uint64_t total) { bar.Update(done, total); });
    const double seconds = bar.Finish();
    if (!report.ok()) {
      context.Fail(report.status());
      return;
    }
    const ChainVerification& r = *report;
    if (context.options.json) {
      nlohmann::json out = {{"ok", r.ok}, {"events_checked", r.events_checked}, {"origins", r.origins},
                            {"seconds", seconds}};
      if (!r.ok) {
        out["bad_origin"] = ToHex(r.bad_origin);
        out["bad_origin_seq"] = r.bad_origin_seq;
        out["bad_local_seq"] = r.bad_local_seq;
        out["problem"] = r.problem;
      }
      context.PrintJson(out);
    } else if (r.ok) {
      std::cout << "ok: " << r.events_checked << " events in " << r.origins << " chain"
                << (r.origins == 1 ? "" : "s") << " verified\n";
    } else {
      std::cout << "FAILED: origin " << (r.bad_origin.empty() ? "(unknown)" : ToHex(r.bad_origin)) << " seq "
                << r.bad_origin_seq;
      if (r.bad_local_seq != 0) std::cout << " (local sequence " << r.bad_local_seq << ")";
      std::cout << ": " << r.problem << "\n"
                << r.events_checked << " events before it verified\n";
    }
    if (!r.ok) context.exit_code = kExitVerifyFailed;
  });
}

}  // namespace pos::cli
