// Durable small files: written to a temporary name, fsynced, renamed over the
// target, and the directory fsynced, so a crash leaves the old or the new
// contents, never a torn file.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace pos::fiscal {

// mode: the file's permission bits (0600 for secrets).
Status WriteFileAtomically(const std::string& path, std::string_view contents, unsigned mode = 0644);
// kNotFound when absent, kIoError when unreadable.
Result<std::string> ReadWholeFile(const std::string& path);
// Creates `path` (one level) with `mode` if absent and fsyncs its parent.
Status EnsureDirectory(const std::string& path, unsigned mode = 0700);

}  // namespace pos::fiscal
