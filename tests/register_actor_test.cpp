// The pipelined register actor (actors/register_actor.h): concurrent front ends
// share group commits, replies and peripheral effects come only after their
// events are durable and in command order, and a store failure stops the
// register (fail-stop) with an error for every command not stored.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/register_actor.h"
#include "adapters/api_codec.h"
#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "engine/chain_verifier.h"
#include "engine/pin_hash.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/receipts_generated.h"
#include "projections/builtin_projections.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using flatbuffers::FlatBufferBuilder;
using testing::ScratchDir;

template <typename T>
std::string Finish(FlatBufferBuilder& fbb, api::Command type, flatbuffers::Offset<T> command, uint64_t id) {
  return api::FinishRequest(fbb, id, type, command.Union());
}
std::string OpenRequest(uint64_t id) {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::Open, api::CreateOpen(fbb), id);
}
std::string AddRequest(const std::string& receipt, uint64_t id) {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::AddLine, api::CreateAddLineDirect(fbb, receipt.c_str(), "1001", 1), id);
}
std::string PayRequest(const std::string& receipt, uint64_t id) {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::Pay, api::CreatePayDirect(fbb, receipt.c_str(), api::PaymentType::Cash, 500, ""),
                id);
}
std::string CloseRequest(const std::string& receipt, uint64_t id) {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::Close, api::CreateCloseDirect(fbb, receipt.c_str()), id);
}

bool HasClosedEvent(const EventStore& store, const std::string& receipt_id) {
  bool found = false;
  Status scanned = store.ScanStream(ReceiptStream(receipt_id), 0, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (event.ok() && event->type() == static_cast<uint32_t>(EventType::kReceiptClosed)) found = true;
    return true;
  });
  return scanned.ok() && found;
}

// Counts what reaches the peripherals and checks each closed receipt is durable by then.
class RecordingObserver final : public SaleObserver {
 public:
  explicit RecordingObserver(const EventStore& store) : store_(store) {}
  void LineAdded(const ReceiptLine&) override { ++lines; }
  void ReceiptClosed(const Receipt& receipt, const CloseOutcome& outcome) override {
    ++closed;
    // The close is durable before the printer hears of it.
    if (!HasClosedEvent(store_, receipt.id)) ++printed_before_durable;
    std::lock_guard lock(mutex);
    numbers.insert(outcome.number);
  }
  std::atomic<int> lines{0};
  std::atomic<int> closed{0};
  std::atomic<int> printed_before_durable{0};
  std::mutex mutex;
  std::set<uint64_t> numbers;

 private:
  const EventStore& store_;
};

class RegisterActorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Create(dir_.Sub("till"), {.node_name = "till-1"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    runner_ = std::make_unique<ProjectionRunner>(*store_);
    ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
    ASSERT_TRUE(runner_->CatchUp().ok());
    MasterDataService master(*store_, *runner_);
    ASSERT_TRUE(master.AddTaxRate({"A", "Standard", 1900}, "admin").ok());
    ASSERT_TRUE(master.AddArticle({"1001", "Espresso", 240, "A", "drinks", {}}, "admin").ok());
    auto pin = HashSecret("1234", 1000);
    ASSERT_TRUE(pin.ok());
    ASSERT_TRUE(master.AddUser({"alice", "Alice", UserRole::kCashier, *pin}, "admin").ok());
    ASSERT_TRUE(runner_->CatchUp().ok());
    auto service = RegisterService::Load(*store_, *runner_);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    ASSERT_TRUE((*service)->SignOn("alice", "1234").ok());
    auto observer = std::make_unique<RecordingObserver>(*store_);
    observer_ = observer.get();
    till_ = system_.spawn<caf::detached>(actors::RegisterActor, std::move(service).value(),
                                         static_cast<const EventStore*>(store_.get()),
                                         std::unique_ptr<SaleObserver>(std::move(observer)));
  }
  void TearDown() override {
    caf::anon_send_exit(till_, caf::exit_reason::user_shutdown);
    system_.await_all_actors_done();
  }

  // Sends a request and waits for its reply.
  api::ReplyMessage Ask(const std::string& request) {
    caf::scoped_actor self{system_};
    std::string bytes;
    self->request(till_, std::chrono::seconds(30), request)
        .receive([&](std::string& reply) { bytes = std::move(reply); },
                 [&](caf::error& error) { ADD_FAILURE() << system_.render(error); });
    auto reply = api::ReplyMessage::Parse(bytes);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) std::abort();
    return std::move(reply).value();
  }

  ScratchDir dir_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  RecordingObserver* observer_ = nullptr;
  caf::actor_system_config config_;
  caf::actor_system system_{config_};
  caf::actor till_;
};

