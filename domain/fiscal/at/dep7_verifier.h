// Dep7Verifier: our own check of a DEP7 export against its key container
// (formats: dep7_export.h). It walks every receipt of every Belege-Gruppe in
// order and checks, naming the first receipt that fails:
// - the compact JWS (ES256 header) and its payload (suite R1, 12 fields);
// - one register id, unique receipt ids;
// - the chaining value: SHA-256 of the previous JWS (the register id for the
//   first), first 8 bytes, base64;
// - the first receipt is a Startbeleg (all amounts 0, counter 0, signed);
// - the signature: ES256 with the key the container maps the receipt's key id to
//   (and, in an open system, the group's certificate carries that serial), or the
//   failure marker "Sicherheitseinrichtung ausgefallen"; after a failed receipt the
//   next signed receipt must be a null receipt (Sammelbeleg);
// - the turnover counter: decrypted with the AES key it equals the running sum of
//   all standard and storno amounts; "STO" and "TRA" receipts carry markers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos::fiscal::at {

struct Dep7Report {
  size_t groups = 0;
  size_t receipts = 0;
  size_t failed_signatures = 0;  // receipts signed while their device failed
  size_t storno = 0, training = 0, null_receipts = 0;
  int64_t turnover = 0;          // the running counter after the last receipt, cents
  std::string register_id;
};

// kInvalidArgument: the files are not a DEP7 export / key container (names what is
// malformed). kCorruption: a receipt fails a check; the message starts with
// "receipt <n> (<receipt id>)", n counted from 1 over the whole export.
Result<Dep7Report> VerifyDep7(std::string_view dep_json, std::string_view keys_json);

}  // namespace pos::fiscal::at
