#include "domain/fiscal/tse_journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "domain/fiscal/atomic_file.h"
#include "engine/sha256.h"

namespace pos::fiscal {
namespace {

constexpr size_t kCheckSize = 8;
constexpr uint32_t kMaxBody = 1u << 20;  // a log message is a few hundred bytes

Status Errno(std::string_view what, const std::string& path) {
  return Status::IoError(std::string(what) + " " + path + ": " + std::strerror(errno));
}

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

uint32_t GetU32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}

std::string Check(std::string_view length_and_body) {
  const Sha256Digest digest = Sha256(length_and_body);
  return std::string(reinterpret_cast<const char*>(digest.data()), kCheckSize);
}

std::string EncodeRecord(const TseJournalRecord& record) {
  std::string body;
  for (const std::string* field : {&record.log_message, &record.signature, &record.reference}) {
    PutU32(body, static_cast<uint32_t>(field->size()));
    body += *field;
  }
  std::string out;
  PutU32(out, static_cast<uint32_t>(body.size()));
  out += body;
  out += Check(out);
  return out;
}

std::optional<TseJournalRecord> DecodeBody(std::string_view body) {
  TseJournalRecord record;
  size_t at = 0;
  for (std::string* field : {&record.log_message, &record.signature, &record.reference}) {
    if (body.size() - at < 4) return std::nullopt;
    const uint32_t n = GetU32(body, at);
    at += 4;
    if (body.size() - at < n) return std::nullopt;
    field->assign(body.substr(at, n));
    at += n;
  }
  if (at != body.size()) return std::nullopt;
  return record;
}

// Walks the records of `bytes`; returns the length of the intact prefix. A bad
// record that is not the last thing in the file is corruption.
Result<size_t> Scan(const std::string& path, std::string_view bytes, const TseJournal::Visitor& visit) {
  size_t at = 0;
  size_t index = 0;
  while (at < bytes.size()) {
    const size_t left = bytes.size() - at;
    bool intact = left >= 4;
    uint32_t n = intact ? GetU32(bytes, at) : 0;
    intact = intact && n <= kMaxBody && left >= 4 + size_t{n} + kCheckSize;
    std::optional<TseJournalRecord> record;
    if (intact) {
      const std::string_view framed = bytes.substr(at, 4 + size_t{n});
      intact = Check(framed) == bytes.substr(at + 4 + n, kCheckSize);
      if (intact) record = DecodeBody(framed.substr(4));
      intact = record.has_value();
    }
    if (!intact) {
      // A torn tail is the only bad record allowed: a record that reaches the end
      // of the file, or a zero-filled rest (a size grown before its data landed).
      const bool reaches_end = left < 4 || (n <= kMaxBody && left <= 4 + size_t{n} + kCheckSize);
      const bool zero_rest = bytes.find_first_not_of('\0', at) == std::string_view::npos;
      if (!reaches_end && !zero_rest) {
        return Status::Corruption("the TSE journal " + path + " has a damaged record #" + std::to_string(index + 1) +
                                  " at byte " + std::to_string(at));
      }
      return at;
    }
    if (visit) POS_RETURN_IF_ERROR(visit(*record).WithContext("TSE journal record #" + std::to_string(index + 1)));
    at += 4 + n + kCheckSize;
    ++index;
  }
  return at;
}

Status WriteAllTo(int fd, const std::string& path, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno("writing", path);
    }
    done += static_cast<size_t>(w);
  }
  return Status::Ok();
}

}  // namespace

Status TseJournal::Read(const std::string& path, const Visitor& visit) {
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status().code() == StatusCode::kNotFound ? Status::Ok() : bytes.status();
  return Scan(path, *bytes, visit).status();
}

Result<std::unique_ptr<TseJournal>> TseJournal::Open(const std::string& path, const Visitor& replay) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("opening", path);
  std::unique_ptr<TseJournal> journal(new TseJournal(path, fd));
  // One writer: a second process would take the other's unsynced tail for torn.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return Status::Unavailable("the TSE journal " + path + " is in use by another process (a running `pos serve`?)");
  }
  POS_ASSIGN_OR_RETURN(std::string contents, ReadWholeFile(path));
  POS_ASSIGN_OR_RETURN(size_t intact, Scan(path, contents, replay));
  if (intact != contents.size()) {
    // Cut the torn tail (never synced, never acknowledged) before appending.
    if (::ftruncate(fd, static_cast<off_t>(intact)) != 0) return Errno("cutting the torn tail of", path);
    if (::fdatasync(fd) != 0) return Errno("fdatasync of", path);
  }
  journal->end_ = ::lseek(fd, 0, SEEK_END);
  if (journal->end_ < 0) return Errno("seeking to the end of", path);
  return journal;
}

Status TseJournal::WriteAll(const std::string& path, const std::vector<TseJournalRecord>& records) {
  std::string bytes;
  for (const TseJournalRecord& record : records) bytes += EncodeRecord(record);
  return WriteFileAtomically(path, bytes, 0600);
}

TseJournal::~TseJournal() {
  if (fd_ >= 0) {
    if (HasUnsynced()) ::fdatasync(fd_);
    ::close(fd_);
  }
}

Status TseJournal::Append(const TseJournalRecord& record) {
  Status written = WriteAllTo(fd_, path_, EncodeRecord(record));
  if (!written.ok()) {
    // Never leave a partial record in front of later ones.
    if (::ftruncate(fd_, end_) != 0 || ::lseek(fd_, end_, SEEK_SET) < 0) {
      return Status::IoError(written.message() + "; cutting the partial record failed too: " + std::strerror(errno));
    }
    return written;
  }
  end_ = ::lseek(fd_, 0, SEEK_CUR);
  appended_.fetch_add(1);
  return Status::Ok();
}

Status TseJournal::Sync() {
  const uint64_t target = appended_.load();
  if (synced_.load() >= target) return Status::Ok();
  std::lock_guard lock(sync_mutex_);
  if (synced_.load() >= target) return Status::Ok();  // a concurrent Sync covered it
  if (::fdatasync(fd_) != 0) return Errno("fdatasync of", path_);
  synced_.store(target);
  return Status::Ok();
}

}  // namespace pos::fiscal
