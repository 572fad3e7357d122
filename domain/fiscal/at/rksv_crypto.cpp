#include "domain/fiscal/at/rksv_crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <memory>

#include "engine/sha256.h"

namespace pos::fiscal::at {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  ERR_clear_error();
  return buffer;
}

std::string Encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  size_t i = 0;
  while (i + 3 <= bytes.size()) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
    i += 3;
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += "=";
  }
  return out;
}

Result<std::string> Decode(std::string_view text, std::string_view alphabet, bool padded, std::string_view what) {
  if (padded) {
    if (text.size() % 4 != 0) {
      return Status::InvalidArgument(std::string(what) + " is not base64: its length " + std::to_string(text.size()) +
                                     " is not a multiple of 4");
    }
    size_t pads = 0;
    while (pads < 2 && pads < text.size() && text[text.size() - 1 - pads] == '=') ++pads;
    text.remove_suffix(pads);
  } else if (text.size() % 4 == 1) {
    return Status::InvalidArgument(std::string(what) + " is not base64url: impossible length " +
                                   std::to_string(text.size()));
  }
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t v = alphabet.find(text[i]);
    if (v == std::string_view::npos) {
      return Status::InvalidArgument(std::string(what) + " is not " + (padded ? "base64" : "base64url") +
                                     ": character " + std::to_string(i + 1) + " is '" + std::string(1, text[i]) + "'");
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// out = the first key stream block of AES-256-CTR(key, iv) XOR `block` (16 bytes).
Status CtrBlock(std::string_view aes_key, std::string_view iv, std::string_view block, std::array<uint8_t, 16>& out) {
  if (aes_key.size() != 32) {
    return Status::InvalidArgument("the AES key has " + std::to_string(aes_key.size()) + " bytes; AES-256 needs 32");
  }
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(EVP_CIPHER_CTX_new());
  out.fill(0);
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ctr(), nullptr, reinterpret_cast<const unsigned char*>(aes_key.data()),
                         reinterpret_cast<const unsigned char*>(iv.data())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, reinterpret_cast<const unsigned char*>(block.data()),
                        static_cast<int>(out.size())) != 1) {
    return Status::Internal("AES-256-CTR failed: " + OpenSslError());
  }
  return Status::Ok();
}

X509Ptr ParseCertificate(std::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

std::string Base64Encode(std::string_view bytes) { return Encode(bytes, kAlphabet, true); }
std::string Base64UrlEncode(std::string_view bytes) { return Encode(bytes, kUrlAlphabet, false); }
Result<std::string> Base64Decode(std::string_view text, std::string_view what) {
  return Decode(text, kAlphabet, true, what);
}
Result<std::string> Base64UrlDecode(std::string_view text, std::string_view what) {
  return Decode(text, kUrlAlphabet, false, what);
}

std::string ChainValue(std::string_view input) {
  const Sha256Digest digest = Sha256(input);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(digest.data()), 8));
}

std::string TurnoverIv(std::string_view register_id, std::string_view receipt_id) {
  const Sha256Digest digest = Sha256(std::string(register_id) + std::string(receipt_id));
  return std::string(reinterpret_cast<const char*>(digest.data()), 16);
}

Result<std::string> EncryptTurnover(std::string_view aes_key, std::string_view iv, int64_t counter_cents, int bytes) {
  if (bytes < 5 || bytes > 8) {
    return Status::InvalidArgument("the turnover counter takes 5 to 8 bytes, not " + std::to_string(bytes));
  }
  // Two's complement, big-endian, `bytes` long: the low `bytes` bytes of the 64-bit value.
  std::string block(16, '\0');
  const auto value = static_cast<uint64_t>(counter_cents);
  for (int i = 0; i < bytes; ++i) {
    block[static_cast<size_t>(i)] = static_cast<char>((value >> (8 * (bytes - 1 - i))) & 0xFF);
  }
  std::array<uint8_t, 16> cipher{};
  POS_RETURN_IF_ERROR(CtrBlock(aes_key, iv, block, cipher));
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(cipher.data()), static_cast<size_t>(bytes)));
}

