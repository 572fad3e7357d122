// The subcommands pos_bench runs in its own child processes (hidden from --help):
//   internal-serve   --data DIR [--listen EP]  the node daemon, exactly as `pos serve` runs it
//   internal-rebuild --store DIR               ProjectionRunner::Rebuild of receipt_journal,
//                                              z_reports and catalog, in one pass
//   internal-scan    --store DIR               a raw RocksDB iteration of the log family
// rebuild and scan print one JSON line: {"events", "bytes", "seconds", "vm_hwm_kb"}; the
// rebuild adds "memtables_kb" and "block_cache_kb" (RocksDB, summed over the families it used)
// (VmHWM: the process's peak resident set, from /proc/self/status).
#pragma once

#include <CLI/CLI.hpp>

namespace pos::bench {

// Adds the internal subcommands; `exit_code` receives the result of the one that ran.
void AddInternalCommands(CLI::App& app, int& exit_code);

// The peak resident set of this process in kB (VmHWM), 0 when unknown.
long PeakRssKb();

}  // namespace pos::bench
