#include "domain/fiscal/at/dep7_verifier.h"

#include <map>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/fiscal/at/rksv_crypto.h"
#include "domain/fiscal/at/rksv_receipt.h"

namespace pos::fiscal::at {
namespace {

struct Key {
  Pkey public_key;
  std::string certificate_serial;  // "" for a bare public key
};

Result<std::map<std::string, Key>> ParseKeys(const nlohmann::json& keys, std::string* aes_key) {
  if (!keys.is_object() || !keys.contains("base64AESKey") || !keys["base64AESKey"].is_string()) {
    return Status::InvalidArgument("the key container has no \"base64AESKey\" string");
  }
  POS_ASSIGN_OR_RETURN(*aes_key, Base64Decode(keys["base64AESKey"].get<std::string>(), "base64AESKey"));
  if (aes_key->size() != 32) {
    return Status::InvalidArgument("base64AESKey has " + std::to_string(aes_key->size()) + " bytes; AES-256 needs 32");
  }
  if (!keys.contains("certificateOrPublicKeyMap") || !keys["certificateOrPublicKeyMap"].is_object()) {
    return Status::InvalidArgument("the key container has no \"certificateOrPublicKeyMap\" object");
  }
  std::map<std::string, Key> out;
  for (const auto& [id, entry] : keys["certificateOrPublicKeyMap"].items()) {
    const std::string where = "certificateOrPublicKeyMap[\"" + id + "\"]";
    if (!entry.is_object() || !entry.contains("signatureDeviceType") || !entry["signatureDeviceType"].is_string() ||
        !entry.contains("signatureCertificateOrPublicKey") || !entry["signatureCertificateOrPublicKey"].is_string()) {
      return Status::InvalidArgument(where + " needs \"signatureDeviceType\" and \"signatureCertificateOrPublicKey\"");
    }
    const std::string type = entry["signatureDeviceType"].get<std::string>();
    POS_ASSIGN_OR_RETURN(std::string der, Base64Decode(entry["signatureCertificateOrPublicKey"].get<std::string>(),
                                                       where + ".signatureCertificateOrPublicKey"));
    Key key;
    std::string spki = der;
    if (type == "CERTIFICATE") {
      auto public_der = CertificatePublicKeyDer(der);
      if (!public_der.ok()) return Status::InvalidArgument(where + ": " + public_der.status().message());
      spki = *public_der;
      POS_ASSIGN_OR_RETURN(key.certificate_serial, CertificateSerialHex(der));
    } else if (type != "PUBLIC_KEY") {
      return Status::InvalidArgument(where + ".signatureDeviceType is '" + type +
                                     "'; expected CERTIFICATE or PUBLIC_KEY");
    }
    auto public_key = PublicKeyFromDer(spki);
    if (!public_key.ok()) return Status::InvalidArgument(where + ": " + public_key.status().message());
    key.public_key = std::move(public_key).value();
    out.emplace(id, std::move(key));
  }
  return out;
}

struct Receipt {
  std::string jws;
  std::string group_serial;  // serial of the group's Signaturzertifikat, "" when none
  size_t group = 0;
};

Result<std::vector<Receipt>> ParseDep(const nlohmann::json& dep) {
  if (!dep.is_object() || !dep.contains("Belege-Gruppe") || !dep["Belege-Gruppe"].is_array()) {
    return Status::InvalidArgument("the DEP export has no \"Belege-Gruppe\" array");
  }
  std::vector<Receipt> out;
  size_t index = 0;
  for (const auto& group : dep["Belege-Gruppe"]) {
    ++index;
    const std::string where = "Belege-Gruppe[" + std::to_string(index) + "]";
    if (!group.is_object() || !group.contains("Belege-kompakt") || !group["Belege-kompakt"].is_array()) {
      return Status::InvalidArgument(where + " has no \"Belege-kompakt\" array");
    }
    if (!group.contains("Signaturzertifikat") || !group["Signaturzertifikat"].is_string() ||
        !group.contains("Zertifizierungsstellen") || !group["Zertifizierungsstellen"].is_array()) {
      return Status::InvalidArgument(where + " needs \"Signaturzertifikat\" (string) and \"Zertifizierungsstellen\" (array)");
    }
    std::string serial;
    const std::string certificate = group["Signaturzertifikat"].get<std::string>();
    if (!certificate.empty()) {
      POS_ASSIGN_OR_RETURN(std::string der, Base64Decode(certificate, where + ".Signaturzertifikat"));
      auto hex = CertificateSerialHex(der);
      if (!hex.ok()) return Status::InvalidArgument(where + ".Signaturzertifikat: " + hex.status().message());
      serial = *hex;
    }
    for (const auto& jws : group["Belege-kompakt"]) {
      if (!jws.is_string()) return Status::InvalidArgument(where + ".Belege-kompakt holds a non-string");
      out.push_back({jws.get<std::string>(), serial, index});
    }
  }
  if (out.empty()) return Status::InvalidArgument("the DEP export holds no receipts");
  return out;
}

Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument(std::string(what) + " is not valid JSON");
  return j;
}

}  // namespace