Result<int64_t> DecryptTurnover(std::string_view aes_key, std::string_view iv, std::string_view base64_ciphertext) {
  POS_ASSIGN_OR_RETURN(std::string cipher, Base64Decode(base64_ciphertext, "the encrypted turnover counter"));
  if (cipher.size() < 5 || cipher.size() > 16) {
    return Status::InvalidArgument("the encrypted turnover counter has " + std::to_string(cipher.size()) +
                                   " bytes; it must have 5 to 16");
  }
  std::string block(16, '\0');
  block.replace(0, cipher.size(), cipher);
  std::array<uint8_t, 16> plain{};
  POS_RETURN_IF_ERROR(CtrBlock(aes_key, iv, block, plain));
  // Sign-extend the two's complement value of the first cipher.size() bytes.
  const bool negative = (plain[0] & 0x80) != 0;
  uint64_t value = negative ? ~uint64_t{0} : 0;
  for (size_t i = 0; i < cipher.size(); ++i) value = (value << 8) | plain[i];
  return static_cast<int64_t>(value);
}

Result<std::string> PrivateKeyPem(const Pkey& key) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::Internal("writing the private key as PEM failed: " + OpenSslError());
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<Pkey> PrivateKeyFromPem(std::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Status::Corruption("the signature device's key file holds no PEM private key: " + OpenSslError());
  return key;
}

Result<std::string> MakeCertificate(const Pkey& subject_key, const Pkey& issuer_key, std::string_view subject_cn,
                                    std::string_view issuer_cn, uint64_t serial, int days) {
  X509Ptr cert(X509_new());
  if (!cert) return Status::Internal("X509_new failed");
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_new(), &BN_free);
  std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)> asn_serial(nullptr, &ASN1_INTEGER_free);
  bool ok = bn != nullptr && BN_set_word(bn.get(), serial) == 1;
  if (ok) {
    asn_serial.reset(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    ok = asn_serial != nullptr;
  }
  auto name = [](std::string_view cn) {
    X509_NAME* n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.data()),
                               static_cast<int>(cn.size()), -1, 0);
    return n;
  };
  X509_NAME* subject = name(subject_cn);
  X509_NAME* issuer = name(issuer_cn);
  ok = ok && X509_set_version(cert.get(), 2) == 1 && X509_set_serialNumber(cert.get(), asn_serial.get()) == 1 &&
       X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
       X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400) != nullptr &&
       X509_set_subject_name(cert.get(), subject) == 1 && X509_set_issuer_name(cert.get(), issuer) == 1 &&
       X509_set_pubkey(cert.get(), subject_key.get()) == 1 &&
       X509_sign(cert.get(), issuer_key.get(), EVP_sha256()) > 0;
  X509_NAME_free(subject);
  X509_NAME_free(issuer);
  if (!ok) return Status::Internal("making the X.509 certificate failed: " + OpenSslError());
  unsigned char* der = nullptr;
  const int size = i2d_X509(cert.get(), &der);
  if (size <= 0) return Status::Internal("encoding the X.509 certificate failed: " + OpenSslError());
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return out;
}

Result<std::string> CertificatePublicKeyDer(std::string_view certificate_der) {
  X509Ptr cert = ParseCertificate(certificate_der);
  if (!cert) return Status::InvalidArgument("the certificate is not DER X.509: " + OpenSslError());
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr) return Status::InvalidArgument("the certificate has no readable public key");
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(key, &der);
  if (size <= 0) return Status::Internal("encoding the certificate's public key failed: " + OpenSslError());
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return out;
}

Result<std::string> CertificateSerialHex(std::string_view certificate_der) {
  X509Ptr cert = ParseCertificate(certificate_der);
  if (!cert) return Status::InvalidArgument("the certificate is not DER X.509: " + OpenSslError());
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr),
                                                 &BN_free);
  if (!bn) return Status::InvalidArgument("the certificate's serial number is unreadable");
  char* hex = BN_bn2hex(bn.get());
  std::string out(hex);
  OPENSSL_free(hex);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t first = out.find_first_not_of('0');
  return first == std::string::npos ? std::string("0") : out.substr(first);
}

Result<std::string> SignEs256(const Pkey& key, std::string_view signing_input) { return SignPlain(key, signing_input); }

bool VerifyEs256(const Pkey& public_key, std::string_view signing_input, std::string_view raw_signature) {
  return raw_signature.size() == 64 && VerifyPlain(public_key, signing_input, raw_signature);
}

}  // namespace pos::fiscal::at
