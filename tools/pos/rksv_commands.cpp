// `pos rksv init|status|device|receipt|run-scenario`, `pos export dep7|rksv-keys`,
// `pos verify dep7`: the Austrian fiscal profile (RKSV, docs/fiscal-at.md). Every
// signed receipt is an RksvReceiptSigned event in the till's log; the keys live in
// <data>/rksv (domain/fiscal/at/rksv_register.h).
#include <charconv>
#include <filesystem>
#include <iostream>

#include "domain/fiscal/at/dep7_export.h"
#include "domain/fiscal/at/dep7_verifier.h"
#include "domain/fiscal/at/rksv_fiscal_module.h"
#include "domain/fiscal/at/rksv_scenario.h"
#include "domain/fiscal/atomic_file.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "engine/clock.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/progress_bar.h"

namespace pos::cli {
namespace {

using fiscal::at::ReceiptKind;
using fiscal::at::RksvFiscalModule;
using fiscal::at::RksvRegister;
using fiscal::at::SignedReceipt;

int64_t Now() { return DefaultClock()->NowMicros(); }

nlohmann::json ReceiptJson(const SignedReceipt& r) {
  return {{"kind", std::string(fiscal::at::ReceiptKindName(r.kind))},
          {"receipt_id", r.belegnummer},
          {"device", r.device},
          {"key_id", r.key_id},
          {"device_failed", r.device_failed},
          {"qr_code", r.qr_code}};
}

void PrintReceipt(const Context& context, const SignedReceipt& r) {
  if (context.options.json) {
    context.PrintJson(ReceiptJson(r));
    return;
  }
  std::cout << fiscal::at::ReceiptKindName(r.kind) << " receipt " << r.belegnummer << " signed by device " << r.device
            << " (" << r.key_id << ")" << (r.device_failed ? " - DEVICE FAILED: Sicherheitseinrichtung ausgefallen" : "")
            << "\n  " << r.qr_code << "\n";
}

// Opens the store and the till's RKSV register, then runs `action`.
template <typename Action>
void WithRksv(Context& context, Action action) {
  Status s = [&]() -> Status {
    POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, context.OpenStore());
    POS_ASSIGN_OR_RETURN(std::optional<fiscal::at::TillRksv> till, fiscal::at::OpenTillRksv(*store));
    if (!till.has_value()) {
      return Status::FailedPrecondition("this till has no RKSV register (" + fiscal::at::RksvDirOf(*store) +
                                        "); make one with `pos rksv init`");
    }
    return action(*store, *till->reg, *till->module);
  }();
  if (!s.ok()) context.Fail(s);
}

Result<size_t> ParseIndex(const std::string& text) {
  size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("device '" + text + "' is not an index (0, 1, ...)");
  }
  return value;
}

