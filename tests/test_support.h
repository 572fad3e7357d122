// Helpers shared by the test suites: scratch directories and sample payloads.
#pragma once

#include <filesystem>
#include <string>

namespace pos::testing {

// A fresh, empty directory under the system temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string.
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The build tree's root (where tools/pos is built), for end-to-end tests.
std::string BinaryDir();

}  // namespace pos::testing
