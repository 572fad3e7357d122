// RksvChain: the decision of the next link of a register's receipt chain
// (Detailspezifikation RKSV Abs. 4-9), as plain C++ over the register's keys.
//
// Invariants of the chain it builds:
// - the first receipt is the Startbeleg: chained over the register id, counter 0,
//   signed by a working device; no receipt before it, none after a Schlussbeleg;
// - every other receipt chains over the previous receipt's compact JWS;
// - standard and storno receipts add their five amounts to the turnover counter,
//   training and null receipts do not; storno and training receipts carry
//   "STO" / "TRA" instead of the encrypted counter;
// - a failed device yields the signature "Sicherheitseinrichtung ausgefallen";
//   Start- and Sammelbelege are never issued with a failed device.
#pragma once

#include <cstdint>
#include <string>

#include "domain/fiscal/at/rksv_receipt.h"
#include "domain/fiscal/at/rksv_register.h"

namespace pos::fiscal::at {

struct ChainState {
  bool started = false;      // the Startbeleg is in the chain
  bool closed = false;       // the Schlussbeleg is in the chain
  bool last_failed = false;  // the last receipt was signed while its device failed
  std::string last_jws;
  int64_t turnover = 0;      // euro cents
  uint64_t receipts = 0;
};

struct SignRequest {
  ReceiptKind kind = ReceiptKind::kStandard;
  std::string belegnummer;
  int64_t now_us = 0;
  TaxSetAmounts amounts{};
  size_t device = 0;
};

struct SignedReceipt {
  ReceiptKind kind = ReceiptKind::kStandard;
  std::string belegnummer;
  size_t device = 0;
  std::string key_id;
  bool device_failed = false;
  int64_t turnover = 0;  // the counter after this receipt
  std::string compact_jws;
  std::string qr_code;
};

// Builds and signs the next receipt. Refuses (kFailedPrecondition) what the
// invariants forbid; a failing device is not an error but a failed receipt,
// except for kinds that must be signed (then kUnavailable).
Result<SignedReceipt> SignNext(const ChainState& state, RksvRegister& reg, const SignRequest& request);

// The state after `receipt` joined the chain.
void Advance(ChainState& state, ReceiptKind kind, bool device_failed, int64_t turnover, const std::string& jws);

}  // namespace pos::fiscal::at
