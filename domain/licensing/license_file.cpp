#include "domain/licensing/license_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "engine/bytes.h"

namespace pos::licensing {
namespace {

using json = nlohmann::json;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string DrainBio(BIO* bio) {
  std::string out;
  char buffer[1024];
  int n = 0;
  while ((n = BIO_read(bio, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  return out;
}

Bio MemoryBio(std::string_view text) { return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

Result<Pkey> LoadPrivateKey(std::string_view pem) {
  Bio bio = MemoryBio(pem);
  Pkey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return Status::InvalidArgument("the vendor private key is not an Ed25519 PEM private key");
  }
  return key;
}

Result<Pkey> LoadPublicKey(std::string_view pem) {
  Bio bio = MemoryBio(pem);
  Pkey key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return Status::InvalidArgument("the vendor public key is not an Ed25519 PEM public key");
  }
  return key;
}

Result<std::string> Sign(std::string_view private_key_pem, std::string_view message) {
  POS_ASSIGN_OR_RETURN(Pkey key, LoadPrivateKey(private_key_pem));
  MdCtx ctx(EVP_MD_CTX_new());
  unsigned char sig[64];
  size_t sig_len = sizeof sig;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &sig_len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return Status::Internal("Ed25519 signing failed");
  }
  return ToHex(std::span<const uint8_t>(sig, sig_len));
}

Status Verify(std::string_view public_key_pem, std::string_view message, std::string_view signature_hex) {
  POS_ASSIGN_OR_RETURN(Pkey key, LoadPublicKey(public_key_pem));
  auto sig = FromHex(signature_hex);
  if (!sig.has_value() || sig->size() != 64) {
    return Status::PermissionDenied("the signature is malformed (expected 128 hex digits)");
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return Status::Internal("Ed25519 verification could not start");
  }
  if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Status::PermissionDenied(
        "the vendor signature does not verify: the file was changed or is signed by another vendor key");
  }
  return Status::Ok();
}

std::string RandomId() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  return ToHex(std::span<const uint8_t>(bytes, sizeof bytes));
}

std::string NowUtc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

Result<std::string> SignDocument(std::string_view private_key_pem, std::string_view format, const json& payload) {
  const std::string canonical = payload.dump();
  POS_ASSIGN_OR_RETURN(std::string signature, Sign(private_key_pem, canonical));
  json doc = {{"format", std::string(format)}, {"payload", payload}, {"signature", signature}};
  return doc.dump(2) + "\n";
}

// Parses {"format","payload","signature"} and verifies; returns the payload.
Result<json> OpenDocument(std::string_view text, std::string_view format, std::string_view what,
                          std::string_view public_key_pem, std::string* canonical, std::string* signature) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::InvalidArgument(std::string(what) + " is not JSON");
  if (!doc.contains("format") || !doc["format"].is_string() || doc["format"].get<std::string>() != format) {
    return Status::InvalidArgument(std::string(what) + " is not a " + std::string(format) + " document");
  }
  if (!doc.contains("payload") || !doc["payload"].is_object() || !doc.contains("signature") ||
      !doc["signature"].is_string()) {
    return Status::InvalidArgument(std::string(what) + " lacks its payload or signature");
  }
  *canonical = doc["payload"].dump();
  *signature = doc["signature"].get<std::string>();
  POS_RETURN_IF_ERROR(Verify(public_key_pem, *canonical, *signature).WithContext(what));
  return doc["payload"];
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

Result<License> LicenseFromPayload(const json& p, std::string canonical, std::string signature) {
  License license;
  if (Str(p, "kind") != "license") return Status::InvalidArgument("the document is not a license");
  license.license_id = Str(p, "license_id");
  license.terms.customer = Str(p, "customer");
  license.terms.expires = Str(p, "expires");
  license.issued_at = Str(p, "issued_at");
  auto seats = p.find("seats");
  if (seats == p.end() || !seats->is_number_unsigned() || seats->get<uint64_t>() == 0 ||
      seats->get<uint64_t>() > 100000) {
    return Status::InvalidArgument("the license names no valid seat count");
  }
  license.terms.seats = static_cast<uint32_t>(seats->get<uint64_t>());
  auto modules = p.find("modules");
  if (modules != p.end() && modules->is_array()) {
    for (const auto& m : *modules) {
      if (m.is_string()) license.terms.modules.push_back(m.get<std::string>());
    }
  }
  if (license.license_id.empty() || license.terms.customer.empty()) {
    return Status::InvalidArgument("the license lacks its id or customer number");
  }
  if (!license.terms.expires.empty() && !ValidDate(license.terms.expires)) {
    return Status::InvalidArgument("the license's expiry date is malformed");
  }
  license.payload = std::move(canonical);
  license.signature = std::move(signature);
  return license;
}

}  // namespace

