#include "domain/fiscal/tse_crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <vector>

namespace pos::fiscal {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  ERR_clear_error();
  return buffer;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

Bio ReadBio(std::string_view bytes) { return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()))); }

const unsigned char* Uchars(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

Result<Pkey> GenerateP256Key() {
  Pkey key(EVP_EC_gen("P-256"));
  if (!key) return Status::Internal("generating an ECDSA P-256 key failed: " + OpenSslError());
  return key;
}

Result<std::string> PublicKeyDer(const Pkey& key) {
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(key.get(), &der);
  if (size <= 0) return Status::Internal("encoding the public key failed: " + OpenSslError());
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return out;
}

Result<std::string> PublicKeyPem(const Pkey& key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return Status::Internal("writing the public key as PEM failed: " + OpenSslError());
  }
  return BioContents(bio.get());
}

Result<Pkey> PublicKeyFromDer(std::string_view der) {
  const unsigned char* p = Uchars(der);
  Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key) return Status::Corruption("the public key is not a DER SubjectPublicKeyInfo: " + OpenSslError());
  return key;
}

Result<Pkey> PublicKeyFromPem(std::string_view pem) {
  Bio bio = ReadBio(pem);
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Status::Corruption("the public key is not a PEM public key: " + OpenSslError());
  return key;
}

Result<std::string> EncryptPrivateKey(const Pkey& key, std::string_view passphrase) {
  Bio bio(BIO_new(BIO_s_mem()));
  std::string pass(passphrase);
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), pass.data(),
                                            static_cast<int>(pass.size()), nullptr, nullptr) != 1) {
    return Status::Internal("encrypting the private key failed: " + OpenSslError());
  }
  return BioContents(bio.get());
}

Result<Pkey> DecryptPrivateKey(std::string_view pem, std::string_view passphrase) {
  if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") == std::string_view::npos) {
    return Status::Corruption("the keystore holds no encrypted PKCS#8 private key");
  }
  Bio bio = ReadBio(pem);
  std::string pass(passphrase);
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, pass.data()));
  if (!key) {
    ERR_clear_error();
    return Status::PermissionDenied("the keystore does not open with this PIN");
  }
  return key;
}

Result<std::string> SignPlain(const Pkey& key, std::string_view message) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, Uchars(message), message.size()) != 1) {
    return Status::Internal("signing failed: " + OpenSslError());
  }
  std::vector<unsigned char> der(size);
  if (EVP_DigestSign(ctx.get(), der.data(), &size, Uchars(message), message.size()) != 1) {
    return Status::Internal("signing failed: " + OpenSslError());
  }
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(size)),
                                                          &ECDSA_SIG_free);
  if (!sig) return Status::Internal("decoding the signature failed: " + OpenSslError());
  std::string out(64, '\0');
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(out.data()), 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), reinterpret_cast<unsigned char*>(out.data()) + 32, 32) != 32) {
    return Status::Internal("encoding the plain signature failed");
  }
  return out;
}

bool VerifyPlain(const Pkey& public_key, std::string_view message, std::string_view signature) {
  if (signature.size() != 64) return false;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), &ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(Uchars(signature), 32, nullptr);
  BIGNUM* s = BN_bin2bn(Uchars(signature) + 32, 32, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_size <= 0) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, public_key.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), der, static_cast<size_t>(der_size), Uchars(message), message.size()) == 1;
  OPENSSL_free(der);
  ERR_clear_error();
  return ok;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), Uchars(bytes),
                                   static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(size));
  return out;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) out.clear();
  return out;
}

}  // namespace pos::fiscal