void AddInit(CLI::App& group, Context& context) {
  auto options = std::make_shared<fiscal::at::RksvInitOptions>();
  auto* cmd = group.add_subcommand("init", "Make the register's AES key and signature devices; issue the Startbeleg");
  cmd->add_option("--register-id", options->register_id, "Kassen-ID (as registered at FinanzOnline)")->required();
  cmd->add_option("--company-id", options->company_id, "U:<UID> (e.g. U:ATU12345678), S:<Steuernummer> or G:<GLN>")
      ->required();
  cmd->add_flag("--open", options->open_system,
                "Open system: each device has an X.509 certificate (here a self-made stand-in) and is named by its serial");
  cmd->add_option("--zda-id", options->zda_id, "ZDA id of the receipts (default AT0 closed, AT100 open)");
  cmd->add_option("--counter-bytes", options->counter_bytes, "Bytes of the encrypted turnover counter (5 to 8)")
      ->capture_default_str();
  cmd->add_option("--devices", options->devices, "Signature devices to create (1 to 16)")->capture_default_str();
  cmd->add_option("--aes-key", options->aes_key_base64, "The AES-256 key, base64 (default: a fresh random key)");
  cmd->add_flag("--utc", options->utc_clock, "Print receipt times in UTC instead of the system's local time");
  cmd->footer(
      "A closed system names its keys <company id>-K1, -K2, ...; an open system names them by certificate serial.\n"
      "The Startbeleg (start receipt, counter 0, chained over the register id) is signed at once; until then the\n"
      "till refuses to open receipts. A till has one fiscal profile: init refuses a till with a TSE (<data>/tse).\n"
      "Register the AES key and the devices at FinanzOnline (`pos export rksv-keys` prints them), and verify\n"
      "the Startbeleg. Example: pos rksv init --register-id KASSE-1 --company-id U:ATU12345678");
  cmd->callback([&context, options] {
    if (Status valid = RksvRegister::ValidateOptions(*options); !valid.ok()) {
      context.Fail(valid);
      return;
    }
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, context.OpenStore());
      std::error_code ec;
      if (std::filesystem::exists(fiscal::TseDirOf(*store), ec)) {
        return Status::FailedPrecondition("this till has the German fiscal profile (" + fiscal::TseDirOf(*store) +
                                          "); a till has exactly one fiscal profile");
      }
      if (std::filesystem::exists(store->path() + "/scu", ec)) {
        return Status::FailedPrecondition("this till has the Swedish fiscal profile (" + store->path() +
                                          "/scu); a till has exactly one fiscal profile");
      }
      const std::string dir = fiscal::at::RksvDirOf(*store);
      if (std::filesystem::exists(dir, ec)) return Status::AlreadyExists("this till already has an RKSV register in " + dir);
      auto reg = RksvRegister::Create(dir, *options);
      if (!reg.ok()) {
        std::filesystem::remove_all(dir, ec);
        return reg.status();
      }
      auto module = RksvFiscalModule::Create(*store, **reg);
      Result<SignedReceipt> start = module.ok() ? (*module)->Initialise(Now(), context.options.acting_user)
                                                : Result<SignedReceipt>(module.status());
      if (!start.ok()) {
        std::filesystem::remove_all(dir, ec);  // nothing is in the log unless the Startbeleg's predecessors were
        return start.status();
      }
      PrintReceipt(context, *start);
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });
}

void AddStatus(CLI::App& group, Context& context) {
  auto* cmd = group.add_subcommand("status", "The register: id, system, devices, receipts, turnover counter");
  cmd->callback([&context] {
    WithRksv(context, [&](EventStore&, RksvRegister& reg, RksvFiscalModule& module) -> Status {
      POS_ASSIGN_OR_RETURN(fiscal::at::ChainState state, module.State());
      nlohmann::json devices = nlohmann::json::array();
      for (size_t i = 0; i < reg.devices().size(); ++i) {
        devices.push_back({{"index", i},
                           {"key_id", reg.devices()[i].key_id},
                           {"failed", reg.devices()[i].failed},
                           {"active", i == reg.active_device()}});
      }
      nlohmann::json out = {{"register_id", reg.register_id()},   {"company_id", reg.company_id()},
                            {"system", reg.open_system() ? "open" : "closed"}, {"zda_id", reg.zda_id()},
                            {"counter_bytes", reg.counter_bytes()}, {"receipts", state.receipts},
                            {"turnover_cents", state.turnover},     {"started", state.started},
                            {"closed", state.closed},               {"collective_receipt_due", state.last_failed},
                            {"devices", devices}};
      if (context.options.json) {
        context.PrintJson(out);
        return Status::Ok();
      }
      std::cout << "RKSV register " << reg.register_id() << " (" << reg.company_id() << "), "
                << (reg.open_system() ? "open" : "closed") << " system, ZDA " << reg.zda_id() << "\n"
                << "receipts: " << state.receipts << ", turnover counter: " << fiscal::at::FormatAmount(state.turnover)
                << " EUR" << (state.closed ? ", CLOSED (Schlussbeleg)" : "")
                << (state.last_failed ? ", a Sammelbeleg is due after the device failure" : "") << "\n";
      for (const auto& d : devices) {
        std::cout << "  device " << d["index"].get<size_t>() << "  " << d["key_id"].get<std::string>()
                  << (d["active"].get<bool>() ? "  active" : "") << (d["failed"].get<bool>() ? "  FAILED" : "") << "\n";
      }
      return Status::Ok();
    });
  });
}

