#include "engine/chain_verifier.h"

#include <rocksdb/db.h>

#include <tuple>
#include <unordered_map>

#include "engine/bytes.h"
#include "engine/store_layout.h"
#include "events/event_view.h"

namespace pos {
namespace {

// The (origin, origin_seq) whose by_origin index entry points at `local_seq`:
// how a missing or unreadable event is still named by its origin. A full scan
// of the index, done only once a problem is found.
std::pair<std::string, uint64_t> NameFromIndex(const EventStore& store, uint64_t local_seq) {
  const std::string wanted = BigEndian64(local_seq);
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), store.families().by_origin));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->value() == wanted && it->key().size() == kNodeIdSize + 8) {
      const std::string_view key = it->key().ToStringView();
      return {std::string(key.substr(0, kNodeIdSize)), ReadBigEndian64(key.substr(kNodeIdSize))};
    }
  }
  return {"", 0};
}

}  // namespace

Result<ChainVerification> VerifyChains(const EventStore& store,
                                       const std::function<void(uint64_t, uint64_t)>& progress) {
  ChainVerification report;
  std::unordered_map<std::string, ChainHead> walked;  // origin -> last verified event
  const std::string zero_hash(kHashSize, '\0');
  const uint64_t last = store.LastSequence();
  const ChainHeads filtered = store.FilteredHeads();
  uint64_t expected_local = 1;

  auto fail = [&](std::string origin, uint64_t origin_seq, uint64_t local_seq, std::string problem) {
    if (origin.empty() && local_seq != 0) std::tie(origin, origin_seq) = NameFromIndex(store, local_seq);
    report.ok = false;
    report.bad_origin = std::move(origin);
    report.bad_origin_seq = origin_seq;
    report.bad_local_seq = local_seq;
    report.problem = std::move(problem);
    return false;
  };

  Status scan = store.ScanLog(1, UINT64_MAX, [&](uint64_t local_seq, std::string_view bytes) {
    if (local_seq != expected_local) {
      return fail("", 0, expected_local,
                  "local sequence " + std::to_string(expected_local) + " is missing from the log");
    }
    ++expected_local;
    auto parsed = EventView::Parse(bytes);
    if (!parsed.ok()) return fail("", 0, local_seq, parsed.status().message());
    const EventView& event = parsed.value();
    const std::string origin(event.origin());
    const uint64_t seq = event.origin_seq();
    ChainHead& head = walked.try_emplace(origin, ChainHead{0, zero_hash}).first->second;
    if (Status s = event.VerifyHash(); !s.ok()) return fail(origin, seq, local_seq, "tampered: " + s.message());
    if (Status s = event.VerifyPayload(); !s.ok()) return fail(origin, seq, local_seq, s.message());
    const bool is_filtered = filtered.contains(origin);
    if (is_filtered && seq == head.seq) {
      return fail(origin, seq, local_seq, "duplicated: seq " + std::to_string(seq) + " twice in a row");
    }
    // A filtered origin's seqs rise with gaps, and a gap may be filled later (a
    // backfill after a mode change): its prev_hash is checked against seq - 1
    // wherever that is held, and the origin index (below) rules out duplicates.
    if (is_filtered && seq != head.seq + 1 && seq > 1) {
      std::string previous;
      auto found = store.db()->Get(rocksdb::ReadOptions(), store.families().by_origin,
                                   layout::OriginKey(origin, seq - 1), &previous);
      if (found.ok() && previous.size() == 8) {
        std::string previous_bytes;
        auto read = store.db()->Get(rocksdb::ReadOptions(), store.families().log,
                                    layout::LogKey(ReadBigEndian64(previous)), &previous_bytes);
        auto previous_event = read.ok() ? EventView::Parse(previous_bytes) : Result<EventView>(Status::NotFound(""));
        if (!previous_event.ok() || previous_event->hash() != event.prev_hash()) {
          return fail(origin, seq, local_seq,
                      "previous hash does not match the hash of the held seq " + std::to_string(seq - 1));
        }
      }
    }
    if (!is_filtered && seq != head.seq + 1) {
      return fail(origin, head.seq + 1, local_seq,
                  seq > head.seq + 1 ? "missing or reordered: seq " + std::to_string(seq) + " follows seq " +
                                           std::to_string(head.seq)
                                     : "reordered or duplicated: seq " + std::to_string(seq) + " follows seq " +
                                           std::to_string(head.seq));
    }
    if (seq == head.seq + 1 && event.prev_hash() != head.hash) {
      return fail(origin, seq, local_seq, "previous hash does not match the hash of seq " + std::to_string(head.seq));
    }
    std::string indexed;
    auto s = store.db()->Get(rocksdb::ReadOptions(), store.families().by_origin, layout::OriginKey(origin, seq),
                             &indexed);
    if (!s.ok() || indexed.size() != 8 || ReadBigEndian64(indexed) != local_seq) {
      return fail(origin, seq, local_seq, "the origin index does not point at this event (moved or reordered)");
    }
    if (seq > head.seq) head = ChainHead{seq, std::string(event.hash())};
    ++report.events_checked;
    if (progress && report.events_checked % 65536 == 0) progress(report.events_checked, last);
    return true;
  });
  POS_RETURN_IF_ERROR(scan);
  if (!report.ok) return report;
  if (expected_local <= last) {
    fail("", 0, expected_local, "local sequence " + std::to_string(expected_local) + " is missing from the log");
    return report;
  }
  ChainHeads stored_heads = store.Heads();
  stored_heads.insert(filtered.begin(), filtered.end());
  for (const auto& [origin, stored_head] : stored_heads) {
    auto it = walked.find(origin);
    const uint64_t reached = it == walked.end() ? 0 : it->second.seq;
    if (reached < stored_head.seq) {
      fail(origin, reached + 1, 0,
           "missing: the chain head is seq " + std::to_string(stored_head.seq) + " but the log ends at seq " +
               std::to_string(reached));
      return report;
    }
    if (it != walked.end() && it->second.hash != stored_head.hash) {
      fail(origin, reached, 0, "the stored chain head hash differs from the hash of the last event");
      return report;
    }
  }
  report.origins = walked.size();
  if (progress) progress(report.events_checked, last);
  return report;
}

}  // namespace pos
