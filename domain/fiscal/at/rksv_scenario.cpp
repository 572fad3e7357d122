#include "domain/fiscal/at/rksv_scenario.h"

#include <cmath>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/fiscal/at/dep7_export.h"
#include "domain/fiscal/at/rksv_fiscal_module.h"
#include "domain/fiscal/atomic_file.h"
#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "engine/clock.h"
#include "engine/pin_hash.h"
#include "projections/builtin_projections.h"

namespace pos::fiscal::at {
namespace {

constexpr const char* kUser = "rksv-scenario";
constexpr const char* kPin = "2016";

struct Instruction {
  std::string receipt_id;
  int64_t time_us = 0;
  size_t device = 0;
  bool damaged = false;
  std::string type;
  TaxSetAmounts amounts{};
};

struct Scenario {
  std::string register_id, aes_key, company_id, label;
  size_t devices = 0;
  std::vector<Instruction> instructions;
};

constexpr std::array<const char*, kTaxSets> kTaxSetFields = {"taxSetNormal", "taxSetErmaessigt1", "taxSetErmaessigt2",
                                                             "taxSetNull", "taxSetBesonders"};
constexpr std::array<const char*, kTaxSets> kArticles = {"AT-NORMAL", "AT-ERM1", "AT-ERM2", "AT-NULL", "AT-BES"};
constexpr std::array<uint32_t, kTaxSets> kRates = {2000, 1000, 1300, 0, 1900};

Result<Scenario> ParseScenario(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return Status::NotFound("cannot read scenario " + path + ": " + text.status().message());
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument(path + " is not a JSON object");
  auto str = [&](const nlohmann::json& o, const char* key, const std::string& where) -> Result<std::string> {
    if (!o.contains(key) || !o[key].is_string()) {
      return Status::InvalidArgument(path + ": " + where + "\"" + key + "\" is missing or not a string");
    }
    return o[key].get<std::string>();
  };
  Scenario s;
  POS_ASSIGN_OR_RETURN(s.register_id, str(j, "cashBoxId", ""));
  POS_ASSIGN_OR_RETURN(s.aes_key, str(j, "base64AesKey", ""));
  POS_ASSIGN_OR_RETURN(s.company_id, str(j, "companyID", ""));
  s.label = j.value("simulationRunLabel", std::filesystem::path(path).stem().string());
  if (!j.contains("numberOfSignatureDevices") || !j["numberOfSignatureDevices"].is_number_integer() ||
      j["numberOfSignatureDevices"].get<int>() < 1 || j["numberOfSignatureDevices"].get<int>() > 16) {
    return Status::InvalidArgument(path + ": \"numberOfSignatureDevices\" must be 1 to 16");
  }
  s.devices = j["numberOfSignatureDevices"].get<size_t>();
  if (!j.contains("cashBoxInstructionList") || !j["cashBoxInstructionList"].is_array() ||
      j["cashBoxInstructionList"].empty()) {
    return Status::InvalidArgument(path + ": \"cashBoxInstructionList\" is missing or empty");
  }
  size_t n = 0;
  for (const auto& item : j["cashBoxInstructionList"]) {
    ++n;
    const std::string where = "instruction " + std::to_string(n) + ": ";
    if (!item.is_object()) return Status::InvalidArgument(path + ": " + where + "not an object");
    Instruction in;
    POS_ASSIGN_OR_RETURN(in.receipt_id, str(item, "receiptIdentifier", where));
    POS_ASSIGN_OR_RETURN(std::string date, str(item, "dateToUse", where));
    auto time = ParseDateTimeAsUtc(date);
    if (!time.ok()) return Status::InvalidArgument(path + ": " + where + time.status().message());
    in.time_us = *time;
    POS_ASSIGN_OR_RETURN(in.type, str(item, "typeOfReceipt", where));
    if (in.type != "START_BELEG" && in.type != "STANDARD_BELEG" && in.type != "STORNO_BELEG" &&
        in.type != "TRAINING_BELEG" && in.type != "NULL_BELEG") {
      return Status::InvalidArgument(path + ": " + where + "typeOfReceipt '" + in.type + "' is unknown");
    }
    if (!item.contains("usedSignatureDevice") || !item["usedSignatureDevice"].is_number_integer() ||
        item["usedSignatureDevice"].get<int64_t>() < 0 ||
        item["usedSignatureDevice"].get<size_t>() >= s.devices) {
      return Status::InvalidArgument(path + ": " + where + "usedSignatureDevice must be 0 to " +
                                     std::to_string(s.devices - 1));
    }
    in.device = item["usedSignatureDevice"].get<size_t>();
    in.damaged = item.value("signatureDeviceDamaged", false);
    if (!item.contains("simplifiedReceipt") || !item["simplifiedReceipt"].is_object()) {
      return Status::InvalidArgument(path + ": " + where + "\"simplifiedReceipt\" is missing");
    }
    for (size_t t = 0; t < kTaxSets; ++t) {
      const auto& amount = item["simplifiedReceipt"].value(kTaxSetFields[t], nlohmann::json(0.0));
      if (!amount.is_number()) {
        return Status::InvalidArgument(path + ": " + where + kTaxSetFields[t] + " is not a number");
      }
      in.amounts[t] = std::llround(amount.get<double>() * 100.0);
    }
    s.instructions.push_back(std::move(in));
  }
  if (s.instructions.front().type != "START_BELEG") {
    return Status::InvalidArgument(path + ": the first instruction must be the START_BELEG");
  }
  return s;
}

Status SeedCatalog(EventStore& store, ProjectionRunner& runner) {
  MasterDataService master(store, runner);
  const std::array<const char*, kTaxSets> names = {"Normal 20%", "Ermaessigt-1 10%", "Ermaessigt-2 13%", "Null 0%",
                                                   "Besonders 19%"};
  for (size_t t = 0; t < kTaxSets; ++t) {
    const std::string code(1, static_cast<char>('A' + t));
    POS_RETURN_IF_ERROR(master.AddTaxRate({code, names[t], kRates[t]}, kUser));
    POS_RETURN_IF_ERROR(master.AddArticle({kArticles[t], names[t], 100, code, "rksv", {}}, kUser));
  }
  POS_ASSIGN_OR_RETURN(std::string hash, HashSecret(kPin, 1000));
  return master.AddUser({kUser, "RKSV scenario", UserRole::kSupervisor, hash}, kUser);
}

Status Sell(RegisterService& service, RksvFiscalModule& module, const Instruction& in) {
  module.SetNextReceipt(in.receipt_id, in.type == "STORNO_BELEG");
  POS_ASSIGN_OR_RETURN(std::string receipt, service.Open(std::nullopt, 0, in.type == "TRAINING_BELEG"));
  int64_t total = 0;
  bool any = false;
  for (size_t t = 0; t < kTaxSets; ++t) {
    const int64_t amount = in.amounts[t];
    if (amount == 0) continue;
    any = true;
    total += amount;
    POS_RETURN_IF_ERROR(service.AddLine(receipt, kArticles[t], amount < 0 ? -1 : 1, std::llabs(amount)).status());
  }
  if (!any) POS_RETURN_IF_ERROR(service.AddLine(receipt, kArticles[0], 1, 0).status());
  if (total != 0) POS_RETURN_IF_ERROR(service.Pay(receipt, Payment{PaymentType::kCash, total, ""}));
  return service.Close(receipt).status();
}

}  // namespace

Result<ScenarioSummary> RunRksvScenario(const ScenarioOptions& options) {
  POS_ASSIGN_OR_RETURN(Scenario scenario, ParseScenario(options.scenario_file));
  if (options.counter_bytes < 5 || options.counter_bytes > 8) {
    return Status::InvalidArgument("--counter-bytes must be 5 to 8, not " + std::to_string(options.counter_bytes));
  }
  std::error_code ec;
  const std::filesystem::path out(options.out_dir);
  if (std::filesystem::exists(out, ec) &&
      (!std::filesystem::is_directory(out, ec) || !std::filesystem::is_empty(out, ec))) {
    return Status::AlreadyExists(options.out_dir + " exists and is not an empty directory");
  }
  std::filesystem::create_directories(out, ec);
  if (ec) return Status::IoError("cannot create " + options.out_dir + ": " + ec.message());

  ScenarioSummary summary;
  summary.label = scenario.label;
  summary.instructions = scenario.instructions.size();
  summary.store_dir = (out / "till").string();
  auto clock = std::make_shared<ManualClock>(scenario.instructions.front().time_us);
  StoreOptions store_options;
  store_options.clock = clock;
  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store,
                       EventStore::Create(summary.store_dir, {.node_name = scenario.register_id}, store_options));
  ProjectionRunner runner(*store);
  POS_RETURN_IF_ERROR(RegisterBuiltinProjections(runner));
  POS_RETURN_IF_ERROR(runner.CatchUp());
  POS_RETURN_IF_ERROR(SeedCatalog(*store, runner));

