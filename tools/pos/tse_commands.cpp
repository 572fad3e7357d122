// `pos tse init|register-client|status|deactivate|decommission|unblock|export|verify-export`:
// the till's software TSE (German fiscal profile, docs/fiscal-de.md). Every TSE
// operation is also an event in the till's log (stream tse/<node id hex>).
#include <iostream>

#include "domain/fiscal/software_tse.h"
#include "domain/fiscal/tse_events.h"
#include "domain/fiscal/tse_export.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "domain/fiscal/tse_replacement.h"
#include "engine/bytes.h"
#include "engine/clock.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/secret_input.h"

namespace pos::cli {
namespace {

using fiscal::SoftwareTse;
using fiscal::TseFiscalModule;

struct TseArgs {
  bool pin_stdin = false;
  bool puk_stdin = false;
  std::string client_id;
  std::string path;
};

// Opens the store and its TSE directory (created when absent), with the fiscal
// module that records TSE events, then runs `action`.
template <typename Action>
void WithTse(Context& context, Action action) {
  Status s = [&]() -> Status {
    POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, context.OpenStore());
    POS_ASSIGN_OR_RETURN(std::unique_ptr<SoftwareTse> tse, SoftwareTse::Open(fiscal::TseDirOf(*store)));
    POS_ASSIGN_OR_RETURN(std::unique_ptr<TseFiscalModule> module, TseFiscalModule::Create(*store, *tse));
    return action(*store, *tse, *module);
  }();
  if (!s.ok()) context.Fail(s);
}

int64_t Now() { return DefaultClock()->NowMicros(); }

}  // namespace

void AddTseCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("tse", "The till's software TSE (Germany): init, clients, status, export");
  group->require_subcommand(1);
  group->footer("A software TSE with the lifecycle and counters of BSI TR-03153 / TR-03151; not certified.\n"
                "See docs/fiscal-de.md.");
  auto args = std::make_shared<TseArgs>();

  auto* init = group->add_subcommand("init", "Make the TSE's key under a new admin PIN and print its PUK once");
  init->add_flag("--admin-pin-stdin", args->pin_stdin, "Read the new admin PIN from standard input");
  init->footer("A TSE that is out of service (deactivated or decommissioned, as the log records), e.g. the old\n"
               "machine's after pos migrate import, is kept under <data>/tse-retired/<serial>/ and a new one made.\n"
               "Example: echo 123456 | pos tse init --admin-pin-stdin");
  init->callback([&context, args] {
    auto pin = ReadSecret("new TSE admin PIN", args->pin_stdin, "--admin-pin-stdin");
    if (!pin.ok()) {
      context.Fail(pin.status());
      return;
    }
    // A TSE out of service (e.g. the old machine's, after pos migrate import) is
    // moved to tse-retired/<serial>/ first; the new TSE starts its own counters.
    std::string retired;
    {
      auto store = context.OpenStore();
      auto moved = store.ok() ? fiscal::RetireOutOfServiceTse(**store) : Result<std::string>(store.status());
      if (!moved.ok()) {
        context.Fail(moved.status());
        return;
      }
      retired = *moved;
    }
    WithTse(context, [&](EventStore&, SoftwareTse& tse, TseFiscalModule& module) -> Status {
      const int64_t now = Now();
      POS_ASSIGN_OR_RETURN(std::string puk, tse.Initialise(*pin, now));
      if (!retired.empty() && !context.options.json) {
        std::cout << "the TSE " << retired << " (out of service) is kept in tse-retired/" << retired << "/\n";
      }
      POS_RETURN_IF_ERROR(module.Record(EventType::kTseInitialised,
                                        fiscal::tse_events::TseInitialised(tse.serial_hex(), tse.public_key_der(), now),
                                        context.options.acting_user));
      if (context.options.json) {
        context.PrintJson({{"serial", tse.serial_hex()}, {"puk", puk}, {"retired", retired}});
      } else {
        std::cout << "TSE initialised, serial " << tse.serial_hex() << "\nPUK " << puk
                  << "  (shown once: keep it; it unblocks the admin PIN)\n"
                  << "next: pos tse register-client --admin-pin-stdin\n";
      }
      return Status::Ok();
    });
  });

  auto* reg = group->add_subcommand("register-client", "Register a client (by default this till) in the TSE");
  reg->add_flag("--admin-pin-stdin", args->pin_stdin, "Read the admin PIN from standard input");
  reg->add_option("--client-id", args->client_id, "The client id (default: this till's node id hex)");
  reg->callback([&context, args] {
    auto pin = ReadSecret("TSE admin PIN", args->pin_stdin, "--admin-pin-stdin");
    if (!pin.ok()) {
      context.Fail(pin.status());
      return;
    }
    WithTse(context, [&](EventStore&, SoftwareTse& tse, TseFiscalModule& module) -> Status {
      const std::string client = args->client_id.empty() ? module.client_id() : args->client_id;
      POS_RETURN_IF_ERROR(tse.RegisterClient(*pin, client));
      POS_RETURN_IF_ERROR(module.Record(EventType::kTseClientRegistered,
                                        fiscal::tse_events::TseClientRegistered(tse.serial_hex(), client, Now()),
                                        context.options.acting_user));
      if (context.options.json) {
        context.PrintJson({{"client_id", client}});
      } else {
        std::cout << "client " << client << " registered in TSE " << tse.serial_hex() << "\n";
      }
      return Status::Ok();
    });
  });

  auto* status = group->add_subcommand("status", "Lifecycle, serial, clients, counters and outage of the TSE");
  status->callback([&context] {
    WithTse(context, [&](EventStore&, SoftwareTse& tse, TseFiscalModule& module) -> Status {
      const Status can_sign = tse.CheckCanSign(module.client_id());
      if (context.options.json) {
        nlohmann::json open = nlohmann::json::array();
        for (const auto& [number, tx] : tse.open_transactions()) {
          open.push_back({{"number", number}, {"client_id", tx.client_id}, {"reference", tx.reference}});
        }
        context.PrintJson({{"lifecycle", fiscal::TseLifecycleName(tse.lifecycle())},
                           {"serial", tse.serial_hex()},
                           {"clients", tse.clients()},
                           {"this_client", module.client_id()},
                           {"signature_counter", tse.signature_counter()},
                           {"last_transaction_number", tse.last_transaction_number()},
                           {"open_transactions", open},
                           {"pin_failures", tse.pin_failures()},
                           {"outage", module.in_outage()},
                           {"can_sign", can_sign.ok()},
                           {"message", can_sign.ok() ? "" : can_sign.message()}});
        return Status::Ok();
      }
      std::cout << "lifecycle          " << fiscal::TseLifecycleName(tse.lifecycle()) << "\n"
                << "serial             " << (tse.serial_hex().empty() ? "-" : tse.serial_hex()) << "\n"
                << "clients            ";
      for (const auto& c : tse.clients()) std::cout << c << " ";
      std::cout << "\nsignature counter  " << tse.signature_counter() << "\n"
                << "last transaction   " << tse.last_transaction_number() << "\n"
                << "open transactions  " << tse.open_transactions().size() << "\n"
                << "outage             " << (module.in_outage() ? "yes (TSE ausgefallen)" : "no") << "\n"
                << "this till signs    " << (can_sign.ok() ? "yes" : "no: " + can_sign.message()) << "\n";
      return Status::Ok();
    });
  });

  auto* deactivate = group->add_subcommand("deactivate", "Take the TSE out of service (it signs nothing more)");
  deactivate->add_flag("--admin-pin-stdin", args->pin_stdin, "Read the admin PIN from standard input");
  deactivate->callback([&context, args] {
    auto pin = ReadSecret("TSE admin PIN", args->pin_stdin, "--admin-pin-stdin");
    if (!pin.ok()) {
      context.Fail(pin.status());
      return;
    }
    WithTse(context, [&](EventStore&, SoftwareTse& tse, TseFiscalModule& module) -> Status {
      POS_RETURN_IF_ERROR(tse.Deactivate(*pin));
      POS_RETURN_IF_ERROR(module.Record(EventType::kTseDeactivated,
                                        fiscal::tse_events::TseDeactivated(tse.serial_hex(), Now()),
                                        context.options.acting_user));
      if (!context.options.json) std::cout << "TSE " << tse.serial_hex() << " deactivated\n";
      else context.PrintJson({{"lifecycle", "deactivated"}});
      return Status::Ok();
    });
  });

  auto* decommission = group->add_subcommand("decommission", "Destroy the TSE's key for good (export first)");
  decommission->add_flag("--admin-pin-stdin", args->pin_stdin, "Read the admin PIN from standard input");
  decommission->callback([&context, args] {
    auto pin = ReadSecret("TSE admin PIN", args->pin_stdin, "--admin-pin-stdin");
    if (!pin.ok()) {
      context.Fail(pin.status());
      return;
    }
    WithTse(context, [&](EventStore&, SoftwareTse& tse, TseFiscalModule& module) -> Status {
      POS_RETURN_IF_ERROR(tse.Decommission(*pin));
      POS_RETURN_IF_ERROR(module.Record(EventType::kTseDecommissioned,
                                        fiscal::tse_events::TseDecommissioned(tse.serial_hex(), Now()),
                                        context.options.acting_user));
      if (!context.options.json) std::cout << "TSE " << tse.serial_hex() << " decommissioned; its key is destroyed\n";
      else context.PrintJson({{"lifecycle", "decommissioned"}});
      return Status::Ok();
    });
  });

  auto* unblock = group->add_subcommand("unblock", "Unblock the admin PIN with the PUK");
  unblock->add_flag("--puk-stdin", args->puk_stdin, "Read the PUK from standard input");
  unblock->callback([&context, args] {
    auto puk = ReadSecret("TSE PUK", args->puk_stdin, "--puk-stdin");
    if (!puk.ok()) {
      context.Fail(puk.status());
      return;
    }
    WithTse(context, [&](EventStore&, SoftwareTse& tse, TseFiscalModule&) -> Status {
      POS_RETURN_IF_ERROR(tse.Unblock(*puk));
      if (!context.options.json) std::cout << "TSE admin PIN unblocked\n";
      else context.PrintJson({{"ok", true}});
      return Status::Ok();
    });
  });

  auto* exp = group->add_subcommand("export", "Write the TSE's signed log, public key and info to a tar file");
  exp->add_option("OUT", args->path, "The tar file to write")->required();
  exp->callback([&context, args] {
    WithTse(context, [&](EventStore&, SoftwareTse& tse, TseFiscalModule&) -> Status {
      POS_ASSIGN_OR_RETURN(fiscal::TseExportSummary summary, fiscal::WriteTseExport(tse, args->path, Now()));
      if (context.options.json) {
        context.PrintJson({{"path", args->path},
                           {"messages", summary.messages},
                           {"signature_counter", summary.signature_counter},
                           {"last_transaction_number", summary.last_transaction_number}});
      } else {
        std::cout << "exported " << summary.messages << " signed log messages (signature counter 1.."
                  << summary.signature_counter << ") to " << args->path << "\n";
      }
      return Status::Ok();
    });
  });

  auto* verify = group->add_subcommand("verify-export", "Check a TSE export on its own: signatures and counters");
  verify->add_option("TAR", args->path, "The export to check")->required();
  verify->callback([&context, args] {
    auto summary = fiscal::VerifyTseExport(args->path);
    if (!summary.ok()) {
      context.Fail(summary.status(), summary.status().code() == StatusCode::kCorruption ? kExitVerifyFailed
                                                                                        : kExitFailed);
      return;
    }
    if (context.options.json) {
      context.PrintJson({{"ok", true},
                         {"serial", summary->serial},
                         {"messages", summary->messages},
                         {"signature_counter", summary->signature_counter},
                         {"last_transaction_number", summary->last_transaction_number},
                         {"finished_transactions", summary->finished_transactions},
                         {"updates", summary->updates}});
    } else {
      std::cout << "ok: " << summary->messages << " signed log messages of TSE " << summary->serial
                << " verify; signature counters 1.." << summary->signature_counter << " and transactions 1.."
                << summary->last_transaction_number << " have no gaps\n";
    }
  });
}

}  // namespace pos::cli
