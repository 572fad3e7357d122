// SoftwareTse: a technical security system (TSE) in software with the lifecycle
// and counters of BSI TR-03153 / TR-03151: uninitialised -> initialised ->
// deactivated -> decommissioned; an admin PIN (3 wrong tries block it) and a PUK
// that unblocks; registered clients; transactions started and finished with a
// dense transaction number and a monotonic signature counter.
//
// Files in its directory (<data>/tse):
//   state.json   lifecycle, serial, public key, clients, counters, open
//                transactions, PIN retry count, PUK hash (written atomically)
//   key.pem      the ECDSA P-256 private key, PKCS#8 encrypted PEM (AES-256-CBC,
//                PBKDF2) under a key-encryption passphrase derived from the admin
//                PIN (PBKDF2-HMAC-SHA256, salt in state.json)
//   signing.pass that derived passphrase (mode 0600) so the till signs unattended;
//                never the PIN itself. Missing or wrong: the TSE cannot sign (an outage)
//   log/journal  every signed log message, its r||s signature and the caller's
//                reference, in signature counter order (domain/fiscal/tse_journal.h)
// The journal is the truth for the counters and the open transactions: on
// opening they are replayed from it (and never fall below state.json's, which
// RaiseCounters() may have lifted from the till's event log). A signature is
// returned only once its journal record is durable, unless sync is deferred
// (SetDeferredSync): then the caller must Flush() before it acknowledges it.
// The unlocked key stays in memory while key.pem and signing.pass are unchanged.
// Not certified: docs/fiscal-de.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/fiscal/tse_crypto.h"
#include "domain/fiscal/tse_journal.h"
#include "domain/fiscal/tse_log_message.h"
#include "engine/status.h"

namespace pos::fiscal {

enum class TseLifecycle : uint8_t { kUninitialised, kInitialised, kDeactivated, kDecommissioned };
std::string_view TseLifecycleName(TseLifecycle lifecycle);

struct TseOpenTransaction {
  uint64_t number = 0;
  std::string client_id;
  int64_t start_time_us = 0;
  std::string reference;  // the caller's reference, e.g. the receipt id
};

struct TseSignedLog {
  TseLogMessage message;
  std::string encoded;    // the signed bytes
  std::string signature;  // r||s, 64 bytes
};

class SoftwareTse {
 public:
  static constexpr int kMaxPinFailures = 3;

  // An absent directory or state file is an uninitialised TSE.
  static Result<std::unique_ptr<SoftwareTse>> Open(std::string dir);

  const std::string& dir() const { return dir_; }
  TseLifecycle lifecycle() const { return lifecycle_; }
  const std::string& serial_hex() const { return serial_hex_; }
  const std::string& public_key_der() const { return public_key_der_; }
  const std::vector<std::string>& clients() const { return clients_; }
  uint64_t signature_counter() const { return signature_counter_; }
  uint64_t last_transaction_number() const { return last_transaction_number_; }
  const std::map<uint64_t, TseOpenTransaction>& open_transactions() const { return open_; }
  int pin_failures() const { return pin_failures_; }
  int64_t initialised_at_us() const { return initialised_at_us_; }

  // Makes the key under `admin_pin` (4..64 characters) and returns the PUK
  // (10 random digits) to hand to the operator once.
  Result<std::string> Initialise(std::string_view admin_pin, int64_t now_us);
  // kPermissionDenied for a wrong PIN (counted) or a blocked PIN.
  Status VerifyAdminPin(std::string_view admin_pin);
  Status Unblock(std::string_view puk);
  Status RegisterClient(std::string_view admin_pin, const std::string& client_id);
  Status Deactivate(std::string_view admin_pin);
  // Destroys the key for good; the log and the public key stay for export.
  Status Decommission(std::string_view admin_pin);

  // kFailedPrecondition: not initialised, deactivated, decommissioned or an
  // unregistered client (a refusal). kUnavailable: the key cannot be used (an outage).
  Status CheckCanSign(const std::string& client_id) const;
  Result<TseSignedLog> StartTransaction(const std::string& client_id, const std::string& process_type,
                                        const std::string& process_data, const std::string& reference, int64_t now_us);
  Result<TseSignedLog> FinishTransaction(const std::string& client_id, uint64_t transaction_number,
                                         const std::string& process_type, const std::string& process_data,
                                         int64_t now_us);
  // TR-03153 updateTransaction: signs a change of the open transaction (same
  // number, the next signature counter); the transaction stays open.
  Result<TseSignedLog> UpdateTransaction(const std::string& client_id, uint64_t transaction_number,
                                         const std::string& process_type, const std::string& process_data,
                                         int64_t now_us);
  // The newest open transaction with this reference.
  std::optional<TseOpenTransaction> FindOpenByReference(std::string_view reference) const;

  // Counters known from elsewhere (the till's event log): never go below them.
  Status RaiseCounters(uint64_t transaction_number, uint64_t signature_counter);

  // Test seam: while set, every signature fails as an outage.
  void SimulateFailure(bool fail) { simulate_failure_ = fail; }

  std::string LogDir() const { return dir_ + "/log"; }
  std::string JournalPath() const { return LogDir() + "/journal"; }

  // With deferred sync, signatures are returned before their journal records are
  // durable; Flush() makes all of them durable with one fdatasync (group flush).
  void SetDeferredSync(bool deferred) { deferred_sync_ = deferred; }
  Status Flush();
  // The journal, for a group flush from another thread (EventStore's pre-commit
  // hook); null while the TSE is uninitialised. Valid until the TSE is re-initialised.
  std::shared_ptr<TseJournal> journal() const { return journal_; }

 private:
  // Ok when `transaction_number` is open and was started by `client_id`.
  Status CheckOpenTransaction(const std::string& client_id, uint64_t transaction_number) const;
  explicit SoftwareTse(std::string dir) : dir_(std::move(dir)) {}
  Status Load();
  Status Save() const;
  Result<std::string> DerivePassphrase(std::string_view admin_pin) const;
  Status RequireState(TseLifecycle wanted, std::string_view operation) const;
  Result<TseSignedLog> Sign(const std::string& operation, const std::string& client_id, uint64_t transaction_number,
                            const std::string& process_type, const std::string& process_data,
                            const std::string& reference, int64_t now_us);
  // The signing key, unlocked once and kept while key.pem and signing.pass stay the same.
  Result<const Pkey*> SigningKey();
  Status OpenJournal();
  // Folds one journal record into the counters and open transactions.
  Status ReplayRecord(const TseJournalRecord& record);

  std::string dir_;
  TseLifecycle lifecycle_ = TseLifecycle::kUninitialised;
  std::string serial_hex_;
  std::string public_key_der_;
  std::vector<std::string> clients_;
  uint64_t signature_counter_ = 0;
  uint64_t last_transaction_number_ = 0;
  std::map<uint64_t, TseOpenTransaction> open_;
  int pin_failures_ = 0;
  std::string puk_hash_;
  std::string kek_salt_hex_;
  int kek_iterations_ = 0;
  int64_t initialised_at_us_ = 0;
  bool simulate_failure_ = false;
  bool deferred_sync_ = false;
  std::shared_ptr<TseJournal> journal_;
  Pkey signing_key_;
  std::string signing_key_source_;  // passphrase + key.pem identity the cached key came from
};

}  // namespace pos::fiscal
