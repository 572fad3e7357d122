#include "domain/fiscal/tse_log_message.h"

#include "engine/bytes.h"

namespace pos::fiscal {
namespace {

constexpr std::string_view kMagic = "POSTSE-LOG";

void Field(std::string& out, uint8_t tag, std::string_view value) {
  out.push_back(static_cast<char>(tag));
  AppendBigEndian32(out, static_cast<uint32_t>(value.size()));
  out.append(value);
}

}  // namespace

std::string TseLogMessage::Encode() const {
  std::string out(kMagic);
  Field(out, 1, std::string(1, static_cast<char>(version)));
  Field(out, 2, certified_data_type);
  Field(out, 3, operation);
  Field(out, 4, client_id);
  Field(out, 5, process_data);
  Field(out, 6, process_type);
  Field(out, 7, BigEndian64(transaction_number));
  Field(out, 8, BigEndian64(signature_counter));
  Field(out, 9, BigEndian64(static_cast<uint64_t>(log_time_us)));
  Field(out, 10, serial);
  Field(out, 11, signature_algorithm);
  return out;
}

Result<TseLogMessage> TseLogMessage::Decode(std::string_view bytes) {
  if (!bytes.starts_with(kMagic)) return Status::Corruption("not a TSE log message (no POSTSE-LOG magic)");
  bytes.remove_prefix(kMagic.size());
  TseLogMessage m;
  for (uint8_t expected = 1; expected <= 11; ++expected) {
    if (bytes.size() < 5) return Status::Corruption("TSE log message truncated before field " + std::to_string(expected));
    const auto tag = static_cast<uint8_t>(bytes[0]);
    const uint32_t size = ReadBigEndian32(bytes.substr(1, 4));
    bytes.remove_prefix(5);
    if (tag != expected || bytes.size() < size) {
      return Status::Corruption("TSE log message field " + std::to_string(expected) + " is malformed");
    }
    const std::string_view value = bytes.substr(0, size);
    bytes.remove_prefix(size);
    const bool is_number = expected >= 7 && expected <= 9;
    if ((is_number && size != 8) || (expected == 1 && size != 1) || (expected == 10 && size != 32)) {
      return Status::Corruption("TSE log message field " + std::to_string(expected) + " has the wrong length");
    }
    switch (expected) {
      case 1: m.version = static_cast<uint8_t>(value[0]); break;
      case 2: m.certified_data_type = value; break;
      case 3: m.operation = value; break;
      case 4: m.client_id = value; break;
      case 5: m.process_data = value; break;
      case 6: m.process_type = value; break;
      case 7: m.transaction_number = ReadBigEndian64(value); break;
      case 8: m.signature_counter = ReadBigEndian64(value); break;
      case 9: m.log_time_us = static_cast<int64_t>(ReadBigEndian64(value)); break;
      case 10: m.serial = value; break;
      default: m.signature_algorithm = value; break;
    }
  }
  if (!bytes.empty()) return Status::Corruption("TSE log message has trailing bytes");
  return m;
}

}  // namespace pos::fiscal
