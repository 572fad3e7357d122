// Walks a store's whole log and checks, event by event in local order: the
// envelope structure, hash = SHA-256(body), a known and well-formed payload,
// origin_seq dense per origin, prev_hash = hash of the origin's previous event,
// the by_origin index pointing back at the event, and finally that each chain
// ends where the stored chain head says it does. Stops at the first problem.
// Origins received filtered (EventStore::FilteredHeads) need rising, not dense,
// seqs; prev_hash is checked where the previous seq is held.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/event_store.h"

namespace pos {

struct ChainVerification {
  uint64_t events_checked = 0;
  size_t origins = 0;
  bool ok = true;
  // When !ok: where the first problem is and what it is.
  // A missing or unreadable event is named through the by_origin index; the
  // origin is empty only when the index does not know the local sequence either.
  std::string bad_origin;      // 16 raw bytes, empty when the origin is unknown
  uint64_t bad_origin_seq = 0;
  uint64_t bad_local_seq = 0;  // 0 when the problem is a missing event at a chain's end
  std::string problem;
};

// progress(events_checked, last_local_seq) is called now and then.
Result<ChainVerification> VerifyChains(const EventStore& store,
                                       const std::function<void(uint64_t, uint64_t)>& progress = {});

}  // namespace pos
