// The TSE export (a tar file, conceptually TR-03151's export): every signed log
// message with its signature, the public key and an info file. Layout in
// docs/fiscal-de.md:
//   info.json
//   public_key.pem
//   log/Unixt_<seconds>_Sig-<counter>_Log-Tra_No-<tx>_<Start|Finish>_Client-<client id>.log  the signed bytes
//   log/<same name>.sig                                                                     r||s, 64 bytes
// VerifyTseExport checks an export on its own (no store, no TSE): every
// signature against the exported public key, the serial, and that signature
// counters are dense from 1 and transaction numbers start densely and finish once.
#pragma once

#include <cstdint>
#include <string>

#include "domain/fiscal/software_tse.h"
#include "engine/status.h"

namespace pos::fiscal {

struct TseExportSummary {
  size_t messages = 0;
  uint64_t signature_counter = 0;        // the highest
  uint64_t last_transaction_number = 0;  // the highest
  size_t finished_transactions = 0;
  size_t updates = 0;                    // UpdateTransaction messages
  std::string serial;
};

// Writes the export to `out_path` (via a temporary file and a rename).
Result<TseExportSummary> WriteTseExport(const SoftwareTse& tse, const std::string& out_path, int64_t now_us);
// kCorruption naming the first bad entry (by signature counter or file name).
Result<TseExportSummary> VerifyTseExport(const std::string& path);

}  // namespace pos::fiscal