void AddDevice(CLI::App& group, Context& context) {
  auto* dev = group.add_subcommand("device", "Signature devices: add, use, fail, recover");
  dev->require_subcommand(1);
  dev->footer("Devices are numbered from 0. `fail` simulates a broken device: receipts are then signed\n"
              "\"Sicherheitseinrichtung ausgefallen\" and the sale goes on; `recover` ends it and issues the\n"
              "Sammelbeleg (a null receipt) if the last receipt was signed during the failure.");
  auto index = std::make_shared<std::string>();

  dev->add_subcommand("add", "Add a signature device (new key; certificate in an open system)")->callback([&context] {
    WithRksv(context, [&](EventStore&, RksvRegister& reg, RksvFiscalModule& module) -> Status {
      POS_ASSIGN_OR_RETURN(size_t added, reg.AddDevice());
      POS_RETURN_IF_ERROR(module.RecordDevice(added, Now(), context.options.acting_user));
      if (context.options.json) {
        context.PrintJson({{"index", added}, {"key_id", reg.devices()[added].key_id}});
      } else {
        std::cout << "device " << added << " added: " << reg.devices()[added].key_id
                  << " (register it at FinanzOnline)\n";
      }
      return Status::Ok();
    });
  });
  auto add_indexed = [&](const char* name, const char* help, auto body) {
    auto* cmd = dev->add_subcommand(name, help);
    cmd->add_option("DEVICE", *index, "Device index (0, 1, ...)")->required();
    cmd->callback([&context, index, body] {
      WithRksv(context, [&](EventStore&, RksvRegister& reg, RksvFiscalModule& module) -> Status {
        POS_ASSIGN_OR_RETURN(size_t i, ParseIndex(*index));
        return body(context, reg, module, i);
      });
    });
  };
  add_indexed("use", "Sign the following receipts with this device",
              [](Context& ctx, RksvRegister& reg, RksvFiscalModule&, size_t i) -> Status {
                POS_RETURN_IF_ERROR(reg.SelectDevice(i));
                if (!ctx.options.json) std::cout << "receipts are signed by device " << i << "\n";
                return Status::Ok();
              });
  add_indexed("fail", "Simulate a failure of this device",
              [](Context& ctx, RksvRegister& reg, RksvFiscalModule&, size_t i) -> Status {
                POS_RETURN_IF_ERROR(reg.SetDeviceFailed(i, true));
                if (!ctx.options.json) std::cout << "device " << i << " marked failed\n";
                return Status::Ok();
              });
  add_indexed("recover", "End the device's failure and issue the Sammelbeleg if one is due",
              [](Context& ctx, RksvRegister& reg, RksvFiscalModule& module, size_t i) -> Status {
                POS_RETURN_IF_ERROR(reg.SetDeviceFailed(i, false));
                POS_ASSIGN_OR_RETURN(fiscal::at::ChainState state, module.State());
                if (!state.last_failed) {
                  if (!ctx.options.json) std::cout << "device " << i << " works; no Sammelbeleg due\n";
                  return Status::Ok();
                }
                POS_ASSIGN_OR_RETURN(SignedReceipt r,
                                     module.IssueNullReceipt(ReceiptKind::kNull, Now(), ctx.options.acting_user));
                PrintReceipt(ctx, r);
                return Status::Ok();
              });
}

void AddReceipt(CLI::App& group, Context& context) {
  auto kind = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("receipt", "Issue a null, month, year or closing receipt");
  cmd->add_option("KIND", *kind, "null | month | year | closing")
      ->required()
      ->check(CLI::IsMember({"null", "month", "year", "closing"}));
  cmd->footer("null: a Nullbeleg (e.g. to check the device); month: the Monatsbeleg at the end of each month;\n"
              "year: the Jahresbeleg (the December Monatsbeleg; verify it); closing: the Schlussbeleg when the\n"
              "register is taken out of service - afterwards it signs nothing. All carry amounts 0 and the counter.");
  cmd->callback([&context, kind] {
    WithRksv(context, [&](EventStore&, RksvRegister&, RksvFiscalModule& module) -> Status {
      POS_ASSIGN_OR_RETURN(ReceiptKind k, fiscal::at::ParseReceiptKind(*kind));
      POS_ASSIGN_OR_RETURN(SignedReceipt r, module.IssueNullReceipt(k, Now(), context.options.acting_user));
      PrintReceipt(context, r);
      return Status::Ok();
    });
  });
}

