#include "tests/test_support.h"

#include <stdlib.h>

#include <stdexcept>

namespace pos::testing {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "pos-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string BinaryDir() { return POS_BINARY_DIR; }

}  // namespace pos::testing
