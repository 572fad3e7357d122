// RksvScenario: runs one test scenario of the Austrian reference implementation
// (TESTSUITE_TEST_SZENARIO_*.json, tests/data/rksv/) through the engine: a fresh
// till in OUT/till with the scenario's register id, AES key and signature devices,
// its clock set to each instruction's date. Standard, storno and training
// receipts are sold through RegisterService exactly like `pos sale` (one line per
// non-zero tax set at the scenario's gross amount, paid cash, closed), signed by
// the RKSV fiscal module; start and null receipts are issued by the module as
// `pos rksv init` / `pos rksv null-receipt` do. The scenario's receipt identifier
// becomes the RKSV receipt id. Writes OUT/dep-export.json (DEP7) and
// OUT/cryptographicMaterialContainer.json (the key container).
//
// Scenario format (reference implementation's CashBoxSimulation):
//   {"cashBoxId", "base64AesKey", "companyID", "simulationRunLabel", "numberOfSignatureDevices",
//    "cashBoxInstructionList": [{"receiptIdentifier", "dateToUse": "YYYY-MM-DDThh:mm:ss",
//      "usedSignatureDevice": index, "signatureDeviceDamaged": bool,
//      "typeOfReceipt": START_BELEG|STANDARD_BELEG|STORNO_BELEG|TRAINING_BELEG|NULL_BELEG,
//      "simplifiedReceipt": {"taxSetNormal", "taxSetErmaessigt1", "taxSetErmaessigt2",
//                            "taxSetNull", "taxSetBesonders"} (euro, two decimals)}]}
#pragma once

#include <functional>
#include <string>

#include "engine/status.h"

namespace pos::fiscal::at {

struct ScenarioOptions {
  std::string scenario_file;
  std::string out_dir;  // absent or empty
  bool open_system = false;
  int counter_bytes = 8;
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct ScenarioSummary {
  std::string label;
  std::string dep_file, keys_file, store_dir;
  size_t instructions = 0;
  size_t sales = 0;          // standard, storno and training receipts sold through the register
  size_t chain_receipts = 0; // links in the DEP (sales + start/null receipts)
};

Result<ScenarioSummary> RunRksvScenario(const ScenarioOptions& options);

}  // namespace pos::fiscal::at
