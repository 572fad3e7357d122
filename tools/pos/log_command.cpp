// `pos log`: prints events in log order, or one stream's events in version order.
#include <iostream>

#include "tools/pos/cli_context.h"
#include "tools/pos/event_format.h"

namespace pos::cli {

void AddLogCommand(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("log", "Print the event log");
  cmd->footer("With --json each event is one JSON object on its own line (JSON Lines).\n"
              "Examples: pos log --from 100 --limit 20    pos log --stream article/1001 --json");
  struct Args {
    uint64_t from = 1;
    uint64_t limit = 0;
    std::string stream;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--from", args->from, "First local sequence number (or stream version) to print, from 1");
  cmd->add_option("--limit", args->limit, "Print at most this many events (0: all)");
  cmd->add_option("--stream", args->stream, "Only this stream's events (e.g. article/1001), from version --from");
  cmd->callback([&context, args] {
    if (args->from == 0) {
      context.Fail(Status::InvalidArgument("--from counts from 1 (see `pos log --help`)"), kExitUsage);
      return;
    }
    auto store = context.OpenStore();
    if (!store.ok()) {
      context.Fail(store.status());
      return;
    }
    uint64_t printed = 0;
    Status bad;
    auto print = [&](uint64_t seq, std::string_view bytes) {
      auto event = EventView::Parse(bytes);
      if (!event.ok()) {
        bad = event.status().WithContext("event at local sequence " + std::to_string(seq) +
                                         " (run `pos verify` to check the whole log)");
        return false;
      }
      if (context.options.json) {
        std::cout << EventToJson(seq, *event).dump() << "\n";
      } else {
        std::cout << FormatEventLine(seq, *event) << "\n";
      }
      ++printed;
      return args->limit == 0 || printed < args->limit;
    };
    Status scan = args->stream.empty() ? (*store)->ScanLog(args->from, UINT64_MAX, print)
                                       : (*store)->ScanStream(args->stream, args->from, print);
    if (!scan.ok()) {
      context.Fail(scan);
    } else if (!bad.ok()) {
      context.Fail(bad);
    } else if (!context.options.json && printed == 0) {
      std::cerr << (args->stream.empty() ? "no events from local sequence " + std::to_string(args->from)
                                         : "no events in stream " + args->stream)
                << "\n";
    }
  });
}

}  // namespace pos::cli