TEST_F(RegisterActorTest, ConcurrentFrontEndsGetDurableReceiptsWithDenseNumbers) {
  constexpr int kFrontEnds = 8;
  constexpr int kReceiptsEach = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> front_ends;
  for (int f = 0; f < kFrontEnds; ++f) {
    front_ends.emplace_back([&, f] {
      uint64_t id = static_cast<uint64_t>(f) * 1000;
      for (int r = 0; r < kReceiptsEach; ++r) {
        auto opened = Ask(OpenRequest(++id));
        if (!opened.status().ok() || opened.reply().request_id() != id) {
          ++failures;
          return;
        }
        const std::string receipt = opened.reply().result_as_ReceiptOpened()->receipt_id()->str();
        const std::vector<std::pair<uint64_t, std::string>> steps = {
            {id + 1, AddRequest(receipt, id + 1)}, {id + 2, PayRequest(receipt, id + 2)},
            {id + 3, CloseRequest(receipt, id + 3)}};
        id += 3;
        for (const auto& [step_id, request] : steps) {
          auto reply = Ask(request);
          if (!reply.status().ok() || reply.reply().request_id() != step_id) {
            ADD_FAILURE() << reply.status().ToString();
            ++failures;
          }
        }
        // The close was acknowledged: its event is in the log already.
        if (!HasClosedEvent(*store_, receipt)) {
          ADD_FAILURE() << "receipt " << receipt << " was acknowledged before its close was durable";
          ++failures;
        }
      }
    });
  }
  for (auto& t : front_ends) t.join();
  EXPECT_EQ(failures.load(), 0);
  constexpr int kReceipts = kFrontEnds * kReceiptsEach;
  EXPECT_EQ(observer_->closed.load(), kReceipts);
  EXPECT_EQ(observer_->lines.load(), kReceipts);
  EXPECT_EQ(observer_->printed_before_durable.load(), 0);
  std::set<uint64_t> expected;
  for (uint64_t n = 1; n <= kReceipts; ++n) expected.insert(n);
  EXPECT_EQ(observer_->numbers, expected);
  auto report = VerifyChains(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST_F(RegisterActorTest, AStoreFailureAnswersEveryWaitingCommandAndStopsTheRegister) {
  auto opened = Ask(OpenRequest(1));
  ASSERT_TRUE(opened.status().ok());
  const std::string receipt = opened.reply().result_as_ReceiptOpened()->receipt_id()->str();
  store_->SetPreCommitHook([] { return Status::IoError("disk full (test)"); });
  auto added = Ask(AddRequest(receipt, 2));
  EXPECT_EQ(added.status().code(), StatusCode::kIoError);
  EXPECT_NE(added.status().message().find("not stored"), std::string::npos) << added.status().ToString();
  EXPECT_EQ(added.reply().request_id(), 2u);
  store_->SetPreCommitHook({});
  auto after = Ask(PayRequest(receipt, 3));
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(after.status().message().find("restart the till"), std::string::npos) << after.status().ToString();
  EXPECT_EQ(observer_->lines.load(), 0);  // the line never reached the display
}

}  // namespace
}  // namespace pos
