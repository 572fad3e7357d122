// The software TSE's cryptography on OpenSSL: ECDSA P-256 keys, the keystore
// (PKCS#8 encrypted PEM, AES-256-CBC under PBKDF2-HMAC-SHA256), plain (r||s)
// signatures over SHA-256, and base64.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/status.h"

using EVP_PKEY = struct evp_pkey_st;

namespace pos::fiscal {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Result<Pkey> GenerateP256Key();
// DER SubjectPublicKeyInfo of the key's public half.
Result<std::string> PublicKeyDer(const Pkey& key);
Result<std::string> PublicKeyPem(const Pkey& key);
Result<Pkey> PublicKeyFromDer(std::string_view der);
Result<Pkey> PublicKeyFromPem(std::string_view pem);

// The private key as PKCS#8 encrypted PEM (PBES2: AES-256-CBC, PBKDF2-HMAC-SHA256).
Result<std::string> EncryptPrivateKey(const Pkey& key, std::string_view passphrase);
// kPermissionDenied for a wrong passphrase, kCorruption for bytes that are no key.
Result<Pkey> DecryptPrivateKey(std::string_view pem, std::string_view passphrase);

// ECDSA over SHA-256(message), returned as 64 bytes r||s ("ecdsa-plain-SHA256").
Result<std::string> SignPlain(const Pkey& key, std::string_view message);
bool VerifyPlain(const Pkey& public_key, std::string_view message, std::string_view signature);

std::string Base64(std::string_view bytes);
std::string RandomBytes(size_t n);

}  // namespace pos::fiscal
