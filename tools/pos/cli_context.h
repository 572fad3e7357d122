// What every `pos` subcommand shares: the global options, opening the node's
// store with its projections caught up, and reporting errors and results.
//
// Exit codes: 0 ok; 1 the command failed (the message says why); 2 the command
// line is malformed; 3 `pos verify` found a damaged log.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "engine/event_store.h"
#include "engine/status.h"
#include "projections/projection_runner.h"

namespace pos::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitVerifyFailed = 3;

struct GlobalOptions {
  std::string data_dir = "./pos-data";
  bool json = false;
  bool quiet = false;       // no progress output
  std::string acting_user;  // recorded in the events this command writes
};

// An open store with the built-in projections registered and caught up.
struct Node {
  std::unique_ptr<EventStore> store;
  std::unique_ptr<ProjectionRunner> runner;
};

class Context {
 public:
  GlobalOptions options;
  int exit_code = kExitOk;

  Result<Node> OpenNode(bool catch_up = true) const;
  Result<std::unique_ptr<EventStore>> OpenStore() const;

  // Prints "pos: error: <message>" to stderr (or {"error":…} on stdout with
  // --json) and sets the exit code. Returns the exit code for convenience.
  int Fail(const Status& status, int code = kExitFailed);
  void PrintJson(const nlohmann::json& value) const;
};

// Each file in tools/pos adds its subcommands here.
void AddInitCommand(CLI::App& app, Context& context);
void AddTaxRateCommands(CLI::App& app, Context& context);
void AddArticleCommands(CLI::App& app, Context& context);
void AddUserCommands(CLI::App& app, Context& context);
void AddCatalogCommands(CLI::App& app, Context& context);
void AddLogCommand(CLI::App& app, Context& context);
void AddVerifyCommand(CLI::App& app, Context& context);
void AddReplayCommand(CLI::App& app, Context& context);
void AddStatsCommand(CLI::App& app, Context& context);
void AddDemoCommand(CLI::App& app, Context& context);
void AddDeviceCommands(CLI::App& app, Context& context);
void AddReportCommands(CLI::App& app, Context& context);
// Adds `pos sale reprint`; call after AddSaleCommands.
void AddReprintCommand(CLI::App& app, Context& context);
void AddServeCommand(CLI::App& app, Context& context);
void AddSaleCommands(CLI::App& app, Context& context);
// `pos tse …`: the software TSE of the German fiscal profile (tse_commands.cpp).
void AddTseCommands(CLI::App& app, Context& context);
// `pos vendor …`, `pos license …`, `pos license-server …` (docs/licensing.md).
void AddLicensingCommands(CLI::App& app, Context& context);
// `pos export dsfinvk` (tools/pos/export_commands.cpp).
void AddExportCommands(CLI::App& app, Context& context);
// `pos rksv …`, `pos export dep7|rksv-keys`, `pos verify dep7` (tools/pos/rksv_commands.cpp, docs/fiscal-at.md);
// call after AddExportCommands and AddVerifyCommand.
void AddRksvCommands(CLI::App& app, Context& context);
// `pos scu …`: the Swedish fiscal profile's control unit stand-in (tools/pos/scu_commands.cpp, docs/fiscal-se.md).
void AddScuCommands(CLI::App& app, Context& context);
// `pos backup create|list|verify|restore` (tools/pos/backup_commands.cpp, docs/backup.md).
void AddBackupCommands(CLI::App& app, Context& context);
// `pos migrate export|import|check` (tools/pos/migrate_commands.cpp, docs/backup.md).
void AddMigrateCommands(CLI::App& app, Context& context);
// `pos config show|set` (config_commands.cpp): <data>/node.toml.
void AddConfigCommands(CLI::App& app, Context& context);
// `pos hub account …`, `pos hub password-reset …`: hub accounts (tools/pos/hub_account_commands.cpp,
// docs/sync.md). Finds or adds the `hub` command it shares with `pos hub serve`.
void AddHubAccountCommands(CLI::App& app, Context& context);
// `pos hub serve`: the site hub's sync server (tools/pos/hub_serve_command.cpp, docs/sync.md).
void AddHubServeCommand(CLI::App& app, Context& context);
// `pos sync join|mode|on|off|status|leave` (tools/pos/sync_commands.cpp, docs/sync.md).
void AddSyncCommands(CLI::App& app, Context& context);
// `pos hub report site|z|tills` (tools/pos/hub_report_command.cpp).
void AddHubReportCommands(CLI::App& app, Context& context);

}  // namespace pos::cli
