#include "domain/fiscal/tse_export.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "domain/fiscal/atomic_file.h"
#include "domain/fiscal/tse_crypto.h"
#include "domain/fiscal/tse_journal.h"
#include "domain/fiscal/tse_log_message.h"
#include "engine/bytes.h"
#include "engine/sha256.h"

namespace pos::fiscal {
namespace {

constexpr std::string_view kFormat = "pos-tse-export-1";

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

Status AddEntry(archive* a, const std::string& name, std::string_view data, int64_t mtime) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0644);
  archive_entry_set_mtime(entry, static_cast<time_t>(mtime), 0);
  const bool ok = archive_write_header(a, entry) == ARCHIVE_OK &&
                  archive_write_data(a, data.data(), data.size()) == static_cast<la_ssize_t>(data.size());
  archive_entry_free(entry);
  if (!ok) return Status::IoError("writing " + name + " into the export: " + archive_error_string(a));
  return Status::Ok();
}

std::string EntryName(const TseLogMessage& m) {
  const std::string operation = m.operation == "StartTransaction"    ? "Start"
                                : m.operation == "FinishTransaction" ? "Finish"
                                                                     : "Update";
  char counter[32];
  std::snprintf(counter, sizeof(counter), "%010llu", static_cast<unsigned long long>(m.signature_counter));
  return "log/Unixt_" + std::to_string(m.log_time_us / 1000000) + "_Sig-" + counter + "_Log-Tra_No-" +
         std::to_string(m.transaction_number) + "_" + operation + "_Client-" + m.client_id + ".log";
}

}  // namespace

Result<TseExportSummary> WriteTseExport(const SoftwareTse& tse, const std::string& out_path, int64_t now_us) {
  if (tse.lifecycle() == TseLifecycle::kUninitialised) {
    return Status::FailedPrecondition("the TSE is not initialised; there is nothing to export");
  }
  POS_ASSIGN_OR_RETURN(Pkey key, PublicKeyFromDer(tse.public_key_der()));
  POS_ASSIGN_OR_RETURN(std::string pem, PublicKeyPem(key));
  // The TSE's own journal, in signature counter order.
  std::vector<TseJournalRecord> records;
  POS_RETURN_IF_ERROR(TseJournal::Read(tse.JournalPath(), [&](const TseJournalRecord& record) {
    records.push_back(record);
    return Status::Ok();
  }));

  const std::string temp = out_path + ".tmp";
  std::unique_ptr<archive, ArchiveWriteDeleter> a(archive_write_new());
  if (!a || archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_open_filename(a.get(), temp.c_str()) != ARCHIVE_OK) {
    return Status::IoError("creating the export " + temp + ": " + (a ? archive_error_string(a.get()) : "no memory"));
  }
  const int64_t mtime = now_us / 1000000;
  TseExportSummary summary;
  summary.serial = tse.serial_hex();
  for (const TseJournalRecord& record : records) {
    POS_ASSIGN_OR_RETURN(TseLogMessage message, TseLogMessage::Decode(record.log_message));
    const std::string name = EntryName(message);
    POS_RETURN_IF_ERROR(AddEntry(a.get(), name, record.log_message, mtime));
    POS_RETURN_IF_ERROR(AddEntry(a.get(), name.substr(0, name.size() - 4) + ".sig", record.signature, mtime));
    ++summary.messages;
    summary.signature_counter = std::max(summary.signature_counter, message.signature_counter);
    summary.last_transaction_number = std::max(summary.last_transaction_number, message.transaction_number);
    if (message.operation == "FinishTransaction") ++summary.finished_transactions;
    if (message.operation == "UpdateTransaction") ++summary.updates;
  }
  nlohmann::json info = {{"format", kFormat},
                         {"serial", tse.serial_hex()},
                         {"signature_algorithm", kSignatureAlgorithm},
                         {"signature_algorithm_oid", kSignatureAlgorithmOid},
                         {"log_message_encoding", "docs/fiscal-de.md (POSTSE-LOG TLV, not the certified ASN.1)"},
                         {"lifecycle", TseLifecycleName(tse.lifecycle())},
                         {"clients", tse.clients()},
                         {"signature_counter", tse.signature_counter()},
                         {"last_transaction_number", tse.last_transaction_number()},
                         {"messages", summary.messages},
                         {"initialised_at_us", tse.initialised_at_us()},
                         {"exported_at_us", now_us}};
  POS_RETURN_IF_ERROR(AddEntry(a.get(), "info.json", info.dump(2) + "\n", mtime));
  POS_RETURN_IF_ERROR(AddEntry(a.get(), "public_key.pem", pem, mtime));
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return Status::IoError("finishing the export " + temp + ": " + archive_error_string(a.get()));
  }
  a.reset();
  std::error_code ec;
  std::filesystem::rename(temp, out_path, ec);
  if (ec) return Status::IoError("renaming the export to " + out_path + ": " + ec.message());
  return summary;
}

