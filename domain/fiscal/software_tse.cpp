#include "domain/fiscal/software_tse.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "domain/fiscal/atomic_file.h"
#include "domain/fiscal/tse_crypto.h"
#include "engine/bytes.h"
#include "engine/pin_hash.h"
#include "engine/sha256.h"

namespace pos::fiscal {
namespace {

constexpr int kKekIterations = 100000;

std::string StatePath(const std::string& dir) { return dir + "/state.json"; }
std::string KeyPath(const std::string& dir) { return dir + "/key.pem"; }
std::string PassPath(const std::string& dir) { return dir + "/signing.pass"; }

std::optional<TseLifecycle> ParseLifecycle(std::string_view name) {
  for (auto l : {TseLifecycle::kUninitialised, TseLifecycle::kInitialised, TseLifecycle::kDeactivated,
                 TseLifecycle::kDecommissioned}) {
    if (TseLifecycleName(l) == name) return l;
  }
  return std::nullopt;
}

}  // namespace

std::string_view TseLifecycleName(TseLifecycle lifecycle) {
  switch (lifecycle) {
    case TseLifecycle::kUninitialised: return "uninitialised";
    case TseLifecycle::kInitialised: return "initialised";
    case TseLifecycle::kDeactivated: return "deactivated";
    case TseLifecycle::kDecommissioned: return "decommissioned";
  }
  return "unknown";
}

Result<std::unique_ptr<SoftwareTse>> SoftwareTse::Open(std::string dir) {
  std::unique_ptr<SoftwareTse> tse(new SoftwareTse(std::move(dir)));
  POS_RETURN_IF_ERROR(tse->Load());
  return tse;
}

Status SoftwareTse::Load() {
  auto text = ReadWholeFile(StatePath(dir_));
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return Status::Ok();  // uninitialised
    return text.status();
  }
  const auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return Status::Corruption("the TSE state " + StatePath(dir_) + " is not JSON");
  try {
    auto lifecycle = ParseLifecycle(json.at("lifecycle").get<std::string>());
    if (!lifecycle) return Status::Corruption("the TSE state names an unknown lifecycle");
    lifecycle_ = *lifecycle;
    serial_hex_ = json.at("serial").get<std::string>();
    auto der = FromHex(json.at("public_key_der_hex").get<std::string>());
    if (!der) return Status::Corruption("the TSE state's public key is not hex");
    public_key_der_ = *der;
    clients_ = json.at("clients").get<std::vector<std::string>>();
    signature_counter_ = json.at("signature_counter").get<uint64_t>();
    last_transaction_number_ = json.at("last_transaction_number").get<uint64_t>();
    pin_failures_ = json.at("pin_failures").get<int>();
    puk_hash_ = json.at("puk_hash").get<std::string>();
    kek_salt_hex_ = json.at("kek_salt").get<std::string>();
    kek_iterations_ = json.at("kek_iterations").get<int>();
    initialised_at_us_ = json.at("initialised_at_us").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption("the TSE state " + StatePath(dir_) + " is malformed: " + e.what());
  }
  if (serial_hex_ != ToHex(AsStringView(Sha256(public_key_der_)))) {
    return Status::Corruption("the TSE state's serial is not the SHA-256 of its public key");
  }
  if (lifecycle_ == TseLifecycle::kUninitialised) return Status::Ok();
  // The journal is the truth for counters and open transactions (see the header).
  return OpenJournal();
}

Status SoftwareTse::OpenJournal() {
  POS_RETURN_IF_ERROR(EnsureDirectory(LogDir()));
  POS_ASSIGN_OR_RETURN(journal_, TseJournal::Open(JournalPath(), [this](const TseJournalRecord& record) {
                         return ReplayRecord(record);
                       }));
  return Status::Ok();
}

Status SoftwareTse::ReplayRecord(const TseJournalRecord& record) {
  POS_ASSIGN_OR_RETURN(TseLogMessage message, TseLogMessage::Decode(record.log_message));
  signature_counter_ = std::max(signature_counter_, message.signature_counter);
  last_transaction_number_ = std::max(last_transaction_number_, message.transaction_number);
  if (message.operation == "StartTransaction") {
    open_[message.transaction_number] =
        TseOpenTransaction{message.transaction_number, message.client_id, message.log_time_us, record.reference};
  } else if (message.operation == "FinishTransaction") {
    open_.erase(message.transaction_number);
  }
  return Status::Ok();
}

Status SoftwareTse::Flush() {
  if (journal_ == nullptr) return Status::Ok();
  auto synced = journal_->Sync();
  if (!synced.ok()) return Status::Unavailable("the TSE could not store its log: " + synced.message());
  return Status::Ok();
}

