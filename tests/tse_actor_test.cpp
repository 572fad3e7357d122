// The TSE actor and the register's TseProxy (actors/tse_actor.h, actors/tse_proxy.h):
// a proxy whose TSE does not answer in time reports an outage, never a failed sale.
// (A full sale through `pos serve` with the real TSE actor: tests/tse_test.cpp,
// TseDaemonTest.)
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <caf/all.hpp>

#include "actors/tse_actor.h"
#include "actors/tse_proxy.h"
#include "events/event_types.h"
#include "events/fiscal_generated.h"

namespace pos {
namespace {

// A TSE actor that takes longer than the proxy waits.
caf::behavior SlowTse(caf::event_based_actor*) {
  auto slow = [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    return actors::TseReplyPtr(std::make_shared<actors::TseReply>());
  };
  return {
      [slow](actors::tse_start_atom, const std::string&, int64_t) -> actors::TseReplyPtr { return slow(); },
      [slow](actors::tse_update_atom, const std::string&, const std::string&, int64_t) -> actors::TseReplyPtr {
        return slow();
      },
      [slow](actors::tse_finish_atom, const actors::FiscalReceiptPtr&, int64_t) -> actors::TseReplyPtr {
        return slow();
      },
  };
}

TEST(TseProxyTest, ATimeoutIsAnOutageNotAFailedSale) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  caf::actor tse = system.spawn<caf::detached>(SlowTse);
  actors::TseProxy proxy(system, tse, "serial", "client", std::chrono::milliseconds(100));

  auto started = proxy.StartReceipt("r1", 1'000);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  ASSERT_EQ(started->size(), 1u);
  EXPECT_EQ((*started)[0].type, EventType::kTseTransactionStarted);
  const auto* s = flatbuffers::GetRoot<fb::TseTransactionStarted>((*started)[0].payload.data());
  EXPECT_TRUE(s->outage());
  EXPECT_EQ(s->receipt_id()->str(), "r1");
  EXPECT_EQ(s->transaction_number(), 0u);

  auto updated = proxy.UpdateReceipt("r1", "Position^1001^1^", 2'000);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_TRUE(updated->empty());

  FiscalReceipt receipt;
  receipt.receipt_id = "r1";
  auto finished = proxy.FinishReceipt(receipt, 3'000);
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  ASSERT_EQ(finished->size(), 1u);
  EXPECT_EQ((*finished)[0].type, EventType::kTseTransactionFinished);
  const auto* f = flatbuffers::GetRoot<fb::TseTransactionFinished>((*finished)[0].payload.data());
  EXPECT_TRUE(f->outage());
  EXPECT_EQ(f->signature_counter(), 0u);
  EXPECT_EQ(f->qr_code()->str(), "");

  caf::anon_send_exit(tse, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
}

}  // namespace
}  // namespace pos
