// Crash safety of group commit: a child process appends from several threads
// and reports every acknowledged event through a pipe; the parent SIGKILLs it
// mid-flight and checks that every acknowledged event survived, the chains
// verify and the store keeps working.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/chain_verifier.h"
#include "engine/event_store.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/master_data.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using pos::testing::ScratchDir;

constexpr int kChildThreads = 4;
constexpr int kMaxAppendsPerThread = 1000000;  // never reached: the parent kills first

struct Ack {
  std::string stream;
  uint64_t stream_version = 0;
  uint64_t origin_seq = 0;
};

NewEvent ArticleChanged(int i) {
  Article article;
  article.code = "C" + std::to_string(i);
  article.name = "Crash test article " + std::to_string(i);
  article.gross_price = i;
  article.tax_rate = "STD";
  return NewEvent{EventType::kArticleChanged, EncodeArticle(article, true)};
}

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(5);  // the parent is gone
    }
    done += static_cast<size_t>(n);
  }
}

// Runs in the forked child; never returns.
[[noreturn]] void RunChild(const std::string& path, int ack_fd, int round) {
  auto opened = EventStore::Open(path);
  if (!opened.ok()) {
    WriteAll(ack_fd, "ERROR open: " + opened.status().ToString() + "\n");
    _exit(3);
  }
  EventStore& store = **opened;
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&store, ack_fd, round, t] {
      const std::string stream = "article/r" + std::to_string(round) + "-t" + std::to_string(t);
      uint64_t version = 0;  // a fresh stream per round and thread
      for (int i = 0; i < kMaxAppendsPerThread; ++i) {
        AppendBatch batch;
        batch.stream = stream;
        batch.expected_version = version;
        const int events = 1 + i % 3;
        for (int e = 0; e < events; ++e) batch.events.push_back(ArticleChanged(t * 1000000 + i * 3 + e));
        auto receipt = store.Append(std::move(batch));
        if (!receipt.ok()) {
          WriteAll(ack_fd, "ERROR append: " + receipt.status().ToString() + "\n");
          _exit(4);
        }
        // One write per acknowledged batch: far below PIPE_BUF, so atomic.
        std::string lines;
        for (int e = 0; e < events; ++e) {
          lines += stream + " " + std::to_string(version + 1 + static_cast<uint64_t>(e)) + " " +
                   std::to_string(receipt->first_origin_seq + static_cast<uint64_t>(e)) + "\n";
        }
        WriteAll(ack_fd, lines);
        version = receipt->stream_version;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  _exit(0);
}

// Parses complete lines out of `buffer` (keeping a partial tail) into `acks`.
void ParseLines(std::string& buffer, std::vector<Ack>& acks, std::vector<std::string>& errors) {
  size_t start = 0;
  for (size_t end = buffer.find('\n'); end != std::string::npos; end = buffer.find('\n', start)) {
    const std::string line = buffer.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("ERROR")) {
      errors.push_back(line);
      continue;
    }
    std::istringstream in(line);
    Ack ack;
    if (!(in >> ack.stream >> ack.stream_version >> ack.origin_seq)) {
      errors.push_back("unparsable ack line: " + line);
      continue;
    }
    acks.push_back(ack);
  }
  buffer.erase(0, start);
}

