// The RKSV export formats (docs/fiscal-at.md):
//
// DEP7 (Datenerfassungsprotokoll, Detailspezifikation Abs. 3):
//   {"Belege-Gruppe": [{"Signaturzertifikat": base64 DER X.509 ("" closed system),
//                       "Zertifizierungsstellen": [base64 DER X.509, ...],
//                       "Belege-kompakt": [compact JWS, ...]}, ...]}
//   one group per run of consecutive receipts signed with the same key, in chain order.
//
// Verification key container (the reference implementation's cryptographic material):
//   {"base64AESKey": base64 (32 bytes),
//    "certificateOrPublicKeyMap": {"<key id>": {"id": "<key id>",
//        "signatureDeviceType": "CERTIFICATE" | "PUBLIC_KEY",
//        "signatureCertificateOrPublicKey": base64 DER (X.509 or SubjectPublicKeyInfo)}}}
#pragma once

#include <cstdint>
#include <string>

#include "domain/fiscal/at/rksv_register.h"
#include "engine/event_store.h"

namespace pos::fiscal::at {

struct Dep7Summary {
  size_t receipts = 0;
  size_t groups = 0;
  size_t devices = 0;
};

// Both read only this node's events (origin order): RksvSignatureDeviceAdded and
// RksvReceiptSigned. kFailedPrecondition when the log holds no RKSV receipts.
Result<std::string> BuildDep7(const EventStore& store, Dep7Summary* summary = nullptr);
// The AES key comes from the register (it is never in the log).
Result<std::string> BuildKeyContainer(const EventStore& store, const RksvRegister& reg,
                                      Dep7Summary* summary = nullptr);

}  // namespace pos::fiscal::at
