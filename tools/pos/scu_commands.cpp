// `pos scu init|status|fail|recover|copy|journal`: the Swedish fiscal profile, a
// software stand-in for a control unit (kontrollenhet, docs/fiscal-se.md).
#include <filesystem>
#include <iostream>

#include "domain/fiscal/at/rksv_fiscal_module.h"
#include "domain/fiscal/se/scu_fiscal_module.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "engine/bytes.h"
#include "engine/clock.h"
#include "projections/receipt_journal.h"
#include "tools/pos/cli_context.h"

namespace pos::cli {
namespace {

using fiscal::se::ScuFiscalModule;
using fiscal::se::SoftwareControlUnit;

template <typename Action>
void WithScu(Context& context, Action action) {
  Status s = [&]() -> Status {
    POS_ASSIGN_OR_RETURN(Node node, context.OpenNode());
    POS_ASSIGN_OR_RETURN(std::optional<fiscal::se::TillScu> till, fiscal::se::OpenTillScu(*node.store));
    if (!till.has_value()) {
      return Status::FailedPrecondition("this till has no control unit (" + fiscal::se::ScuDirOf(*node.store) +
                                        "); make one with `pos scu init`");
    }
    return action(node, *till->unit, *till->module);
  }();
  if (!s.ok()) context.Fail(s);
}

int64_t Now() { return DefaultClock()->NowMicros(); }

}  // namespace

void AddScuCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("scu", "The Swedish fiscal profile: a software stand-in for a control unit");
  group->require_subcommand(1);
  group->footer("Each closed receipt's registered data goes to the control unit (kontrollenhet), which journals it\n"
                "and returns the control code printed on the receipt. A stand-in: NOT certified (docs/fiscal-se.md).");

  auto org = std::make_shared<std::string>();
  auto reg = std::make_shared<std::string>();
  auto* init = group->add_subcommand("init", "Make the till's control unit (stand-in) for an organisation and register");
  init->add_option("--org-number", *org, "Organisation number, 10 digits")->required();
  init->add_option("--register-id", *reg, "Register id (kassabeteckning), letters, digits, '-'")->required();
  init->footer("A till has one fiscal profile: init refuses a till with a TSE or an RKSV register.\n"
               "Example: pos scu init --org-number 5560360793 --register-id KASSA-1");
  init->callback([&context, org, reg] {
    if (Status valid = SoftwareControlUnit::ValidateIdentity(*org, *reg); !valid.ok()) {
      context.Fail(valid);
      return;
    }
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, context.OpenStore());
      std::error_code ec;
      if (std::filesystem::exists(fiscal::TseDirOf(*store), ec) ||
          std::filesystem::exists(fiscal::at::RksvDirOf(*store), ec)) {
        return Status::FailedPrecondition("this till already has a fiscal profile (DE or AT); a till has exactly one");
      }
      const std::string dir = fiscal::se::ScuDirOf(*store);
      if (std::filesystem::exists(dir, ec)) return Status::AlreadyExists("this till already has a control unit in " + dir);
      auto unit = SoftwareControlUnit::Create(dir, *org, *reg);
      if (!unit.ok()) {
        std::filesystem::remove_all(dir, ec);
        return unit.status();
      }
      ScuFiscalModule module(*store, **unit);
      if (Status recorded = module.RecordInitialised(Now(), context.options.acting_user); !recorded.ok()) {
        std::filesystem::remove_all(dir, ec);
        return recorded;
      }
      if (context.options.json) {
        context.PrintJson({{"serial", (*unit)->serial()}, {"organisation_number", *org}, {"register_id", *reg}});
      } else {
        std::cout << "control unit " << (*unit)->serial() << " for " << *org << " / " << *reg << " (stand-in)\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });

  group->add_subcommand("status", "The control unit: serial, organisation, register, journal size")
      ->callback([&context] {
        WithScu(context, [&](Node&, SoftwareControlUnit& unit, ScuFiscalModule&) -> Status {
          if (context.options.json) {
            context.PrintJson({{"serial", unit.serial()},
                               {"organisation_number", unit.organisation_number()},
                               {"register_id", unit.register_id()},
                               {"journal_records", unit.journal_size()},
                               {"failed", unit.failed()}});
          } else {
            std::cout << "control unit " << unit.serial() << " (stand-in) for " << unit.organisation_number() << " / "
                      << unit.register_id() << ", " << unit.journal_size() << " journal records"
                      << (unit.failed() ? ", FAILED (receipts cannot be closed)" : "") << "\n";
          }
          return Status::Ok();
        });
      });
  for (const bool failed : {true, false}) {
    group->add_subcommand(failed ? "fail" : "recover",
                          failed ? "Simulate a control unit that does not answer (closing receipts is refused)"
                                 : "End the simulated failure")
        ->callback([&context, failed] {
          WithScu(context, [&](Node&, SoftwareControlUnit& unit, ScuFiscalModule&) -> Status {
            POS_RETURN_IF_ERROR(unit.SetFailed(failed));
            if (!context.options.json) std::cout << "control unit " << (failed ? "failed" : "answers again") << "\n";
            return Status::Ok();
          });
        });
  }

  auto number = std::make_shared<uint64_t>(0);
  auto* copy = group->add_subcommand("copy", "Register a copy of a closed receipt and print its control code");
  copy->add_option("--number", *number, "Receipt number on this till")->required();
  copy->footer("The copy is registered as type 'copy' (a new journal record and control code) and flagged KOPIA.");
  copy->callback([&context, number] {
    WithScu(context, [&](Node& node, SoftwareControlUnit&, ScuFiscalModule& module) -> Status {
      POS_ASSIGN_OR_RETURN(ProjectionReader reader, node.runner->Reader("receipt_journal"));
      POS_ASSIGN_OR_RETURN(auto receipt, ReceiptJournalView(reader).Find(ToHex(node.store->node_id()), *number));
      if (!receipt.has_value()) return Status::NotFound("no closed receipt number " + std::to_string(*number));
      std::vector<fiscal::se::VatAmount> vat;
      for (const auto& t : receipt->tax_lines) vat.push_back({t.basis_points, t.tax});
      POS_ASSIGN_OR_RETURN(fiscal::se::ScuRecord record,
                           module.RegisterCopy(receipt->receipt_id, *number, receipt->total, vat, Now(),
                                               context.options.acting_user));
      if (context.options.json) {
        context.PrintJson({{"number", *number}, {"type", "copy"}, {"control_code", record.control_code},
                           {"journal_seq", record.journal_seq}});
      } else {
        for (const std::string& line : fiscal::se::ScuPrintLines(record)) std::cout << line << "\n";
      }
      return Status::Ok();
    });
  });

  group->add_subcommand("journal", "List and check the control unit's own journal (hash chain, control codes)")
      ->callback([&context] {
        WithScu(context, [&](Node&, SoftwareControlUnit& unit, ScuFiscalModule&) -> Status {
          auto journal = unit.ReadJournal();
          if (!journal.ok()) {
            context.Fail(journal.status(), kExitVerifyFailed);
            return Status::Ok();
          }
          if (context.options.json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& r : *journal) {
              out.push_back({{"seq", r.seq}, {"data", r.data}, {"control_code", r.control_code}});
            }
            context.PrintJson(out);
          } else {
            for (const auto& r : *journal) std::cout << r.seq << "  " << r.data << "  " << r.control_code << "\n";
            std::cout << "ok: " << journal->size() << " records, hash chain and control codes intact\n";
          }
          return Status::Ok();
        });
      });
}

}  // namespace pos::cli