TEST(GroupCommitCrash, AcknowledgedAppendsSurviveSigkill) {
  if (const char* spec = std::getenv("POS_CRASH_CHILD")) {
    std::istringstream in(spec);
    std::string path, fd, round;
    std::getline(in, path);
    std::getline(in, fd);
    std::getline(in, round);
    RunChild(path, std::stoi(fd), std::stoi(round));
  }
  ScratchDir dir;
  const std::string path = dir.Sub("store");
  std::string node_id;
  {
    CreateStoreOptions create;
    create.node_name = "crash-till";
    auto created = EventStore::Create(path, create);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    node_id = (*created)->node_id();
  }  // closed before forking

  std::vector<Ack> all_acks;
  const size_t kill_after[] = {300, 450, 650};
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0) << "fork failed";
    if (child == 0) {
      // A fresh process image: RocksDB's thread pools do not survive fork(), so the
      // child re-executes this test binary, which sees POS_CRASH_CHILD and runs RunChild.
      ::close(fds[0]);
      const std::string spec = path + "\n" + std::to_string(fds[1]) + "\n" + std::to_string(round);
      ::setenv("POS_CRASH_CHILD", spec.c_str(), 1);
      ::execl("/proc/self/exe", "group_commit_crash_test", "--gtest_filter=GroupCommitCrash.*",
              static_cast<char*>(nullptr));
      _exit(6);
    }
    ::close(fds[1]);

    // Read acks until the threshold, then kill the child in mid-flight.
    std::vector<Ack> acks;
    std::vector<std::string> errors;
    std::string buffer;
    bool killed = false, eof = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    char chunk[4096];
    while (!eof) {
      if (!killed && (acks.size() >= kill_after[round] || !errors.empty() ||
                      std::chrono::steady_clock::now() > deadline)) {
        ::kill(child, SIGKILL);
        killed = true;
      }
      pollfd pfd{fds[0], POLLIN, 0};
      const int ready = ::poll(&pfd, 1, 1000);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) {
        ADD_FAILURE() << "poll failed: errno " << errno;
        if (!killed) ::kill(child, SIGKILL);
        killed = true;
        break;
      }
      if (ready == 0) continue;  // the deadline check above ends a stuck child
      const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof = true;
        break;
      }
      buffer.append(chunk, static_cast<size_t>(n));
      ParseLines(buffer, acks, errors);
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(errors.empty()) << errors.front();
    ASSERT_TRUE(killed) << "the child ended on its own";
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
    ASSERT_GE(acks.size(), kill_after[round]) << "round " << round << ": too few acks before the deadline";
    all_acks.insert(all_acks.end(), acks.begin(), acks.end());

    // Reopen: every acknowledged event is there, exactly as acknowledged.
    auto reopened = EventStore::Open(path);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    EventStore& store = **reopened;
    EXPECT_EQ(store.node_id(), node_id);
    std::map<uint64_t, std::pair<std::string, uint64_t>> by_origin_seq;
    uint64_t expected_seq = 1;
    Status scan = store.ScanOrigin(node_id, 1, [&](uint64_t local_seq, std::string_view bytes) {
      auto event = EventView::Parse(bytes);
      EXPECT_TRUE(event.ok());
      if (!event.ok()) return false;
      EXPECT_EQ(event->origin_seq(), expected_seq);
      EXPECT_EQ(local_seq, expected_seq);  // a single origin: local and origin seq agree
      ++expected_seq;
      by_origin_seq[event->origin_seq()] = {std::string(event->stream()), event->stream_version()};
      return true;
    });
    ASSERT_TRUE(scan.ok()) << scan.ToString();
    EXPECT_GE(store.LastSequence(), all_acks.size() + 1);  // + NodeInitialised
    EXPECT_EQ(by_origin_seq.size(), store.LastSequence());
    size_t missing = 0;
    for (const Ack& ack : all_acks) {
      auto it = by_origin_seq.find(ack.origin_seq);
      if (it == by_origin_seq.end()) {
        ++missing;
        ADD_FAILURE() << "round " << round << ": acknowledged origin_seq " << ack.origin_seq << " (" << ack.stream
                      << " v" << ack.stream_version << ") is missing";
        continue;
      }
      EXPECT_EQ(it->second.first, ack.stream) << "origin_seq " << ack.origin_seq;
      EXPECT_EQ(it->second.second, ack.stream_version) << "origin_seq " << ack.origin_seq;
      if (missing > 5) break;
    }
    // Each child stream is dense from version 1.
    for (int t = 0; t < kChildThreads; ++t) {
      const std::string stream = "article/r" + std::to_string(round) + "-t" + std::to_string(t);
      uint64_t expected_version = 1;
      ASSERT_TRUE(store
                      .ScanStream(stream, 0,
                                  [&](uint64_t, std::string_view bytes) {
                                    auto event = EventView::Parse(bytes);
                                    EXPECT_TRUE(event.ok());
                                    if (!event.ok()) return false;
                                    EXPECT_EQ(event->stream_version(), expected_version++);
                                    return true;
                                  })
                      .ok());
      auto version = store.StreamVersion(stream);
      ASSERT_TRUE(version.ok());
      EXPECT_EQ(*version, expected_version - 1);
    }

    auto report = VerifyChains(store);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->ok) << report->problem << " at local seq " << report->bad_local_seq;
    EXPECT_EQ(report->events_checked, store.LastSequence());

    // The store still takes appends, right after the recovered end.
    const uint64_t last = store.LastSequence();
    AppendBatch after;
    after.stream = "article/after-" + std::to_string(round);
    after.expected_version = kNoStream;
    after.events.push_back(ArticleChanged(round));
    auto appended = store.Append(std::move(after));
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    EXPECT_EQ(appended->first_local_seq, last + 1);
    EXPECT_EQ(appended->first_origin_seq, last + 1);
    all_acks.push_back(Ack{"article/after-" + std::to_string(round), 1, last + 1});
    auto after_report = VerifyChains(store);
    ASSERT_TRUE(after_report.ok());
    EXPECT_TRUE(after_report->ok) << after_report->problem;
    if (::testing::Test::HasFailure()) break;
  }  // the store closes here, before the next fork
}

}  // namespace
}  // namespace pos
