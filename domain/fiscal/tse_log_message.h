// The TSE's signed log message: a documented, deterministic byte encoding that
// stands in for the ASN.1 TransactionLog message of BSI TR-03151 (it is not the
// certified format; docs/fiscal-de.md).
//
// Encoding: the ASCII magic "POSTSE-LOG", then the fields below in this order,
// each as tag (1 byte), length (4 bytes big-endian), value:
//   1 version               1 byte, 1
//   2 certifiedDataType     ASCII OID "0.4.0.127.0.7.3.7.1.1" (transaction log)
//   3 operationType         ASCII "StartTransaction" | "UpdateTransaction" | "FinishTransaction"
//   4 clientId              UTF-8
//   5 processData           UTF-8
//   6 processType           UTF-8
//   7 transactionNumber     8 bytes big-endian
//   8 signatureCounter      8 bytes big-endian
//   9 logTime               8 bytes big-endian, microseconds since the Unix epoch (UTC)
//  10 serialNumber          32 bytes: SHA-256 of the DER public key
//  11 signatureAlgorithm    ASCII OID "0.4.0.127.0.7.1.1.4.1.3" (ecdsa-plain-SHA256)
// The signature is ECDSA P-256 over SHA-256 of exactly these bytes, as r||s.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos::fiscal {

inline constexpr std::string_view kCertifiedDataTypeTransactionLog = "0.4.0.127.0.7.3.7.1.1";
inline constexpr std::string_view kSignatureAlgorithmOid = "0.4.0.127.0.7.1.1.4.1.3";
inline constexpr std::string_view kSignatureAlgorithm = "ecdsa-plain-SHA256";
inline constexpr std::string_view kProcessTypeKassenbeleg = "Kassenbeleg-V1";

struct TseLogMessage {
  uint8_t version = 1;
  std::string certified_data_type = std::string(kCertifiedDataTypeTransactionLog);
  std::string operation;  // StartTransaction, UpdateTransaction, FinishTransaction
  std::string client_id;
  std::string process_data;
  std::string process_type;
  uint64_t transaction_number = 0;
  uint64_t signature_counter = 0;
  int64_t log_time_us = 0;
  std::string serial;  // 32 raw bytes
  std::string signature_algorithm = std::string(kSignatureAlgorithmOid);

  std::string Encode() const;
  static Result<TseLogMessage> Decode(std::string_view bytes);
};

}  // namespace pos::fiscal