Result<const Pkey*> SoftwareTse::SigningKey() {
  struct stat key_stat {};
  if (::stat(KeyPath(dir_).c_str(), &key_stat) != 0) {
    signing_key_.reset();
    return Status::Unavailable("the TSE key cannot be read: no file " + KeyPath(dir_));
  }
  auto passphrase = ReadWholeFile(PassPath(dir_));
  if (!passphrase.ok()) {
    signing_key_.reset();
    return Status::Unavailable("the TSE is locked: " + passphrase.status().message());
  }
  const std::string source = *passphrase + "|" + std::to_string(key_stat.st_ino) + ":" +
                             std::to_string(key_stat.st_size) + ":" + std::to_string(key_stat.st_mtim.tv_sec) + "." +
                             std::to_string(key_stat.st_mtim.tv_nsec);
  if (signing_key_ != nullptr && source == signing_key_source_) return &signing_key_;
  signing_key_.reset();
  auto pem = ReadWholeFile(KeyPath(dir_));
  if (!pem.ok()) return Status::Unavailable("the TSE key cannot be read: " + pem.status().message());
  auto key = DecryptPrivateKey(*pem, *passphrase);
  if (!key.ok()) return Status::Unavailable("the TSE key does not open: " + key.status().message());
  signing_key_ = std::move(key).value();
  signing_key_source_ = source;
  return &signing_key_;
}

Status SoftwareTse::Save() const {
  nlohmann::json json = {{"lifecycle", std::string(TseLifecycleName(lifecycle_))},
                         {"serial", serial_hex_},
                         {"public_key_der_hex", ToHex(public_key_der_)},
                         {"clients", clients_},
                         {"signature_counter", signature_counter_},
                         {"last_transaction_number", last_transaction_number_},
                         {"pin_failures", pin_failures_},
                         {"puk_hash", puk_hash_},
                         {"kek_salt", kek_salt_hex_},
                         {"kek_iterations", kek_iterations_},
                         {"initialised_at_us", initialised_at_us_}};
  return WriteFileAtomically(StatePath(dir_), json.dump(2) + "\n", 0600);
}

Result<std::string> SoftwareTse::DerivePassphrase(std::string_view admin_pin) const {
  auto salt = FromHex(kek_salt_hex_);
  if (!salt) return Status::Corruption("the TSE state's key salt is not hex");
  std::string key(32, '\0');
  if (PKCS5_PBKDF2_HMAC(admin_pin.data(), static_cast<int>(admin_pin.size()),
                        reinterpret_cast<const unsigned char*>(salt->data()), static_cast<int>(salt->size()),
                        kek_iterations_, EVP_sha256(), 32, reinterpret_cast<unsigned char*>(key.data())) != 1) {
    return Status::Internal("deriving the key passphrase failed");
  }
  return ToHex(key);
}

Status SoftwareTse::RequireState(TseLifecycle wanted, std::string_view operation) const {
  if (lifecycle_ == wanted) return Status::Ok();
  return Status::FailedPrecondition("the TSE is " + std::string(TseLifecycleName(lifecycle_)) + "; " +
                                    std::string(operation) + " needs it " + std::string(TseLifecycleName(wanted)));
}

Result<std::string> SoftwareTse::Initialise(std::string_view admin_pin, int64_t now_us) {
  POS_RETURN_IF_ERROR(RequireState(TseLifecycle::kUninitialised, "initialising"));
  if (admin_pin.size() < 4 || admin_pin.size() > 64) {
    return Status::InvalidArgument("the TSE admin PIN must have 4 to 64 characters");
  }
  POS_RETURN_IF_ERROR(EnsureDirectory(dir_));
  POS_RETURN_IF_ERROR(EnsureDirectory(LogDir()));
  POS_ASSIGN_OR_RETURN(Pkey key, GenerateP256Key());
  POS_ASSIGN_OR_RETURN(std::string der, PublicKeyDer(key));
  const std::string salt = RandomBytes(16);
  const std::string puk_random = RandomBytes(10);
  if (salt.size() != 16 || puk_random.size() != 10) return Status::Internal("the random generator failed");
  std::string puk;
  for (char c : puk_random) puk.push_back(static_cast<char>('0' + static_cast<uint8_t>(c) % 10));
  kek_salt_hex_ = ToHex(salt);
  kek_iterations_ = kKekIterations;
  POS_ASSIGN_OR_RETURN(std::string passphrase, DerivePassphrase(admin_pin));
  POS_ASSIGN_OR_RETURN(std::string pem, EncryptPrivateKey(key, passphrase));
  POS_ASSIGN_OR_RETURN(puk_hash_, HashSecret(puk));
  POS_RETURN_IF_ERROR(WriteFileAtomically(KeyPath(dir_), pem, 0600));
  POS_RETURN_IF_ERROR(WriteFileAtomically(PassPath(dir_), passphrase, 0600));
  public_key_der_ = der;
  serial_hex_ = ToHex(AsStringView(Sha256(der)));
  lifecycle_ = TseLifecycle::kInitialised;
  initialised_at_us_ = now_us;
  pin_failures_ = 0;
  POS_RETURN_IF_ERROR(Save());
  POS_RETURN_IF_ERROR(OpenJournal());
  return puk;
}