Result<TseExportSummary> VerifyTseExport(const std::string& path) {
  std::unique_ptr<archive, ArchiveReadDeleter> a(archive_read_new());
  if (!a) return Status::Internal("no memory for reading " + path);
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 65536) != ARCHIVE_OK) {
    return Status::IoError("opening the export " + path + ": " + archive_error_string(a.get()));
  }
  std::map<std::string, std::string> files;
  archive_entry* entry = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) return Status::Corruption("reading the export " + path + ": " + archive_error_string(a.get()));
    std::string data;
    char buffer[65536];
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buffer, sizeof(buffer));
      if (n < 0) return Status::Corruption("reading " + std::string(archive_entry_pathname(entry)) + " in " + path);
      if (n == 0) break;
      data.append(buffer, static_cast<size_t>(n));
    }
    files[archive_entry_pathname(entry)] = std::move(data);
  }
  auto pem = files.find("public_key.pem");
  if (pem == files.end()) return Status::Corruption("the export has no public_key.pem");
  POS_ASSIGN_OR_RETURN(Pkey key, PublicKeyFromPem(pem->second));
  POS_ASSIGN_OR_RETURN(std::string der, PublicKeyDer(key));
  const Sha256Digest digest = Sha256(der);
  const std::string serial(AsStringView(digest));
  TseExportSummary summary;
  summary.serial = ToHex(serial);
  auto info = files.find("info.json");
  if (info == files.end()) return Status::Corruption("the export has no info.json");
  const auto info_json = nlohmann::json::parse(info->second, nullptr, false);
  if (info_json.is_discarded() || !info_json.is_object() || info_json.value("serial", "") != summary.serial) {
    return Status::Corruption("info.json does not name the serial of public_key.pem (" + summary.serial + ")");
  }

  struct Entry {
    std::string name;
    TseLogMessage message;
  };
  std::map<uint64_t, Entry> by_counter;
  for (const auto& [name, bytes] : files) {
    if (!name.starts_with("log/") || !name.ends_with(".log")) continue;
    const std::string sig_name = name.substr(0, name.size() - 4) + ".sig";
    auto sig = files.find(sig_name);
    if (sig == files.end()) return Status::Corruption(name + ": no signature file " + sig_name);
    auto message = TseLogMessage::Decode(bytes);
    if (!message.ok()) return Status::Corruption(name + ": " + message.status().message());
    if (!VerifyPlain(key, bytes, sig->second)) {
      return Status::Corruption(name + " (signature counter " + std::to_string(message->signature_counter) +
                                "): the signature does not verify against public_key.pem");
    }
    if (message->serial != serial) return Status::Corruption(name + ": its serial is not the exported key's");
    if (!by_counter.emplace(message->signature_counter, Entry{name, *message}).second) {
      return Status::Corruption(name + ": signature counter " + std::to_string(message->signature_counter) +
                                " appears twice");
    }
  }
  uint64_t expected_counter = 1;
  uint64_t last_started = 0;
  std::set<uint64_t> open;
  for (const auto& [counter, e] : by_counter) {
    if (counter != expected_counter) {
      return Status::Corruption(e.name + ": signature counter " + std::to_string(counter) + " where " +
                                std::to_string(expected_counter) + " was due (a gap)");
    }
    ++expected_counter;
    const uint64_t tx = e.message.transaction_number;
    if (e.message.operation == "StartTransaction") {
      if (tx != last_started + 1) {
        return Status::Corruption(e.name + ": transaction " + std::to_string(tx) + " starts where " +
                                  std::to_string(last_started + 1) + " was due");
      }
      last_started = tx;
      open.insert(tx);
    } else if (e.message.operation == "FinishTransaction" || e.message.operation == "UpdateTransaction") {
      if (!open.contains(tx)) {
        return Status::Corruption(e.name + ": transaction " + std::to_string(tx) + " is not open here");
      }
      if (e.message.operation == "FinishTransaction") {
        open.erase(tx);
        ++summary.finished_transactions;
      } else {
        ++summary.updates;
      }
    } else {
      return Status::Corruption(e.name + ": unknown operation " + e.message.operation);
    }
    summary.signature_counter = counter;
    summary.last_transaction_number = std::max(summary.last_transaction_number, tx);
    ++summary.messages;
  }
  return summary;
}

}  // namespace pos::fiscal
