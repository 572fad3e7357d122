#include "sync/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pos {
namespace {

constexpr std::string_view kHeader =
    "# pos CURVE key pair (ZeroMQ CURVE, Z85). Secret: keep this file mode 0600.\n";

std::string Errno() { return std::strerror(errno); }

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("writing " + path + ": " + Errno());
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

Status SyncDirectory(const std::string& file_path) {
  std::string dir = std::filesystem::path(file_path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Status::IoError("opening directory " + dir + ": " + Errno());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IoError("syncing directory " + dir + ": " + Errno());
  return Status::Ok();
}

// Writes `text` to a temporary file beside `path` and links it in place. Never
// overwrites: kAlreadyExists when another process created `path` meanwhile.
Status WriteNewFileAtomically(const std::string& path, std::string_view text) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("creating " + temporary + ": " + Errno());
  Status written = WriteAll(fd, text, temporary);
  if (written.ok() && ::fsync(fd) != 0) written = Status::IoError("syncing " + temporary + ": " + Errno());
  ::close(fd);
  if (written.ok() && ::link(temporary.c_str(), path.c_str()) != 0) {
    written = errno == EEXIST ? Status::AlreadyExists(path + " exists already")
                              : Status::IoError("linking " + temporary + " to " + path + ": " + Errno());
  }
  ::unlink(temporary.c_str());
  POS_RETURN_IF_ERROR(written);
  return SyncDirectory(path);
}

Result<CurveKeyPair> Parse(const std::string& path, const std::string& text) {
  const auto corrupt = [&](const std::string& why) {
    return Status::Corruption("the CURVE key file " + path + " is corrupt: " + why +
                              ". It was left as it is: restore it from a backup, or move it away to make a new "
                              "key pair (every till must then pin the new public key)");
  };
  CurveKeyPair keys;
  std::istringstream lines(text);
  std::string line;
  int line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const size_t space = line.find(' ');
    const std::string field = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    std::string* target = field == "public-key" ? &keys.public_key : field == "secret-key" ? &keys.secret_key : nullptr;
    if (target == nullptr) return corrupt("line " + std::to_string(line_number) + " is neither public-key nor secret-key");
    if (!target->empty()) return corrupt(field + " appears twice");
    if (Status valid = CheckCurveKeyZ85(value); !valid.ok()) return corrupt(field + ": " + valid.message());
    *target = value;
  }
  if (keys.public_key.empty()) return corrupt("it has no public-key line");
  if (keys.secret_key.empty()) return corrupt("it has no secret-key line");
  char derived[kCurveKeyZ85Size + 1] = {};
  if (zmq_curve_public(derived, keys.secret_key.c_str()) != 0 || keys.public_key != derived) {
    return corrupt("the public key is not the one the secret key derives");
  }
  return keys;
}

}  // namespace

Status CheckCurveKeyZ85(std::string_view key) {
  if (key.size() != kCurveKeyZ85Size) {
    return Status::InvalidArgument("a CURVE key in Z85 has 40 characters, this one has " +
                                   std::to_string(key.size()));
  }
  const std::string text(key);
  uint8_t binary[32];
  if (zmq_z85_decode(binary, text.c_str()) == nullptr) {
    return Status::InvalidArgument("'" + text + "' is not a Z85-encoded CURVE key");
  }
  return Status::Ok();
}

std::string CurveKeyToZ85(std::string_view binary) {
  if (binary.size() != 32) return "";
  char text[kCurveKeyZ85Size + 1] = {};
  if (zmq_z85_encode(text, reinterpret_cast<const uint8_t*>(binary.data()), binary.size()) == nullptr) return "";
  return text;
}

Result<CurveKeyPair> LoadCurveKeys(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return Status::NotFound("no CURVE key file at " + path);
    return Status::IoError("reading " + path + ": " + Errno());
  }
  if (!S_ISREG(info.st_mode)) return Status::Corruption("the CURVE key file " + path + " is not a regular file");
  if ((info.st_mode & 077) != 0) {
    return Status::PermissionDenied("the CURVE key file " + path +
                                    " can be read by others; its secret key may be known. Run `chmod 600 " + path +
                                    "` if it has not leaked, else move it away to make a new key pair");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("opening " + path + ": " + Errno());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError("reading " + path);
  return Parse(path, text.str());
}

Result<CurveKeyPair> LoadOrCreateCurveKeys(const std::string& path) {
  auto existing = LoadCurveKeys(path);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;
  char public_key[kCurveKeyZ85Size + 1] = {};
  char secret_key[kCurveKeyZ85Size + 1] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return Status::Unsupported("this libzmq cannot make CURVE keys (built without CURVE support): " +
                               std::string(zmq_strerror(zmq_errno())));
  }
  const std::string text = std::string(kHeader) + "public-key " + public_key + "\nsecret-key " + secret_key + "\n";
  Status written = WriteNewFileAtomically(path, text);
  if (written.code() == StatusCode::kAlreadyExists) return LoadCurveKeys(path);  // another process won the race
  POS_RETURN_IF_ERROR(written.WithContext("writing the new CURVE key pair"));
  return CurveKeyPair{public_key, secret_key};
}

}  // namespace pos
