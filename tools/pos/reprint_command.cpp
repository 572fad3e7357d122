// `pos sale reprint --number N`: prints a closed receipt again, marked as a copy,
// from the receipt journal (so a printer that failed at the sale loses nothing).
#include <iostream>

#include "adapters/till_peripherals.h"
#include "engine/bytes.h"
#include "projections/receipt_journal.h"
#include "tools/pos/cli_context.h"

namespace pos::cli {

void AddReprintCommand(CLI::App& app, Context& context) {
  CLI::App* sale = app.get_subcommand("sale");
  auto number = std::make_shared<uint64_t>(0);
  auto* reprint = sale->add_subcommand("reprint", "Print a closed receipt again, marked as a copy");
  reprint->footer("Reads the receipt journal and sends the copy to the printer of peripherals.json.\n"
                  "Runs on the store directly: stop `pos serve` for the node first.");
  reprint->add_option("--number", *number, "Receipt number on this till")->required();
  reprint->callback([&context, number] {
    auto node = context.OpenNode();
    if (!node.ok()) {
      context.Fail(node.status());
      return;
    }
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(ProjectionReader reader, node->runner->Reader("receipt_journal"));
      POS_ASSIGN_OR_RETURN(auto receipt, ReceiptJournalView(reader).Find(ToHex(node->store->node_id()), *number));
      if (!receipt.has_value()) return Status::NotFound("no closed receipt number " + std::to_string(*number));
      POS_ASSIGN_OR_RETURN(auto peripherals, TillPeripherals::ForNode(context.options.data_dir, *node->store));
      POS_ASSIGN_OR_RETURN(ReceiptPrintJob job, TillPeripherals::ReprintJob(*receipt, *node->store));
      POS_RETURN_IF_ERROR(peripherals->Reprint(job));
      if (context.options.json) {
        context.PrintJson({{"ok", true}, {"reprinted", *number}});
      } else {
        std::cout << "reprinted receipt " << *number << " (copy)\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });
}

}  // namespace pos::cli