bool ValidDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  const int month = (d[5] - '0') * 10 + (d[6] - '0');
  const int day = (d[8] - '0') * 10 + (d[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::string TodayUtc() { return NowUtc().substr(0, 10); }

bool Expired(const LicenseTerms& terms, std::string_view today) {
  return !terms.expires.empty() && today > std::string_view(terms.expires);
}

Result<std::string> ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteFileText(const std::string& path, std::string_view text, unsigned mode) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, static_cast<mode_t>(mode));
  if (fd < 0) return Status::IoError("cannot write " + tmp);
  ::fchmod(fd, static_cast<mode_t>(mode));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      return Status::IoError("writing " + tmp + " failed");
    }
    done += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoError("cannot rename " + tmp + " to " + path);
  return Status::Ok();
}

Status GenerateVendorKeys(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  const std::string priv_path = dir + "/" + std::string(kPrivateKeyFile);
  const std::string pub_path = dir + "/" + std::string(kPublicKeyFile);
  if (std::filesystem::exists(priv_path)) {
    return Status::AlreadyExists(priv_path + " exists already; keep it, or move it away to make a new key");
  }
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return Status::Internal("Ed25519 key generation failed");
  Bio priv(BIO_new(BIO_s_mem()));
  Bio pub(BIO_new(BIO_s_mem()));
  if (!priv || !pub || PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    return Status::Internal("writing the Ed25519 key as PEM failed");
  }
  POS_RETURN_IF_ERROR(WriteFileText(priv_path, DrainBio(priv.get()), 0600));
  return WriteFileText(pub_path, DrainBio(pub.get()), 0644);
}

Status CheckPublicKey(std::string_view public_key_pem) { return LoadPublicKey(public_key_pem).status(); }

Result<std::string> IssueLicense(std::string_view private_key_pem, const LicenseTerms& terms) {
  if (terms.customer.empty()) return Status::InvalidArgument("a license needs a customer number");
  if (terms.seats == 0) return Status::InvalidArgument("a license needs at least one seat");
  if (!terms.expires.empty() && !ValidDate(terms.expires)) {
    return Status::InvalidArgument("--expires must be YYYY-MM-DD, got '" + terms.expires + "'");
  }
  std::vector<std::string> modules = terms.modules;
  std::sort(modules.begin(), modules.end());
  modules.erase(std::unique(modules.begin(), modules.end()), modules.end());
  json payload = {{"kind", "license"},          {"license_id", RandomId()}, {"customer", terms.customer},
                  {"seats", terms.seats},       {"modules", modules},       {"expires", terms.expires},
                  {"issued_at", NowUtc()}};
  return SignDocument(private_key_pem, kLicenseFormat, payload);
}

Result<std::string> IssueReleaseToken(std::string_view private_key_pem, const std::string& customer,
                                      const std::string& seat_id) {
  if (customer.empty() || seat_id.empty()) return Status::InvalidArgument("a release needs a customer and a seat");
  json payload = {{"kind", "release"},
                  {"token_id", RandomId()},
                  {"customer", customer},
                  {"seat_id", seat_id},
                  {"issued_at", NowUtc()}};
  return SignDocument(private_key_pem, kReleaseFormat, payload);
}

Result<License> ParseLicense(std::string_view text, std::string_view public_key_pem) {
  std::string canonical, signature;
  POS_ASSIGN_OR_RETURN(json payload,
                       OpenDocument(text, kLicenseFormat, "the license file", public_key_pem, &canonical, &signature));
  return LicenseFromPayload(payload, std::move(canonical), std::move(signature));
}

Result<License> VerifyLicensePayload(std::string_view payload, std::string_view signature_hex,
                                     std::string_view public_key_pem) {
  POS_RETURN_IF_ERROR(Verify(public_key_pem, payload, signature_hex).WithContext("the stored license"));
  json p = json::parse(payload, nullptr, false);
  if (p.is_discarded() || !p.is_object()) return Status::Corruption("the stored license payload is not JSON");
  return LicenseFromPayload(p, std::string(payload), std::string(signature_hex));
}

Result<ReleaseToken> ParseReleaseToken(std::string_view text, std::string_view public_key_pem) {
  std::string canonical, signature;
  POS_ASSIGN_OR_RETURN(json p,
                       OpenDocument(text, kReleaseFormat, "the release token", public_key_pem, &canonical, &signature));
  if (Str(p, "kind") != "release") return Status::InvalidArgument("the document is not a release token");
  ReleaseToken token{Str(p, "token_id"), Str(p, "customer"), Str(p, "seat_id"), Str(p, "issued_at"),
                     std::move(canonical), std::move(signature)};
  if (token.token_id.empty() || token.customer.empty() || token.seat_id.empty()) {
    return Status::InvalidArgument("the release token lacks its id, customer or seat");
  }
  return token;
}

}  // namespace pos::licensing
