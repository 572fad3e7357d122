// Vendor-signed documents of the licensing module (docs/licensing.md):
// Ed25519 keys on OpenSSL, license files and forced-release tokens.
//
// A document is a JSON object {"format": F, "payload": {...}, "signature": HEX}.
// The signature is Ed25519 over the canonical payload: the payload object
// serialised as compact JSON with its keys sorted (no spaces, UTF-8), i.e.
// exactly what nlohmann::json::dump() makes of it. Readers re-serialise the
// parsed payload the same way, so whitespace in the file does not matter but
// any changed value, added or removed key does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace pos::licensing {

inline constexpr std::string_view kLicenseFormat = "pos-license-v1";
inline constexpr std::string_view kReleaseFormat = "pos-release-v1";
inline constexpr std::string_view kPrivateKeyFile = "vendor.key";
inline constexpr std::string_view kPublicKeyFile = "vendor.pub";

struct LicenseTerms {
  std::string customer;              // the customer number
  uint32_t seats = 0;                // >= 1
  std::vector<std::string> modules;  // sorted, unique
  std::string expires;               // "" (never) or YYYY-MM-DD (valid through that day, UTC)
};

struct License {
  std::string license_id;  // 32 hex digits, random per issue
  LicenseTerms terms;
  std::string issued_at;   // YYYY-MM-DDTHH:MM:SSZ
  std::string payload;     // the canonical payload text that was signed
  std::string signature;   // 128 hex digits
};

struct ReleaseToken {
  std::string token_id;  // 32 hex digits
  std::string customer;
  std::string seat_id;
  std::string issued_at;
  std::string payload;
  std::string signature;
};

// Writes DIR/vendor.key (PKCS#8 PEM, mode 0600) and DIR/vendor.pub (PEM); DIR is
// created when absent. Refuses to overwrite an existing key.
Status GenerateVendorKeys(const std::string& dir);

Result<std::string> ReadFileText(const std::string& path);
// Writes atomically (temporary file renamed into place) with the given mode.
Status WriteFileText(const std::string& path, std::string_view text, unsigned mode = 0644);

// The text of a license file (or a release token) signed with the PEM private key.
Result<std::string> IssueLicense(std::string_view private_key_pem, const LicenseTerms& terms);
Result<std::string> IssueReleaseToken(std::string_view private_key_pem, const std::string& customer,
                                      const std::string& seat_id);

// Parse and verify against the vendor's PEM public key. A malformed document is
// kInvalidArgument; a signature that does not verify (tampered, or signed by
// another vendor key) is kPermissionDenied.
Result<License> ParseLicense(std::string_view text, std::string_view public_key_pem);
Result<ReleaseToken> ParseReleaseToken(std::string_view text, std::string_view public_key_pem);
// Re-verifies a license kept as (payload, signature), e.g. from a LicenseLoaded event.
Result<License> VerifyLicensePayload(std::string_view payload, std::string_view signature_hex,
                                     std::string_view public_key_pem);

// Ok when a public key PEM parses as an Ed25519 key.
Status CheckPublicKey(std::string_view public_key_pem);

// YYYY-MM-DD of today, UTC.
std::string TodayUtc();
// Whether `license` has expired on `today` (YYYY-MM-DD): true after its expiry day.
bool Expired(const LicenseTerms& terms, std::string_view today);
// Accepts YYYY-MM-DD with a plausible month and day.
bool ValidDate(std::string_view date);

}  // namespace pos::licensing
