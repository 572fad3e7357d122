#include "tools/pos/progress_bar.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace pos::cli {
namespace {

std::string Human(double value) {
  char text[32];
  if (value >= 1e6) {
    std::snprintf(text, sizeof text, "%.1fM", value / 1e6);
  } else if (value >= 1e4) {
    std::snprintf(text, sizeof text, "%.0fk", value / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.0f", value);
  }
  return text;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      terminal_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::ProgressBar(std::string label, bool enabled, std::string unit)
    : ProgressBar(std::move(label), enabled) {
  unit_ = std::move(unit);
}

void ProgressBar::Update(uint64_t done, uint64_t total) {
  done_ = done;
  total_ = total;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(2000);
  if (now - last_draw_ < interval) return;
  last_draw_ = now;
  Draw(done, total, false);
}

double ProgressBar::Finish() {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (enabled_ && total_ > 0) Draw(done_, total_, true);  // nothing was reported: no bar
  return seconds;
}

void ProgressBar::Draw(uint64_t done, uint64_t total, bool final_line) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  constexpr int kWidth = 24;
  std::string bar(static_cast<size_t>(fraction * kWidth), '#');
  bar.resize(kWidth, ' ');
  std::string eta = "-";
  if (rate > 0 && done < total) eta = std::to_string(static_cast<long long>(static_cast<double>(total - done) / rate)) + "s";
  std::fprintf(stderr, "%s%-8s [%s] %3d%%  %s/%s %s  %s/s  ETA %s%s", terminal_ ? "\r" : "", label_.c_str(),
               bar.c_str(), static_cast<int>(fraction * 100), Human(static_cast<double>(done)).c_str(),
               Human(static_cast<double>(total)).c_str(), unit_.c_str(), Human(rate).c_str(), eta.c_str(),
               (final_line || !terminal_) ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace pos::cli