void AddRunScenario(CLI::App& group, Context& context) {
  auto options = std::make_shared<fiscal::at::ScenarioOptions>();
  auto closed = std::make_shared<bool>(false);
  auto* cmd = group.add_subcommand("run-scenario", "Run a reference test scenario through a fresh till; write DEP7 and keys");
  cmd->add_option("FILE", options->scenario_file, "TESTSUITE_TEST_SZENARIO_<n>.json (tests/data/rksv/)")->required();
  cmd->add_option("OUT", options->out_dir, "Output directory (absent or empty)")->required();
  auto* open_flag = cmd->add_flag("--open", options->open_system, "Open system (stand-in X.509 certificates)");
  auto* closed_flag = cmd->add_flag("--closed", *closed, "Closed system (the default): key ids <company>-K<n>");
  open_flag->excludes(closed_flag);
  cmd->add_option("--counter-bytes", options->counter_bytes, "Bytes of the encrypted turnover counter (5 to 8)")
      ->capture_default_str();
  cmd->footer(
      "The scenario's register id, AES key, devices, receipt ids, dates, damaged devices and amounts per tax set\n"
      "drive a new till in OUT/till: sales go through the register (one line per tax set, paid cash), start and\n"
      "null receipts through the RKSV module. Writes OUT/dep-export.json and OUT/cryptographicMaterialContainer.json;\n"
      "check them with `pos verify dep7 OUT/dep-export.json OUT/cryptographicMaterialContainer.json`.");
  cmd->callback([&context, options] {
    ProgressBar bar("scenario", !context.options.quiet && !context.options.json);
    fiscal::at::ScenarioOptions run = *options;
    run.progress = [&bar](uint64_t done, uint64_t total) { bar.Update(done, total); };
    auto summary = fiscal::at::RunRksvScenario(run);
    const double seconds = bar.Finish();
    if (!summary.ok()) {
      context.Fail(summary.status());
      return;
    }
    nlohmann::json out = {{"label", summary->label},         {"instructions", summary->instructions},
                          {"sales", summary->sales},         {"receipts", summary->chain_receipts},
                          {"dep", summary->dep_file},        {"keys", summary->keys_file},
                          {"store", summary->store_dir},     {"seconds", seconds}};
    if (context.options.json) {
      context.PrintJson(out);
      return;
    }
    std::cout << summary->label << ": " << summary->chain_receipts << " receipts (" << summary->sales
              << " sold through the register)\n  " << summary->dep_file << "\n  " << summary->keys_file << "\n";
  });
}

void AddExports(CLI::App& app, Context& context) {
  CLI::App* group = app.get_subcommand("export");
  auto dep_out = std::make_shared<std::string>();
  auto* dep = group->add_subcommand("dep7", "Write the RKSV DEP7 export (every signed receipt) as JSON");
  dep->add_option("OUT", *dep_out, "Output file (.json); replaced atomically")->required();
  dep->footer("{\"Belege-Gruppe\": [{\"Signaturzertifikat\", \"Zertifizierungsstellen\", \"Belege-kompakt\"}]},\n"
              "one group per run of receipts signed with one key (docs/fiscal-at.md).");
  dep->callback([&context, dep_out] {
    Status s = [&]() -> Status {
      POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, context.OpenStore());
      fiscal::at::Dep7Summary summary;
      POS_ASSIGN_OR_RETURN(std::string text, fiscal::at::BuildDep7(*store, &summary));
      POS_RETURN_IF_ERROR(fiscal::WriteFileAtomically(*dep_out, text));
      if (context.options.json) {
        context.PrintJson({{"out", *dep_out}, {"receipts", summary.receipts}, {"groups", summary.groups}});
      } else {
        std::cout << "exported " << summary.receipts << " receipts in " << summary.groups << " groups to " << *dep_out
                  << "\n";
      }
      return Status::Ok();
    }();
    if (!s.ok()) context.Fail(s);
  });

  auto keys_out = std::make_shared<std::string>();
  auto* keys = group->add_subcommand("rksv-keys", "Write the RKSV verification key container (AES key, device keys)");
  keys->add_option("OUT", *keys_out, "Output file (.json); replaced atomically, mode 0600")->required();
  keys->footer("{\"base64AESKey\", \"certificateOrPublicKeyMap\": {<key id>: {\"id\", \"signatureDeviceType\",\n"
               "\"signatureCertificateOrPublicKey\"}}} - it holds the AES key: hand it to the auditor only.");
  keys->callback([&context, keys_out] {
    WithRksv(context, [&](EventStore& store, RksvRegister& reg, RksvFiscalModule&) -> Status {
      fiscal::at::Dep7Summary summary;
      POS_ASSIGN_OR_RETURN(std::string text, fiscal::at::BuildKeyContainer(store, reg, &summary));
      POS_RETURN_IF_ERROR(fiscal::WriteFileAtomically(*keys_out, text, 0600));
      if (context.options.json) {
        context.PrintJson({{"out", *keys_out}, {"keys", summary.devices}});
      } else {
        std::cout << "wrote " << summary.devices << " keys and the AES key to " << *keys_out << "\n";
      }
      return Status::Ok();
    });
  });
}

