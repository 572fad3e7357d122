// `pos stats`: what the node holds: identity, log size, chains, projections.
#include <filesystem>
#include <iostream>

#include "engine/bytes.h"
#include "projections/journal_statistics.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/event_format.h"

namespace pos::cli {
namespace {

uint64_t DirectorySize(const std::string& path) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

}  // namespace

void AddStatsCommand(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("stats", "Show the node's identity, log statistics, chains and projections");
  cmd->callback([&context] {
    auto node = context.OpenNode();
    if (!node.ok()) {
      context.Fail(node.status());
      return;
    }
    auto reader = node->runner->Reader("journal_stats");
    if (!reader.ok()) {
      context.Fail(reader.status());
      return;
    }
    auto stats = ReadJournalStatistics(*reader);
    if (!stats.ok()) {
      context.Fail(stats.status());
      return;
    }
    nlohmann::json chains = nlohmann::json::object();
    for (const auto& [origin, head] : node->store->Heads()) {
      chains[ToHex(origin)] = {{"seq", head.seq}, {"hash", ToHex(head.hash)}};
    }
    nlohmann::json projections = nlohmann::json::array();
    for (const auto& info : node->runner->Infos()) {
      projections.push_back({{"name", info.name}, {"version", info.version}, {"checkpoint", info.checkpoint}});
    }
    nlohmann::json out = {
        {"node_id", ToHex(node->store->node_id())},
        {"node_name", node->store->node_name()},
        {"data_dir", context.options.data_dir},
        {"disk_bytes", DirectorySize(context.options.data_dir)},
        {"events", stats->events},
        {"last_sequence", node->store->LastSequence()},
        {"event_bytes", stats->bytes},
        {"first_event", stats->events ? FormatTimestamp(stats->first_wall_us) : ""},
        {"last_event", stats->events ? FormatTimestamp(stats->last_wall_us) : ""},
        {"by_type", stats->by_type},
        {"by_category", stats->by_category},
        {"chains", chains},
        {"projections", projections},
    };
    if (context.options.json) {
      context.PrintJson(out);
      return;
    }
    std::cout << "node        " << out["node_name"].get<std::string>() << " (" << out["node_id"].get<std::string>()
              << ")\n"
              << "data        " << context.options.data_dir << ", " << out["disk_bytes"].get<uint64_t>()
              << " bytes on disk\n"
              << "events      " << stats->events << " (" << stats->bytes << " bytes)";
    if (stats->events) {
      std::cout << ", " << FormatTimestamp(stats->first_wall_us) << " .. " << FormatTimestamp(stats->last_wall_us);
    }
    std::cout << "\nby type    ";
    for (const auto& [type, count] : stats->by_type) std::cout << " " << type << "=" << count;
    std::cout << "\nchains\n";
    for (const auto& [origin, head] : node->store->Heads()) {
      std::cout << "  " << ToHex(origin) << "  seq " << head.seq << "  head " << ToHex(head.hash).substr(0, 16)
                << "…\n";
    }
    std::cout << "projections\n";
    for (const auto& info : node->runner->Infos()) {
      std::cout << "  " << info.name << " v" << info.version << "  at " << info.checkpoint << "\n";
    }
  });
}

}  // namespace pos::cli
