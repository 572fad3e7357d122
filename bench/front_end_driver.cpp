#include "bench/front_end_driver.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace pos::bench {

Result<double> DriveFrontEnds(size_t front_ends, size_t receipts,
                              const std::function<Status(size_t front_end, size_t receipt)>& sell) {
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  Status first_error;
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  threads.reserve(front_ends);
  for (size_t fe = 0; fe < front_ends; ++fe) {
    threads.emplace_back([&, fe] {
      while (!stop.load()) {
        const size_t receipt = next.fetch_add(1);
        if (receipt >= receipts) return;
        Status sold = sell(fe, receipt);
        if (!sold.ok()) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (first_error.ok()) first_error = sold.WithContext("front end " + std::to_string(fe));
          stop.store(true);
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!first_error.ok()) return first_error;
  return static_cast<double>(receipts) / seconds;
}

}  // namespace pos::bench