void AddVerify(CLI::App& app, Context& context) {
  CLI::App* verify = app.get_subcommand("verify");
  auto files = std::make_shared<std::pair<std::string, std::string>>();
  auto* cmd = verify->add_subcommand("dep7", "Check a DEP7 export against its key container (chain, counter, signatures)");
  cmd->add_option("DEP", files->first, "DEP7 export (.json)")->required();
  cmd->add_option("KEYS", files->second, "Key container (.json, pos export rksv-keys)")->required();
  cmd->footer("Exit code 0: every receipt checks out. Exit code 3: the first bad receipt is named (its position,\n"
              "receipt id and group) with what is wrong. Exit code 1: the files are not a DEP7 export / key container.");
  cmd->callback([&context, files] {
    auto dep = fiscal::ReadWholeFile(files->first);
    auto keys = fiscal::ReadWholeFile(files->second);
    if (!dep.ok() || !keys.ok()) {
      context.Fail(Status::NotFound("cannot read " + (dep.ok() ? files->second : files->first)));
      return;
    }
    auto report = fiscal::at::VerifyDep7(*dep, *keys);
    if (!report.ok()) {
      const bool damage = report.status().code() == StatusCode::kCorruption;
      if (context.options.json) {
        context.PrintJson({{"ok", false}, {"problem", report.status().message()}});
        context.exit_code = damage ? kExitVerifyFailed : kExitFailed;
      } else {
        context.Fail(report.status(), damage ? kExitVerifyFailed : kExitFailed);
      }
      return;
    }
    const auto& r = *report;
    if (context.options.json) {
      context.PrintJson({{"ok", true},
                         {"register_id", r.register_id},
                         {"receipts", r.receipts},
                         {"groups", r.groups},
                         {"failed_signatures", r.failed_signatures},
                         {"storno", r.storno},
                         {"training", r.training},
                         {"null_receipts", r.null_receipts},
                         {"turnover_cents", r.turnover}});
      return;
    }
    std::cout << "ok: " << r.receipts << " receipts of register " << r.register_id << " in " << r.groups
              << " groups; turnover counter " << fiscal::at::FormatAmount(r.turnover) << " EUR; " << r.storno
              << " storno, " << r.training << " training, " << r.null_receipts << " null, " << r.failed_signatures
              << " signed during a device failure\n";
  });
}

}  // namespace

void AddRksvCommands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("rksv", "The Austrian fiscal profile (RKSV): register, signature devices, receipts");
  group->require_subcommand(1);
  group->footer("Every receipt is signed into the RKSV chain (compact JWS, ES256) with the encrypted turnover\n"
                "counter; software signature devices, not certified. See docs/fiscal-at.md.");
  AddInit(*group, context);
  AddStatus(*group, context);
  AddDevice(*group, context);
  AddReceipt(*group, context);
  AddRunScenario(*group, context);
  AddExports(app, context);
  AddVerify(app, context);
}

}  // namespace pos::cli
