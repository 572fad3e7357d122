// The stale till (docs/sync.md, "Joining with a local history"): before a till
// joins a site, its log is compared with what the site account holds, so that a
// till with a history of its own never overwrites the account's data unasked.
//
// Rule: `pos sync join` is refused while the till holds master data or receipt
// events the account does not hold, unless the operator chooses
// - --import-local: they go to the hub with the rest of the till's archive and
//   become account data (master data then competes last-writer-wins by HLC,
//   so older local changes lose against newer account changes), or
// - --discard-local: the whole store directory is moved aside intact (fiscal
//   records are never destroyed) and a fresh store with a new node id takes its
//   place; the till joins empty and receives the account's data.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/event_store.h"
#include "engine/status.h"

namespace pos {

// origin node id (16 raw bytes) -> highest contiguous origin_seq the account's hub holds.
using AccountHeads = std::map<std::string, uint64_t>;

struct LocalHistory {
  uint64_t master_data_events = 0;  // events of category master data the account lacks
  uint64_t receipt_events = 0;      // events of category receipt the account lacks
  uint64_t other_events = 0;        // any other category the account lacks (sent as archive anyway)
  uint64_t own_master_data = 0;     // of master_data_events: written by this till
  uint64_t own_receipts = 0;        // of receipt_events: written by this till
  std::vector<std::string> unknown_origins;  // node id hex of origins the account lacks events of

  // True when nothing of master data or receipts would reach the account unasked.
  bool clean() const { return master_data_events == 0 && receipt_events == 0; }
};

// Counts the events of `store` the account does not hold: an event (origin,
// seq) is held when account[origin] >= seq. With an empty `account` every
// master data and receipt event counts (a first join to a new account).
Result<LocalHistory> AssessLocalHistory(const EventStore& store, const AccountHeads& account = {});

enum class JoinChoice { kRefuse, kImportLocal, kDiscardLocal };

// From the flags of `pos sync join`; both at once is an error.
Result<JoinChoice> JoinChoiceFromFlags(bool import_local, bool discard_local);

// Ok when the join may go on with `choice`; otherwise kFailedPrecondition
// naming the counts and both flags. kDiscardLocal on a clean history is ok too.
Status CheckJoinAllowed(const LocalHistory& history, JoinChoice choice);

struct DiscardedStore {
  std::string kept_at;      // where the old store directory now is, intact
  std::string old_node_id;  // hex
  std::string new_node_id;  // hex of the fresh store
};

// Moves the store directory `store_path` aside (to
// "<store_path>.discarded-<old node id hex[0:8]>-<UTC yyyymmddThhmmssZ>") and
// creates a fresh store at `store_path` with a new node id and the old node
// name and currency. The store must be closed (not open in this or another
// process). On failure the old store is back at `store_path`.
Result<DiscardedStore> DiscardLocalStore(const std::string& store_path, int64_t now_us);

}  // namespace pos
