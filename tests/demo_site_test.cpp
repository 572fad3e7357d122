// The demo site, a hub and tills as real `pos` processes: deterministic in its
// seed; the hub's site totals equal the sum of the tills' Z reports; every chain
// verifies; every till's Z report equals a recomputation from its own journal;
// and no process is left behind, also when the demo is interrupted.
#include "tools/pos/demo_site.h"

#include <signal.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>

#include "adapters/serve_file.h"
#include "domain/receipt.h"
#include "engine/event_store.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/receipts_generated.h"
#include "events/register_generated.h"
#include "tests/test_support.h"
#include "tools/pos/demo_catalog.h"

namespace pos::cli {
namespace {

DemoOptions Small(const testing::ScratchDir& dir, const std::string& name, uint64_t seed) {
  DemoOptions options;
  options.root = dir.Sub(name);
  options.tills = 2;
  options.receipts_per_till = 40;
  options.articles = 50;
  options.seed = seed;
  options.pin_iterations = 1000;
  options.pos_binary = testing::BinaryDir() + "/tools/pos/pos";
  return options;
}

// No process the demo started is alive (or a zombie: all were waited for), and
// no daemon left its serve.json behind (a clean exit removes it).
void ExpectNoProcessLeft(const DemoSite& site) {
  for (pid_t pid : site.processes) {
    errno = 0;
    EXPECT_EQ(kill(pid, 0), -1) << "process " << pid << " is still there";
    EXPECT_EQ(errno, ESRCH) << "process " << pid;
  }
  for (const TillDay& till : site.tills) {
    EXPECT_FALSE(std::filesystem::exists(ServeFilePath(till.data_dir))) << till.name;
  }
  EXPECT_FALSE(std::filesystem::exists(ServeFilePath(site.hub.data_dir)));
}

TEST(DemoSiteTest, HubSiteTotalsEqualTheSumOfTheTillsZReportsAndEveryChainVerifies) {
  testing::ScratchDir dir;
  std::vector<std::string> steps;
  uint64_t last_done = 0, last_total = 0;
  DemoCallbacks callbacks;
  callbacks.step = [&](const std::string& line) { steps.push_back(line); };
  callbacks.progress = [&](uint64_t done, uint64_t total) {
    last_done = done;
    last_total = total;
  };
  DemoOptions options = Small(dir, "site", 3);
  options.tills = 3;
  auto site = RunDemoSite(options, callbacks);
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  ASSERT_EQ(site->tills.size(), 3u);
  EXPECT_EQ(site->processes.size(), 4u) << "a hub and three tills";
  ExpectNoProcessLeft(*site);
  EXPECT_EQ(last_done, 120u);
  EXPECT_EQ(last_total, 120u);
  EXPECT_FALSE(steps.empty());

  uint64_t receipts = 0, refunds = 0, cancelled = 0;
  int64_t total = 0;
  std::map<std::string, int64_t> payments;
  for (const TillDay& till : site->tills) {
    SCOPED_TRACE(till.name);
    EXPECT_TRUE(till.verification.ok) << till.verification.problem;
    // The sample catalog was imported at till-1 only: the others sold it after it came through the hub.
    EXPECT_GT(till.z.figures.receipts, 30u);
    EXPECT_GT(till.events, 0u);
    EXPECT_EQ(till.events_at_hub, till.events) << "the hub holds the till's whole chain";
    receipts += till.z.figures.receipts;
    refunds += till.z.figures.refunds;
    cancelled += till.z.figures.cancelled;
    total += till.z.figures.total;
    // The hub holds the till's Z report as the till closed it.
    int found = 0;
    for (const ZReportRecord& z : site->hub.z_reports) {
      if (z.till != till.node_id_hex) continue;
      ++found;
      EXPECT_EQ(z.z_number, till.z.z_number);
      EXPECT_EQ(z.receipts, till.z.figures.receipts);
      EXPECT_EQ(z.total, till.z.figures.total);
      EXPECT_EQ(z.counted_cash, till.z.counted_cash);
    }
    EXPECT_EQ(found, 1);
  }
  EXPECT_TRUE(site->hub.verification.ok) << site->hub.verification.problem;
  EXPECT_EQ(site->hub.site.receipts, receipts);
  EXPECT_EQ(site->hub.site.refunds, refunds);
  EXPECT_EQ(site->hub.site.cancelled, cancelled);
  EXPECT_EQ(site->hub.site.total, total);
  EXPECT_GT(total, 0);
  // Every till and the hub itself in the hub's till status.
  EXPECT_EQ(site->hub.nodes.size(), 4u);

  // The password was never an argument, and it is in a private file.
  const auto perms = std::filesystem::status(site->password_file).permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

TEST(DemoSiteTest, SameSeedGivesTheSameDayAndAnotherSeedAnotherOne) {
  testing::ScratchDir dir;
  auto first = RunDemoSite(Small(dir, "a", 7), {});
  auto second = RunDemoSite(Small(dir, "b", 7), {});
  auto other = RunDemoSite(Small(dir, "c", 8), {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_EQ(first->tills.size(), 2u);
  for (size_t i = 0; i < first->tills.size(); ++i) {
    DayFigures a = first->tills[i].z.figures;
    DayFigures b = second->tills[i].z.figures;
    EXPECT_NE(a.opened_at_us, 0);
    a.opened_at_us = b.opened_at_us = 0;  // wall time, the one thing a seed does not fix
    EXPECT_EQ(a, b) << "till " << i;
    EXPECT_EQ(first->tills[i].z.counted_cash, second->tills[i].z.counted_cash);
  }
  EXPECT_NE(first->tills[0].z.figures.total, other->tills[0].z.figures.total);
}

TEST(DemoSiteTest, RefusesANonEmptyRootAndAnUnknownMode) {
  testing::ScratchDir dir;
  DemoOptions options = Small(dir, "a", 1);
  std::filesystem::create_directories(options.root);
  std::ofstream(options.root + "/keep.txt") << "mine\n";
  auto again = RunDemoSite(options, {});
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(std::filesystem::exists(options.root + "/keep.txt"));

  DemoOptions bad_mode = Small(dir, "b", 1);
  bad_mode.mode = "everything";
  EXPECT_EQ(RunDemoSite(bad_mode, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(bad_mode.root));
}

TEST(DemoSiteTest, AnInterruptedDemoStopsEveryProcess) {
  testing::ScratchDir dir;
  DemoOptions options = Small(dir, "a", 2);
  options.receipts_per_till = 100000;
  bool selling = false;
  DemoCallbacks callbacks;
  callbacks.progress = [&](uint64_t done, uint64_t) { selling = selling || done >= 10; };
  callbacks.interrupted = [&] { return selling; };
  auto site = RunDemoSite(options, callbacks);
  ASSERT_FALSE(site.ok());
  EXPECT_EQ(site.status().code(), StatusCode::kUnavailable) << site.status().ToString();
  EXPECT_TRUE(selling);
  // Every daemon's serve.json is gone: each exited cleanly on SIGTERM.
  for (const std::string name : {"hub", "till-1", "till-2"}) {
    EXPECT_FALSE(std::filesystem::exists(ServeFilePath(options.root + "/" + name))) << name;
  }
}

TEST(DemoSiteTest, ZReportEqualsRecomputationFromTheTillsOwnJournal) {
  testing::ScratchDir dir;
  auto site = RunDemoSite(Small(dir, "a", 3), {});
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  for (const TillDay& day : site->tills) {
    auto store = EventStore::Open(day.data_dir);
    ASSERT_TRUE(store.ok());
    const std::string own = (*store)->node_id();
    std::map<std::string, int64_t> gross, tax;
    std::map<uint8_t, int64_t> paid;
    int64_t total = 0;
    uint32_t receipts = 0, refunds = 0, cancelled = 0;
    std::vector<uint64_t> numbers;
    std::string closed_bytes;
    ASSERT_TRUE((*store)->ScanLog(1, UINT64_MAX, [&](uint64_t, std::string_view bytes) {
                  auto event = EventView::Parse(bytes);
                  EXPECT_TRUE(event.ok());
                  // In masterdata+receipts mode the till also holds the other tills' receipts.
                  if (event->origin() != own) return true;
                  if (event->type() == static_cast<uint32_t>(EventType::kReceiptClosed)) {
                    const auto* p = event->PayloadAs<fb::ReceiptClosed>();
                    ++receipts;
                    refunds += p->refund_of_number() != 0;
                    total += p->total();
                    numbers.push_back(p->number());
                    for (const auto* t : *p->tax_lines()) {
                      gross[t->tax_rate()->str()] += t->gross();
                      tax[t->tax_rate()->str()] += t->tax();
                    }
                    for (const auto* pay : *p->payments()) paid[static_cast<uint8_t>(pay->type())] += pay->amount();
                  } else if (event->type() == static_cast<uint32_t>(EventType::kReceiptCancelled)) {
                    ++cancelled;
                  } else if (event->type() == static_cast<uint32_t>(EventType::kDayClosed)) {
                    closed_bytes = std::string(bytes);
                  }
                  return true;
                }).ok());
    ASSERT_FALSE(closed_bytes.empty());
    auto closed_view = EventView::Parse(closed_bytes);
    const fb::DayClosed* closed = closed_view->PayloadAs<fb::DayClosed>();
    ASSERT_NE(closed, nullptr);
    EXPECT_EQ(closed->receipts(), receipts);
    EXPECT_EQ(closed->refunds(), refunds);
    EXPECT_EQ(closed->cancelled(), cancelled);
    EXPECT_EQ(closed->total(), total);
    EXPECT_EQ(closed->total(), day.z.figures.total);
    for (const auto* t : *closed->tax_lines()) {
      EXPECT_EQ(t->gross(), gross[t->tax_rate()->str()]);
      EXPECT_EQ(t->tax(), tax[t->tax_rate()->str()]);
    }
    for (const auto* p : *closed->payments()) EXPECT_EQ(p->amount(), paid[static_cast<uint8_t>(p->type())]);
    for (size_t i = 0; i < numbers.size(); ++i) EXPECT_EQ(numbers[i], i + 1) << "receipt numbers are dense";
    EXPECT_EQ(closed->first_receipt(), 1u);
    EXPECT_EQ(closed->last_receipt(), numbers.size());
  }
}

}  // namespace
}  // namespace pos::cli
