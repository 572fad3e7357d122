#include "domain/fiscal/at/rksv_chain.h"

#include "domain/fiscal/at/rksv_crypto.h"

namespace pos::fiscal::at {

Result<SignedReceipt> SignNext(const ChainState& state, RksvRegister& reg, const SignRequest& request) {
  const ReceiptKind kind = request.kind;
  if (state.closed) {
    return Status::FailedPrecondition("the RKSV register " + reg.register_id() +
                                      " is closed (Schlussbeleg issued); it signs no more receipts");
  }
  if (kind == ReceiptKind::kStart && state.started) {
    return Status::FailedPrecondition("the RKSV register " + reg.register_id() + " already has its Startbeleg");
  }
  if (kind != ReceiptKind::kStart && !state.started) {
    return Status::FailedPrecondition("the RKSV register " + reg.register_id() +
                                      " has no Startbeleg yet; run `pos rksv init` (it issues one)");
  }
  if (request.belegnummer.empty() || request.belegnummer.find('_') != std::string::npos) {
    return Status::InvalidArgument("receipt id '" + request.belegnummer + "' must be non-empty and without '_'");
  }
  if (request.device >= reg.devices().size()) {
    return Status::NotFound("the register has no signature device " + std::to_string(request.device));
  }
  if (IsNullReceipt(kind)) {
    for (int64_t amount : request.amounts) {
      if (amount != 0) {
        return Status::InvalidArgument("a " + std::string(ReceiptKindName(kind)) + " receipt has all amounts 0");
      }
    }
  }

  SignedReceipt out;
  out.kind = kind;
  out.belegnummer = request.belegnummer;
  out.device = request.device;
  out.key_id = reg.devices()[request.device].key_id;
  out.turnover = state.turnover;
  if (kind == ReceiptKind::kStandard || kind == ReceiptKind::kStorno) {
    for (int64_t amount : request.amounts) out.turnover += amount;
  }

  MachineCode code;
  code.zda_id = reg.zda_id();
  code.register_id = reg.register_id();
  code.receipt_id = request.belegnummer;
  code.date_time = FormatDateTime(request.now_us, reg.utc_clock());
  code.amounts = request.amounts;
  if (kind == ReceiptKind::kStorno) {
    code.turnover = std::string(kStornoMarker);
  } else if (kind == ReceiptKind::kTraining) {
    code.turnover = std::string(kTrainingMarker);
  } else {
    POS_ASSIGN_OR_RETURN(code.turnover,
                         EncryptTurnover(reg.aes_key(), TurnoverIv(reg.register_id(), request.belegnummer),
                                         out.turnover, reg.counter_bytes()));
  }
  code.key_id = out.key_id;
  code.chain = ChainValue(state.started ? std::string_view(state.last_jws) : std::string_view(reg.register_id()));

  const std::string payload = code.Payload();
  const std::string signing_input = std::string(kJwsHeader) + "." + Base64UrlEncode(payload);
  std::string signature;
  auto signed_bytes = reg.Sign(request.device, signing_input);
  if (signed_bytes.ok()) {
    signature = std::move(signed_bytes).value();
  } else if (signed_bytes.status().code() == StatusCode::kUnavailable) {
    if (kind == ReceiptKind::kStart || kind == ReceiptKind::kCollective || kind == ReceiptKind::kClosing) {
      return Status::Unavailable("a " + std::string(ReceiptKindName(kind)) +
                                 " receipt must be signed by a working device: " + signed_bytes.status().message());
    }
    out.device_failed = true;
    signature = std::string(kDeviceFailedText);
  } else {
    return signed_bytes.status();
  }
  out.compact_jws = signing_input + "." + Base64UrlEncode(signature);
  out.qr_code = payload + "_" + Base64Encode(signature);
  return out;
}

void Advance(ChainState& state, ReceiptKind kind, bool device_failed, int64_t turnover, const std::string& jws) {
  if (kind == ReceiptKind::kStart) state.started = true;
  if (kind == ReceiptKind::kClosing) state.closed = true;
  state.last_failed = device_failed;
  state.last_jws = jws;
  state.turnover = turnover;
  ++state.receipts;
}

}  // namespace pos::fiscal::at