Result<Dep7Report> VerifyDep7(std::string_view dep_json, std::string_view keys_json) {
  POS_ASSIGN_OR_RETURN(nlohmann::json dep, ParseJson(dep_json, "the DEP export"));
  POS_ASSIGN_OR_RETURN(nlohmann::json keys_doc, ParseJson(keys_json, "the key container"));
  std::string aes_key;
  POS_ASSIGN_OR_RETURN(auto keys, ParseKeys(keys_doc, &aes_key));
  POS_ASSIGN_OR_RETURN(std::vector<Receipt> receipts, ParseDep(dep));

  Dep7Report report;
  report.groups = receipts.back().group;
  std::set<std::string> seen_ids;
  std::string previous_jws;
  bool failure_pending = false;  // a failed receipt awaits its Sammelbeleg
  for (size_t i = 0; i < receipts.size(); ++i) {
    const Receipt& receipt = receipts[i];
    std::string name = "receipt " + std::to_string(i + 1);
    auto fail = [&](const std::string& why) { return Status::Corruption(name + ": " + why); };

    auto jws = ParseCompactJws(receipt.jws);
    if (!jws.ok()) return fail(jws.status().message());
    auto code = ParsePayload(jws->payload);
    if (!code.ok()) return fail(code.status().message());
    name += " (" + code->receipt_id + ", group " + std::to_string(receipt.group) + ")";

    if (i == 0) report.register_id = code->register_id;
    if (code->register_id != report.register_id) {
      return fail("register id " + code->register_id + " differs from the first receipt's " + report.register_id);
    }
    if (!seen_ids.insert(code->receipt_id).second) return fail("receipt id " + code->receipt_id + " occurs twice");

    const std::string expected_chain = ChainValue(i == 0 ? std::string_view(report.register_id) : previous_jws);
    if (code->chain != expected_chain) {
      return fail("chaining value " + code->chain + " does not match the previous receipt (expected " +
                  expected_chain + ")" + (i == 0 ? " - the first receipt chains over the register id" : ""));
    }

    // Signature.
    const bool failed = jws->signature == kDeviceFailedText;
    auto key = keys.find(code->key_id);
    if (key == keys.end()) return fail("key id " + code->key_id + " is not in the key container");
    if (code->zda_id != "AT0") {
      if (receipt.group_serial.empty()) {
        return fail("an open-system receipt (ZDA " + code->zda_id + ") in a group without Signaturzertifikat");
      }
      if (receipt.group_serial != code->key_id) {
        return fail("key id " + code->key_id + " is not the serial " + receipt.group_serial +
                    " of its group's Signaturzertifikat");
      }
    }
    if (failed) {
      if (i == 0) return fail("the Startbeleg must be signed, but its device had failed");
      ++report.failed_signatures;
      failure_pending = true;
    } else if (!VerifyEs256(key->second.public_key, jws->SigningInput(), jws->signature)) {
      return fail("the ES256 signature does not verify with key " + code->key_id);
    }

    // Turnover counter.
    int64_t sum = 0;
    bool all_zero = true;
    for (int64_t amount : code->amounts) {
      sum += amount;
      all_zero = all_zero && amount == 0;
    }
    if (code->turnover == kStornoMarker) {
      if (i == 0) return fail("the Startbeleg carries STO instead of the turnover counter");
      ++report.storno;
      report.turnover += sum;
    } else if (code->turnover == kTrainingMarker) {
      if (i == 0) return fail("the Startbeleg carries TRA instead of the turnover counter");
      ++report.training;
    } else {
      auto counter = DecryptTurnover(aes_key, TurnoverIv(code->register_id, code->receipt_id), code->turnover);
      if (!counter.ok()) return fail(counter.status().message());
      const int64_t expected = report.turnover + sum;
      if (*counter != expected) {
        return fail("the turnover counter decrypts to " + FormatAmount(*counter) + ", expected " +
                    FormatAmount(expected) + " (previous counter plus this receipt's amounts)");
      }
      report.turnover = expected;
      if (all_zero) ++report.null_receipts;
    }
    if (i == 0 && (!all_zero || report.turnover != 0)) {
      return fail("the first receipt is no Startbeleg (its amounts and counter must be 0)");
    }
    if (!failed && failure_pending) {
      const bool null_receipt = all_zero && code->turnover != kStornoMarker && code->turnover != kTrainingMarker;
      if (!null_receipt) {
        return fail("the first signed receipt after a signature device failure must be a Sammelbeleg "
                    "(a null receipt)");
      }
      failure_pending = false;
    }
    previous_jws = receipt.jws;
    ++report.receipts;
  }
  return report;
}

}  // namespace pos::fiscal::at
