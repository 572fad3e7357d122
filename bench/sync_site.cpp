#include "bench/sync_site.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "bench/register_workload.h"
#include "events/event_view.h"
#include "sync/curve_keys.h"
#include "sync/sync_wire.h"

namespace pos::bench {
namespace {

Status RunPos(const std::string& pos_binary, const std::vector<std::string>& args, const std::string& what) {
  POS_ASSIGN_OR_RETURN(ChildResult child, RunChild(pos_binary, args));
  if (child.exit_code != 0) {
    return Status::Internal(what + " failed with exit code " + std::to_string(child.exit_code) + ": " + child.out);
  }
  return Status::Ok();
}

bool IsTrading(uint32_t type) {
  const EventTypeInfo* info = FindEventType(type);
  if (info == nullptr) return false;
  return info->category == EventCategory::kReceipt || info->category == EventCategory::kFiscal ||
         info->category == EventCategory::kRegister;
}

// Consecutive events of one stream: [begin, end) of `events`.
template <typename Visit>
void ForEachStreamRun(std::span<const SourceEvent> events, Visit visit) {
  size_t begin = 0;
  for (size_t i = 1; i <= events.size(); ++i) {
    if (i == events.size() || events[i].stream != events[begin].stream || events[i].user != events[begin].user) {
      visit(begin, i);
      begin = i;
    }
  }
}

AppendBatch BatchOf(std::span<const SourceEvent> events, size_t begin, size_t end) {
  AppendBatch batch;
  batch.stream = events[begin].stream;
  batch.user = events[begin].user;
  batch.expected_version = kAnyVersion;
  for (size_t i = begin; i < end; ++i) batch.events.push_back(events[i].event);
  return batch;
}

}  // namespace

Result<std::unique_ptr<BenchHub>> BenchHub::Start(const std::string& pos_binary, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string data = dir + "/hub";
  POS_RETURN_IF_ERROR(
      RunPos(pos_binary, {"--data", data, "init", "--hub", "--node-name", "bench-hub"}, "pos init --hub"));
  // The password goes in on an inherited descriptor, as an operator's script would.
  const std::string password_file = dir + "/password";
  {
    std::ofstream out(password_file);
    out << kSitePassword << "\n";
  }
  const int fd = open(password_file.c_str(), O_RDONLY);
  if (fd < 0) return Status::IoError("cannot open " + password_file);
  Status created = RunPos(pos_binary,
                          {"--data", data, "hub", "account", "create", "--name", kSiteAccount, "--password-fd",
                           std::to_string(fd)},
                          "pos hub account create");
  close(fd);
  POS_RETURN_IF_ERROR(created);
  POS_ASSIGN_OR_RETURN(CurveKeyPair keys, LoadCurveKeys(data + "/" + std::string(kCurveKeysFileName)));

  std::unique_ptr<BenchHub> hub(new BenchHub());
  hub->public_key_ = keys.public_key;
  hub->log_path_ = dir + "/hub.log";
  POS_ASSIGN_OR_RETURN(RunningChild child,
                       RunningChild::Start(pos_binary, {"--data", data, "hub", "serve", "--listen", "tcp://127.0.0.1:*"},
                                           hub->log_path_));
  hub->child_.emplace(std::move(child));
  auto endpoint = WaitForServeFile(data, hub->child_->pid(), std::chrono::seconds(60), *hub->child_);
  if (!endpoint.ok()) return endpoint.status().WithContext("the hub did not start (see " + hub->log_path_ + ")");
  hub->address_ = *endpoint;
  return hub;
}

Status BenchHub::Stop() {
  return child_->Stop(std::chrono::seconds(10)).WithContext("stopping the hub (see " + log_path_ + ")");
}

Result<std::vector<SourceEvent>> LoadSourceEvents(const std::string& store_dir, size_t count) {
  POS_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, EventStore::Open(store_dir));
  std::vector<SourceEvent> events;
  events.reserve(count);
  Status problem;
  POS_RETURN_IF_ERROR(store->ScanLog(1, UINT64_MAX, [&](uint64_t seq, std::string_view bytes) {
    auto view = EventView::Parse(bytes);
    if (!view.ok()) {
      problem = view.status().WithContext("event " + std::to_string(seq) + " of " + store_dir);
      return false;
    }
    if (!IsTrading(view->type())) return true;
    const auto payload = view->payload();
    events.push_back(SourceEvent{std::string(view->stream()), std::string(view->user()),
                                 NewEvent{static_cast<EventType>(view->type()),
                                          std::vector<uint8_t>(payload.begin(), payload.end())}});
    return events.size() < count;
  }));
  POS_RETURN_IF_ERROR(problem);
  if (events.size() < count) {
    return Status::FailedPrecondition(store_dir + " holds only " + std::to_string(events.size()) +
                                      " trading events; " + std::to_string(count) + " are needed (a larger --events)");
  }
  return events;
}

Status AppendAsOwn(EventStore& till, std::span<const SourceEvent> events) {
  constexpr size_t kBatchesPerAppend = 4096;
  std::vector<AppendBatch> batches;
  auto flush = [&]() -> Status {
    for (const auto& result : till.AppendMany(std::move(batches))) POS_RETURN_IF_ERROR(result.status());
    batches.clear();
    return Status::Ok();
  };
  Status status;
  ForEachStreamRun(events, [&](size_t begin, size_t end) {
    if (!status.ok()) return;
    batches.push_back(BatchOf(events, begin, end));
    if (batches.size() >= kBatchesPerAppend) status = flush();
  });
  POS_RETURN_IF_ERROR(status);
  return flush();
}

Status AppendAsOwnPipelined(EventStore& till, std::span<const SourceEvent> events,
                            const std::function<void(uint64_t first, uint64_t last)>& on_durable) {
  Status status;
  ForEachStreamRun(events, [&](size_t begin, size_t end) {
    if (!status.ok()) return;
    const uint64_t count = end - begin;
    auto sealed = till.AppendPipelined(BatchOf(events, begin, end), [on_durable, count](const Result<AppendReceipt>& r) {
      if (r.ok()) on_durable(r->first_origin_seq, r->first_origin_seq + count - 1);
    });
    if (!sealed.ok()) status = sealed.status();
  });
  return status;
}

Result<sync::HubEndpoint> LogInTill(const EventStore& till, const std::string& keys_path, const BenchHub& hub) {
  POS_ASSIGN_OR_RETURN(CurveKeyPair keys, LoadOrCreateCurveKeys(keys_path));
  const sync::HubEndpoint endpoint{hub.address(), hub.public_key(), keys.public_key, keys.secret_key};
  const std::string request =
      sync::EncodeLogin({kSiteAccount, kSitePassword, till.node_id(), till.node_name(), keys.public_key});
  POS_ASSIGN_OR_RETURN(std::string reply_bytes, sync::HubRequest(endpoint, request, std::chrono::seconds(30)));
  POS_ASSIGN_OR_RETURN(const syncwire::Message* reply, sync::ParseMessage(reply_bytes));
  if (reply->body_type() != syncwire::Body::LoginReply || !reply->body_as_LoginReply()->admitted()) {
    return Status::PermissionDenied("the hub did not admit till " + till.node_name() + " (see " + hub.log_path() + ")");
  }
  return endpoint;
}

}  // namespace pos::bench
