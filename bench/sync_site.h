// The site of figure 3 (docs/BENCHMARKS.md, "3. Sync"): a real hub and simulated tills.
//
// - BenchHub: the code `pos hub serve` runs, in a child process (the `pos` binary
//   itself), on a fresh hub made with `pos init --hub` and `pos hub account create`,
//   serving CURVE on a free tcp port of 127.0.0.1; real RocksDB.
// - A simulated till is a real EventStore whose own chain holds realistic trading
//   re-originated from the prepared till (AppendAsOwn: same streams, types and
//   payloads; its own node id, origin_seqs, hash chain and wall times), logged in
//   at the hub with the site account and its own CURVE key (LogInTill, the
//   exchange of `pos sync join`) and replicated by sync::TillSyncClient.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/child_process.h"
#include "engine/event_store.h"
#include "engine/status.h"
#include "sync/hub_connection.h"

namespace pos::bench {

inline constexpr const char* kSiteAccount = "bench@example.com";
inline constexpr const char* kSitePassword = "Bench-Site-2026!";

class BenchHub {
 public:
  // Creates the hub in `dir` (absent or empty) and starts serving.
  static Result<std::unique_ptr<BenchHub>> Start(const std::string& pos_binary, const std::string& dir);
  ~BenchHub() = default;

  const std::string& address() const { return address_; }        // tcp://127.0.0.1:PORT
  const std::string& public_key() const { return public_key_; }  // Z85, pinned by the tills
  const std::string& log_path() const { return log_path_; }
  pid_t pid() const { return child_->pid(); }
  bool Exited() { return child_->Exited(); }
  // SIGTERM; ok when the hub stopped cleanly.
  Status Stop();

 private:
  BenchHub() = default;
  std::optional<RunningChild> child_;
  std::string address_;
  std::string public_key_;
  std::string log_path_;
};

// One event of the source till, to be appended again as another till's own.
struct SourceEvent {
  std::string stream;
  std::string user;
  NewEvent event;
};

// The first `count` trading events (categories receipt, fiscal and register; no
// node, master data or account events) of the till at `store_dir`, in log order.
Result<std::vector<SourceEvent>> LoadSourceEvents(const std::string& store_dir, size_t count);

// Appends `events` to `till` as its own: consecutive events of one stream form
// one append (kAnyVersion), handed to AppendMany in large groups.
Status AppendAsOwn(EventStore& till, std::span<const SourceEvent> events);

// The same appends, one AppendPipelined per run of one stream; `on_durable` gets
// the origin_seqs [first, last] of each once it is durable.
Status AppendAsOwnPipelined(EventStore& till, std::span<const SourceEvent> events,
                            const std::function<void(uint64_t first, uint64_t last)>& on_durable);

// Logs `till` in at `hub` with the site account and the CURVE key pair at
// `keys_path` (made when missing), as `pos sync join` does; the endpoint its
// sync client connects with.
Result<sync::HubEndpoint> LogInTill(const EventStore& till, const std::string& keys_path, const BenchHub& hub);

}  // namespace pos::bench
