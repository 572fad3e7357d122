// The RKSV's cryptography on OpenSSL (Detailspezifikation RKSV, suite R1):
// base64 and base64url, the chaining value, the AES-256-ICM turnover counter,
// ES256 compact JWS, and the X.509 stand-in certificates of an open system.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/fiscal/tse_crypto.h"
#include "engine/status.h"

namespace pos::fiscal::at {

// The compact JWS header of every RKSV receipt: base64url of {"alg":"ES256"}.
inline constexpr std::string_view kJwsHeader = "eyJhbGciOiJFUzI1NiJ9";
// The signature part of a receipt signed while its signature device failed (UTF-8).
inline constexpr std::string_view kDeviceFailedText = "Sicherheitseinrichtung ausgefallen";

// RFC 4648 base64 with padding, and base64url without padding.
std::string Base64Encode(std::string_view bytes);
std::string Base64UrlEncode(std::string_view bytes);
// Strict: kInvalidArgument naming `what` on a character outside the alphabet or a bad length.
Result<std::string> Base64Decode(std::string_view text, std::string_view what);
Result<std::string> Base64UrlDecode(std::string_view text, std::string_view what);

// Sig-Voriger-Beleg: base64 of the first 8 bytes of SHA-256(input), where input is
// the previous receipt's compact JWS, or the register id for the Startbeleg.
std::string ChainValue(std::string_view input);

// IV of the turnover counter: the first 16 bytes of SHA-256(register id || receipt id).
std::string TurnoverIv(std::string_view register_id, std::string_view receipt_id);
// The counter (euro cents, two's complement, big-endian, `bytes` 5..8 long) XOR the
// first AES-256-CTR key stream block under `aes_key` (32 bytes) and `iv`; base64.
Result<std::string> EncryptTurnover(std::string_view aes_key, std::string_view iv, int64_t counter_cents, int bytes);
// The inverse: the sign-extended counter from its base64 ciphertext (5..16 bytes).
Result<int64_t> DecryptTurnover(std::string_view aes_key, std::string_view iv, std::string_view base64_ciphertext);

// Unencrypted PKCS#8 PEM of a private key (the software signature device's key file).
Result<std::string> PrivateKeyPem(const Pkey& key);
Result<Pkey> PrivateKeyFromPem(std::string_view pem);

// A DER X.509 certificate for `subject_key`, signed by `issuer_key` (self-signed when
// the same key), serial `serial` (> 0), valid for `days` from now. A stand-in for a
// ZDA's certificate: nobody trusts it but the key container that names it.
Result<std::string> MakeCertificate(const Pkey& subject_key, const Pkey& issuer_key, std::string_view subject_cn,
                                    std::string_view issuer_cn, uint64_t serial, int days);
// The certificate's public key (DER SubjectPublicKeyInfo) and serial (lower-case hex).
Result<std::string> CertificatePublicKeyDer(std::string_view certificate_der);
Result<std::string> CertificateSerialHex(std::string_view certificate_der);

// ES256 of JWS signing input `header.payload`: 64 bytes R||S.
Result<std::string> SignEs256(const Pkey& key, std::string_view signing_input);
bool VerifyEs256(const Pkey& public_key, std::string_view signing_input, std::string_view raw_signature);

}  // namespace pos::fiscal::at
