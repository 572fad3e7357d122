// `pos export dsfinvk`: the DSFinV-K export of the Z reports of a date range
// (adapters/dsfinvk, docs/exports.md).
#include <iostream>
#include <memory>

#include "adapters/dsfinvk/dsfinvk_export.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/progress_bar.h"

namespace pos::cli {

void AddExportCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("export", "Export data for auditors (DSFinV-K)");
  group->require_subcommand(1);

  auto* cmd = group->add_subcommand(
      "dsfinvk", "Write the DSFinV-K tables (CSV + index.xml) of the Z reports closed from --from to --to");
  cmd->footer(
      "Exports every Z report (Kassenabschluss) whose day close falls on a UTC day in [--from, --to], with the\n"
      "receipts it covers. OUT must be absent or empty (or pass --force to replace it); the tables are written\n"
      "into a temporary directory that is renamed to OUT at the end, so a failed export leaves nothing behind.\n"
      "Company data (name, address, tax numbers) is not in the event log: give it with the --company-* options.");
  auto options = std::make_shared<dsfinvk::ExportOptions>();
  cmd->add_option("--from", options->from_day, "First day (YYYY-MM-DD, UTC), inclusive")->required();
  cmd->add_option("--to", options->to_day, "Last day (YYYY-MM-DD, UTC), inclusive")->required();
  cmd->add_option("OUT", options->out_dir, "Output directory (absent or empty)")->required();
  cmd->add_flag("--force", options->force, "Replace a non-empty OUT");
  cmd->add_option("--company-name", options->company.name, "Company name (cashpointclosing.csv NAME)");
  cmd->add_option("--company-street", options->company.street, "Street and number");
  cmd->add_option("--company-postcode", options->company.postcode, "Postcode");
  cmd->add_option("--company-city", options->company.city, "City");
  cmd->add_option("--company-country", options->company.country, "Country, ISO 3166 alpha-3")
      ->capture_default_str();
  cmd->add_option("--tax-number", options->company.tax_number, "Steuernummer (STNR)");
  cmd->add_option("--vat-id", options->company.vat_id, "USt-IdNr. (USTID)");
  cmd->add_option("--location-name", options->company.location_name,
                  "Location name (location.csv LOC_NAME); default: the till's node name");

  cmd->callback([&context, options] {
    // Refuse bad arguments before opening anything.
    if (Status s = dsfinvk::ValidateExportOptions(*options); !s.ok()) {
      context.Fail(s);
      return;
    }
    auto node = context.OpenNode();
    if (!node.ok()) {
      context.Fail(node.status());
      return;
    }
    ProgressBar bar("export", !context.options.quiet && !context.options.json);
    dsfinvk::ExportOptions run = *options;
    run.progress = [&bar](uint64_t done, uint64_t total) { bar.Update(done, total); };
    auto summary = dsfinvk::ExportDsfinvk(*node->store, *node->runner, run);
    const double seconds = bar.Finish();
    if (!summary.ok()) {
      context.Fail(summary.status());
      return;
    }
    nlohmann::json out = {
        {"out_dir", summary->out_dir},
        {"from", options->from_day},
        {"to", options->to_day},
        {"closings", summary->closings},
        {"receipts", summary->receipts},
        {"aborted_receipts", summary->aborted},
        {"receipts_with_tse", summary->receipts_with_tse},
        {"receipts_without_closing", summary->receipts_without_closing},
        {"tse_schema", summary->tse_schema},
        {"tables", summary->rows},
        {"seconds", seconds},
    };
    if (context.options.json) {
      context.PrintJson(out);
      return;
    }
    std::cout << "exported " << summary->closings << " Z reports with " << summary->receipts << " receipts (and "
              << summary->aborted << " cancelled) to " << summary->out_dir << "\n";
    for (const auto& [file, rows] : summary->rows) std::cout << "  " << file << "  " << rows << " records\n";
    if (summary->receipts_without_closing) {
      std::cout << "note: " << summary->receipts_without_closing
                << " receipts closed in the range are not covered by a Z report in it (day not closed yet?) "
                   "and were not exported\n";
    }
    if (summary->receipts_with_tse < summary->receipts + summary->aborted) {
      std::cout << "note: " << summary->receipts + summary->aborted - summary->receipts_with_tse
                << " receipts have no TSE transaction; their transactions_tse.csv record says so\n";
    }
  });
}

}  // namespace pos::cli