Status SoftwareTse::VerifyAdminPin(std::string_view admin_pin) {
  if (lifecycle_ == TseLifecycle::kUninitialised) {
    return Status::FailedPrecondition("the TSE is not initialised; run `pos tse init` first");
  }
  if (pin_failures_ >= kMaxPinFailures) {
    return Status::PermissionDenied("the TSE admin PIN is blocked after " + std::to_string(kMaxPinFailures) +
                                    " wrong tries; unblock it with the PUK (`pos tse unblock`)");
  }
  auto pem = ReadWholeFile(KeyPath(dir_));
  if (!pem.ok()) {
    return Status::Unavailable("the TSE keystore cannot be read (" + pem.status().message() + ")");
  }
  POS_ASSIGN_OR_RETURN(std::string passphrase, DerivePassphrase(admin_pin));
  auto key = DecryptPrivateKey(*pem, passphrase);
  if (!key.ok()) {
    ++pin_failures_;
    POS_RETURN_IF_ERROR(Save());
    const int left = kMaxPinFailures - pin_failures_;
    return Status::PermissionDenied("wrong TSE admin PIN; " +
                                    (left > 0 ? std::to_string(left) + " tries left"
                                              : std::string("the PIN is now blocked; unblock it with the PUK")));
  }
  if (pin_failures_ != 0) {
    pin_failures_ = 0;
    POS_RETURN_IF_ERROR(Save());
  }
  // The unattended signing passphrase is restored by a correct PIN.
  auto stored = ReadWholeFile(PassPath(dir_));
  if (!stored.ok() || *stored != passphrase) POS_RETURN_IF_ERROR(WriteFileAtomically(PassPath(dir_), passphrase, 0600));
  return Status::Ok();
}

Status SoftwareTse::Unblock(std::string_view puk) {
  if (lifecycle_ == TseLifecycle::kUninitialised) return Status::FailedPrecondition("the TSE is not initialised");
  if (!VerifySecret(puk, puk_hash_)) return Status::PermissionDenied("wrong TSE PUK");
  pin_failures_ = 0;
  return Save();
}

Status SoftwareTse::RegisterClient(std::string_view admin_pin, const std::string& client_id) {
  POS_RETURN_IF_ERROR(RequireState(TseLifecycle::kInitialised, "registering a client"));
  if (client_id.empty() || client_id.size() > 30 * 2 + 4) {
    return Status::InvalidArgument("a TSE client id must have 1 to 64 characters");
  }
  POS_RETURN_IF_ERROR(VerifyAdminPin(admin_pin));
  if (std::find(clients_.begin(), clients_.end(), client_id) != clients_.end()) {
    return Status::AlreadyExists("client " + client_id + " is registered in the TSE already");
  }
  clients_.push_back(client_id);
  return Save();
}

Status SoftwareTse::Deactivate(std::string_view admin_pin) {
  POS_RETURN_IF_ERROR(RequireState(TseLifecycle::kInitialised, "deactivating"));
  POS_RETURN_IF_ERROR(VerifyAdminPin(admin_pin));
  lifecycle_ = TseLifecycle::kDeactivated;
  return Save();
}

Status SoftwareTse::Decommission(std::string_view admin_pin) {
  if (lifecycle_ != TseLifecycle::kInitialised && lifecycle_ != TseLifecycle::kDeactivated) {
    return Status::FailedPrecondition("the TSE is " + std::string(TseLifecycleName(lifecycle_)) +
                                      "; only an initialised or deactivated TSE can be decommissioned");
  }
  POS_RETURN_IF_ERROR(VerifyAdminPin(admin_pin));
  lifecycle_ = TseLifecycle::kDecommissioned;
  POS_RETURN_IF_ERROR(Save());
  std::error_code ec;
  std::filesystem::remove(KeyPath(dir_), ec);
  std::filesystem::remove(PassPath(dir_), ec);
  return Status::Ok();
}

Status SoftwareTse::CheckCanSign(const std::string& client_id) const {
  switch (lifecycle_) {
    case TseLifecycle::kUninitialised:
      return Status::FailedPrecondition("the TSE is not initialised; run `pos tse init` before selling");
    case TseLifecycle::kDeactivated:
      return Status::FailedPrecondition("the TSE " + serial_hex_.substr(0, 16) +
                                        "... is deactivated and signs nothing more; a new TSE is needed to sell");
    case TseLifecycle::kDecommissioned:
      return Status::FailedPrecondition("the TSE " + serial_hex_.substr(0, 16) +
                                        "... is decommissioned and signs nothing more; a new TSE is needed to sell");
    case TseLifecycle::kInitialised: break;
  }
  if (std::find(clients_.begin(), clients_.end(), client_id) == clients_.end()) {
    return Status::FailedPrecondition("client " + client_id +
                                      " is not registered in the TSE; run `pos tse register-client`");
  }
  return Status::Ok();
}