  RksvInitOptions init;
  init.register_id = scenario.register_id;
  init.company_id = scenario.company_id;
  init.open_system = options.open_system;
  init.counter_bytes = options.counter_bytes;
  init.aes_key_base64 = scenario.aes_key;
  init.devices = static_cast<int>(scenario.devices);
  init.utc_clock = true;  // the scenario's dates are local times; the clock carries them as UTC
  POS_ASSIGN_OR_RETURN(std::unique_ptr<RksvRegister> reg, RksvRegister::Create(RksvDirOf(*store), init));
  POS_ASSIGN_OR_RETURN(std::unique_ptr<RksvFiscalModule> module, RksvFiscalModule::Create(*store, *reg));
  POS_ASSIGN_OR_RETURN(std::unique_ptr<RegisterService> service, RegisterService::Load(*store, runner, clock));
  service->SetFiscalModule(module.get());
  POS_RETURN_IF_ERROR(service->SignOn(kUser, kPin));

  size_t done = 0;
  for (const Instruction& in : scenario.instructions) {
    const std::string where = "instruction " + std::to_string(done + 1) + " (" + in.receipt_id + ")";
    clock->Set(in.time_us);
    POS_RETURN_IF_ERROR(reg->SelectDevice(in.device));
    POS_RETURN_IF_ERROR(reg->SetDeviceFailed(in.device, in.damaged));
    Status step;
    if (in.type == "START_BELEG") {
      step = module->Initialise(in.time_us, kUser, in.receipt_id).status();
    } else if (in.type == "NULL_BELEG") {
      step = module->IssueNullReceipt(ReceiptKind::kNull, in.time_us, kUser, in.receipt_id).status();
    } else {
      step = Sell(*service, *module, in);
      ++summary.sales;
    }
    if (!step.ok()) return step.WithContext(where);
    ++done;
    if (options.progress) options.progress(done, scenario.instructions.size());
  }
  POS_RETURN_IF_ERROR(reg->SetDeviceFailed(scenario.instructions.back().device, false));

  Dep7Summary dep_summary;
  POS_ASSIGN_OR_RETURN(std::string dep, BuildDep7(*store, &dep_summary));
  POS_ASSIGN_OR_RETURN(std::string keys, BuildKeyContainer(*store, *reg));
  summary.chain_receipts = dep_summary.receipts;
  summary.dep_file = (out / "dep-export.json").string();
  summary.keys_file = (out / "cryptographicMaterialContainer.json").string();
  POS_RETURN_IF_ERROR(WriteFileAtomically(summary.dep_file, dep));
  POS_RETURN_IF_ERROR(WriteFileAtomically(summary.keys_file, keys));
  return summary;
}

}  // namespace pos::fiscal::at
