// pos: the command-line front of the engine. Each subcommand lives in its own
// file and registers itself through an Add*Command function (cli_context.h).
#include <exception>
#include <iostream>

#include "tools/pos/cli_context.h"

int main(int argc, char** argv) {
  using namespace pos::cli;
  CLI::App app{
      "pos - the event-sourced point-of-sale engine.\n"
      "Every sale, master data change and signature is an immutable, hash-chained event in a RocksDB log;\n"
      "every list and report is a projection of that log. Start with `pos init --node-name till-1`.",
      "pos"};
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(
      "Exit codes: 0 ok, 1 the command failed (message on stderr), 2 bad command line, 3 verify found damage.\n"
      "Run `pos <command> --help` for a command's options.");
  Context context;
  app.add_option("--data", context.options.data_dir, "The node's data directory (an embedded RocksDB store)")
      ->envname("POS_DATA")
      ->capture_default_str();
  app.add_flag("--json", context.options.json, "Print results as JSON for programs to read");
  app.add_flag("-q,--quiet", context.options.quiet, "No progress output");
  app.add_option("--as", context.options.acting_user, "The acting user recorded in written events");

  AddInitCommand(app, context);
  AddTaxRateCommands(app, context);
  AddArticleCommands(app, context);
  AddUserCommands(app, context);
  AddCatalogCommands(app, context);
  AddLogCommand(app, context);
  AddVerifyCommand(app, context);
  AddReplayCommand(app, context);
  AddStatsCommand(app, context);
  AddDemoCommand(app, context);
  AddDeviceCommands(app, context);
  AddReportCommands(app, context);
  AddServeCommand(app, context);
  AddSaleCommands(app, context);
  AddReprintCommand(app, context);
  AddTseCommands(app, context);
  AddLicensingCommands(app, context);
  AddExportCommands(app, context);
  AddRksvCommands(app, context);
  AddScuCommands(app, context);
  AddBackupCommands(app, context);
  AddMigrateCommands(app, context);
  AddConfigCommands(app, context);
  AddHubAccountCommands(app, context);
  AddHubServeCommand(app, context);
  AddSyncCommands(app, context);
  AddHubReportCommands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::string message = e.what();
    if (app.get_subcommands().empty()) {
      // No command was recognised: name the word that is not one, and the commands.
      std::string commands;
      for (const CLI::App* sub : app.get_subcommands({})) commands += (commands.empty() ? "" : ", ") + sub->get_name();
      std::string word;
      for (int i = 1; i < argc && word.empty(); ++i) {
        const std::string arg = argv[i];
        if (arg == "--data" || arg == "--as") {
          ++i;  // skip the option's value
        } else if (!arg.starts_with("-")) {
          word = arg;
        }
      }
      message = (word.empty() ? "no command given" : "'" + word + "' is not a command") + "; the commands are " + commands;
    }
    std::cerr << "pos: error: " << message << "\nRun `pos --help` (or `pos <command> --help`) for usage.\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "pos: internal error: " << e.what() << "\n";
    return kExitFailed;
  }
  return context.exit_code;
}