Result<TseSignedLog> SoftwareTse::Sign(const std::string& operation, const std::string& client_id,
                                       uint64_t transaction_number, const std::string& process_type,
                                       const std::string& process_data, const std::string& reference,
                                       int64_t now_us) {
  POS_RETURN_IF_ERROR(CheckCanSign(client_id));
  if (simulate_failure_) return Status::Unavailable("the TSE does not answer (simulated failure)");
  if (journal_ == nullptr) return Status::Unavailable("the TSE log is not open");
  POS_ASSIGN_OR_RETURN(const Pkey* key, SigningKey());

  TseSignedLog log;
  log.message.operation = operation;
  log.message.client_id = client_id;
  log.message.process_data = process_data;
  log.message.process_type = process_type;
  log.message.transaction_number = transaction_number;
  log.message.signature_counter = signature_counter_ + 1;
  log.message.log_time_us = now_us;
  auto serial = FromHex(serial_hex_);
  if (!serial) return Status::Corruption("the TSE serial is not hex");
  log.message.serial = *serial;
  log.encoded = log.message.Encode();
  auto signature = SignPlain(*key, log.encoded);
  if (!signature.ok()) return Status::Unavailable("the TSE could not sign: " + signature.status().message());
  log.signature = std::move(signature).value();
  // The record is in the journal (durable unless sync is deferred) before the counters count it.
  auto written = journal_->Append(TseJournalRecord{log.encoded, log.signature, reference});
  if (written.ok() && !deferred_sync_) written = journal_->Sync();
  if (!written.ok()) return Status::Unavailable("the TSE could not store its log: " + written.message());
  signature_counter_ = log.message.signature_counter;
  return log;
}

Result<TseSignedLog> SoftwareTse::StartTransaction(const std::string& client_id, const std::string& process_type,
                                                   const std::string& process_data, const std::string& reference,
                                                   int64_t now_us) {
  const uint64_t number = last_transaction_number_ + 1;
  POS_ASSIGN_OR_RETURN(TseSignedLog log,
                       Sign("StartTransaction", client_id, number, process_type, process_data, reference, now_us));
  last_transaction_number_ = number;
  open_[number] = TseOpenTransaction{number, client_id, now_us, reference};
  return log;
}

Status SoftwareTse::CheckOpenTransaction(const std::string& client_id, uint64_t transaction_number) const {
  auto it = open_.find(transaction_number);
  if (it == open_.end()) {
    return Status::NotFound("TSE transaction " + std::to_string(transaction_number) + " is not open");
  }
  if (it->second.client_id != client_id) {
    return Status::FailedPrecondition("TSE transaction " + std::to_string(transaction_number) +
                                      " was started by another client");
  }
  return Status::Ok();
}

Result<TseSignedLog> SoftwareTse::FinishTransaction(const std::string& client_id, uint64_t transaction_number,
                                                    const std::string& process_type, const std::string& process_data,
                                                    int64_t now_us) {
  POS_RETURN_IF_ERROR(CheckOpenTransaction(client_id, transaction_number));
  POS_ASSIGN_OR_RETURN(TseSignedLog log, Sign("FinishTransaction", client_id, transaction_number, process_type,
                                              process_data, "", now_us));
  open_.erase(transaction_number);
  return log;
}

Result<TseSignedLog> SoftwareTse::UpdateTransaction(const std::string& client_id, uint64_t transaction_number,
                                                    const std::string& process_type, const std::string& process_data,
                                                    int64_t now_us) {
  POS_RETURN_IF_ERROR(CheckOpenTransaction(client_id, transaction_number));
  return Sign("UpdateTransaction", client_id, transaction_number, process_type, process_data, "", now_us);
}

std::optional<TseOpenTransaction> SoftwareTse::FindOpenByReference(std::string_view reference) const {
  // The newest: a start whose receipt batch never became durable leaves an older
  // open transaction with the same reference (the receipt id is decided again).
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
    if (it->second.reference == reference) return it->second;
  }
  return std::nullopt;
}

Status SoftwareTse::RaiseCounters(uint64_t transaction_number, uint64_t signature_counter) {
  if (transaction_number <= last_transaction_number_ && signature_counter <= signature_counter_) return Status::Ok();
  last_transaction_number_ = std::max(last_transaction_number_, transaction_number);
  signature_counter_ = std::max(signature_counter_, signature_counter);
  if (lifecycle_ == TseLifecycle::kUninitialised) return Status::Ok();
  return Save();
}

}  // namespace pos::fiscal
