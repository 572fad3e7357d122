#include "sync/local_history.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <set>
#include <system_error>

#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/node_generated.h"

namespace pos {

Result<LocalHistory> AssessLocalHistory(const EventStore& store, const AccountHeads& account) {
  LocalHistory history;
  std::set<std::string> unknown;
  for (const auto& [origin, head] : store.Heads()) {
    auto held = account.find(origin);
    const uint64_t from = held == account.end() ? 1 : held->second + 1;
    if (from > head.seq) continue;
    Status bad;
    POS_RETURN_IF_ERROR(store.ScanOrigin(origin, from, [&](uint64_t seq, std::string_view bytes) {
      auto event = EventView::Parse(bytes);
      if (!event.ok()) {
        bad = event.status().WithContext("local sequence " + std::to_string(seq));
        return false;
      }
      // A hub's grant of a handed-over receipt is the account's decision, never a till's history.
      if (event->type() == static_cast<uint32_t>(EventType::kReceiptClaimGranted)) return true;
      const EventTypeInfo* info = FindEventType(event->type());
      const bool own = event->origin() == store.node_id();
      const EventCategory category = info == nullptr ? EventCategory::kSystem : info->category;
      if (category == EventCategory::kMasterData) {
        ++history.master_data_events;
        if (own) ++history.own_master_data;
        unknown.insert(ToHex(origin));
      } else if (category == EventCategory::kReceipt) {
        ++history.receipt_events;
        if (own) ++history.own_receipts;
        unknown.insert(ToHex(origin));
      } else {
        ++history.other_events;
      }
      return true;
    }));
    POS_RETURN_IF_ERROR(bad);
  }
  history.unknown_origins.assign(unknown.begin(), unknown.end());
  return history;
}

Result<JoinChoice> JoinChoiceFromFlags(bool import_local, bool discard_local) {
  if (import_local && discard_local) {
    return Status::InvalidArgument("--import-local and --discard-local exclude each other; choose one");
  }
  if (import_local) return JoinChoice::kImportLocal;
  if (discard_local) return JoinChoice::kDiscardLocal;
  return JoinChoice::kRefuse;
}

Status CheckJoinAllowed(const LocalHistory& history, JoinChoice choice) {
  if (history.clean() || choice != JoinChoice::kRefuse) return Status::Ok();
  return Status::FailedPrecondition(
      "this till holds " + std::to_string(history.master_data_events) + " master data event(s) and " +
      std::to_string(history.receipt_events) + " receipt event(s) the site account does not have (" +
      std::to_string(history.own_master_data + history.own_receipts) +
      " written here); joining would mix them into the account's data. Choose: --import-local to send them to "
      "the hub as account data, or --discard-local to keep this store aside intact and join with a fresh one");
}

namespace {

std::string UtcStamp(int64_t now_us) {
  const std::time_t seconds = static_cast<std::time_t>(now_us / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

struct StoreIdentity {
  std::string node_id;
  std::string node_name;
  std::string currency;
  bool hub = false;
};

Result<StoreIdentity> ReadIdentity(const std::string& path) {
  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, EventStore::Open(path));
  StoreIdentity identity{store->node_id(), store->node_name(), "EUR", false};
  Status bad;
  POS_RETURN_IF_ERROR(store->ScanOrigin(store->node_id(), 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      bad = event.status();
      return false;
    }
    if (event->type() == static_cast<uint32_t>(EventType::kNodeInitialised)) {
      const auto* p = event->PayloadAs<fb::NodeInitialised>();
      if (p != nullptr && p->currency() != nullptr) identity.currency = p->currency()->str();
      if (p != nullptr) identity.hub = p->role() == fb::NodeRole::Hub;
    }
    return false;  // the first event of the node is its NodeInitialised
  }));
  POS_RETURN_IF_ERROR(bad);
  return identity;
}

}  // namespace

Result<DiscardedStore> DiscardLocalStore(const std::string& store_path, int64_t now_us) {
  namespace fs = std::filesystem;
  POS_ASSIGN_OR_RETURN(StoreIdentity identity, ReadIdentity(store_path));
  if (identity.hub) return Status::InvalidArgument(store_path + " is a hub's store; only a till's store is discarded");
  std::string base = store_path;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  const std::string aside = base + ".discarded-" + ToHex(identity.node_id).substr(0, 8) + "-" + UtcStamp(now_us);
  std::error_code error;
  if (fs::exists(aside, error)) return Status::AlreadyExists(aside + " exists already; nothing was moved");
  fs::rename(base, aside, error);
  if (error) return Status::IoError("moving " + base + " aside to " + aside + ": " + error.message());
  CreateStoreOptions create;
  create.node_name = identity.node_name;
  create.currency = identity.currency;
  auto fresh = EventStore::Create(base, create);
  if (!fresh.ok()) {
    std::error_code undo;
    fs::remove_all(base, undo);
    fs::rename(aside, base, undo);
    return fresh.status().WithContext("creating the fresh store (the old one is back at " + base + ")");
  }
  return DiscardedStore{aside, ToHex(identity.node_id), ToHex((*fresh)->node_id())};
}

}  // namespace pos
