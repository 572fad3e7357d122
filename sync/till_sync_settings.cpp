#include "sync/till_sync_settings.h"

#include "events/event_view.h"
#include "events/sync_generated.h"

namespace pos::sync {
namespace {

std::vector<uint8_t> Codes(const flatbuffers::Vector<uint8_t>* codes) {
  if (codes == nullptr) return {};
  return {codes->begin(), codes->end()};
}

std::string Str(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

Status AppendSyncEvent(EventStore& store, EventType type, flatbuffers::FlatBufferBuilder& fbb,
                       std::string_view acting_user) {
  AppendBatch batch;
  batch.stream = std::string(kSyncStream);
  batch.user = std::string(acting_user);
  batch.events.push_back(NewEvent{type, {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()}});
  auto appended = store.Append(std::move(batch));
  return appended.ok() ? Status::Ok() : appended.status();
}

}  // namespace

Result<TillSyncSettings> LoadTillSyncSettings(const EventStore& store) {
  TillSyncSettings settings;
  Status failure;
  Status scanned = store.ScanStream(kSyncStream, 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (!event.ok()) {
      failure = event.status();
      return false;
    }
    if (event->origin() != store.node_id()) return true;
    switch (static_cast<EventType>(event->type())) {
      case EventType::kSyncJoined: {
        const auto* joined = event->PayloadAs<fb::SyncJoined>();
        if (joined == nullptr) break;
        auto filter = SyncFilterFromCodes(static_cast<uint8_t>(joined->mode()), Codes(joined->categories()));
        settings = TillSyncSettings{true, true, Str(joined->hub_address()), Str(joined->hub_public_key()),
                                    Str(joined->account()), Str(joined->till_public_key()),
                                    filter.ok() ? *filter : SyncFilter{}};
        break;
      }
      case EventType::kSyncModeChanged: {
        const auto* changed = event->PayloadAs<fb::SyncModeChanged>();
        if (changed == nullptr) break;
        auto filter = SyncFilterFromCodes(static_cast<uint8_t>(changed->mode()), Codes(changed->categories()));
        if (filter.ok()) settings.filter = *filter;
        break;
      }
      case EventType::kSyncSwitched: {
        const auto* switched = event->PayloadAs<fb::SyncSwitched>();
        if (switched != nullptr) settings.enabled = switched->enabled();
        break;
      }
      case EventType::kSyncLeft:
        settings = TillSyncSettings{};
        break;
      default:
        break;
    }
    return true;
  });
  POS_RETURN_IF_ERROR(scanned);
  POS_RETURN_IF_ERROR(failure.WithContext("reading the sync settings"));
  return settings;
}

Status RecordJoined(EventStore& store, const JoinRecord& join, std::string_view acting_user) {
  flatbuffers::FlatBufferBuilder fbb;
  auto address = fbb.CreateString(join.hub_address);
  auto hub_key = fbb.CreateString(join.hub_public_key);
  auto account = fbb.CreateString(join.account);
  auto categories = fbb.CreateVector(CategoryCodes(join.filter));
  auto till_key = fbb.CreateString(join.till_public_key);
  fbb.Finish(fb::CreateSyncJoined(fbb, address, hub_key, account, static_cast<fb::SyncModeCode>(join.filter.mode),
                                  categories, till_key));
  return AppendSyncEvent(store, EventType::kSyncJoined, fbb, acting_user);
}

Status RecordModeChanged(EventStore& store, const SyncFilter& filter, std::string_view acting_user) {
  flatbuffers::FlatBufferBuilder fbb;
  auto categories = fbb.CreateVector(CategoryCodes(filter));
  fbb.Finish(fb::CreateSyncModeChanged(fbb, static_cast<fb::SyncModeCode>(filter.mode), categories));
  return AppendSyncEvent(store, EventType::kSyncModeChanged, fbb, acting_user);
}

Status RecordSwitched(EventStore& store, bool enabled, std::string_view acting_user) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(fb::CreateSyncSwitched(fbb, enabled));
  return AppendSyncEvent(store, EventType::kSyncSwitched, fbb, acting_user);
}

Status RecordLeft(EventStore& store, const TillSyncSettings& settings, std::string_view acting_user) {
  flatbuffers::FlatBufferBuilder fbb;
  auto address = fbb.CreateString(settings.hub_address);
  auto account = fbb.CreateString(settings.account);
  fbb.Finish(fb::CreateSyncLeft(fbb, address, account));
  return AppendSyncEvent(store, EventType::kSyncLeft, fbb, acting_user);
}

}  // namespace pos::sync
