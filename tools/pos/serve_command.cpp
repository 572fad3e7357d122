// `pos serve`: runs the node daemon (actors/node_daemon.h) until SIGINT or SIGTERM.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "actors/node_daemon.h"
#include "tools/pos/cli_context.h"

namespace pos::cli {

void AddServeCommand(CLI::App& app, Context& context) {
  auto* serve = app.add_subcommand("serve", "Serve the till's command API (docs/api.md) until SIGINT/SIGTERM");
  serve->footer(
      "The endpoint and pid are written to <data>/serve.json while it runs; `pos sale …` then goes through it.\n"
      "With a [backup] table in <data>/node.toml it takes a daily backup (docs/backup.md); `pos backup create`\n"
      "goes through its admin socket <data>/admin.sock while it runs.\n"
      "Example: pos serve --listen tcp://127.0.0.1:5555");
  auto listen = std::make_shared<std::string>();
  serve->add_option("--listen", *listen, "ZeroMQ endpoint to bind (default ipc://<data>/api.sock)");
  serve->callback([&context, listen] {
    DaemonOptions options;
    options.data_dir = context.options.data_dir;
    options.listen = *listen;
    options.on_ready = [&context](const std::string& endpoint) {
      if (context.options.json) {
        std::cout << nlohmann::json{{"endpoint", endpoint}, {"pid", getpid()}}.dump() << std::endl;
      } else {
        std::cout << "serving " << endpoint << " (pid " << getpid() << "); stop with Ctrl-C or SIGTERM" << std::endl;
      }
    };
    options.on_notice = [&context](const std::string& line) {
      if (context.options.json) {
        std::cout << nlohmann::json{{"notice", line}}.dump() << std::endl;
      } else {
        std::cout << line << std::endl;
      }
    };
    Status served = RunNodeDaemon(options);
    if (!served.ok()) {
      context.Fail(served);
      return;
    }
    if (!context.options.quiet && !context.options.json) std::cout << "stopped" << std::endl;
  });
}

}  // namespace pos::cli
