#include "workers/progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace wordmill {

std::string FormatEta(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "--:--";
  const int64_t left = static_cast<int64_t>(seconds + 0.5);
  return absl::StrFormat("%d:%02d:%02d", left / 3600, left / 60 % 60, left % 60);
}

ProgressLine::ProgressLine(double interval_seconds, bool print_final, Formatter format)
    : interval_seconds_(interval_seconds),
      print_final_(print_final),
      format_(std::move(format)),
      start_(std::chrono::steady_clock::now()) {
  if (interval_seconds_ <= 0) return;
  in_place_ = isatty(STDERR_FILENO);
  if (in_place_) interval_seconds_ = 0.5;
  thread_ = std::thread([this] { Run(); });
}

ProgressLine::~ProgressLine() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  Print(/*final=*/true);
}

void ProgressLine::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto interval = std::chrono::duration<double>(interval_seconds_);
  while (!wake_.wait_for(lock, interval, [this] { return stop_; })) Print(/*final=*/false);
}

void ProgressLine::Print(bool final) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string line = format_(seconds);
  if (in_place_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  } else if (!final || print_final_) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

ProgressReporter::ProgressReporter(std::string label, int64_t total_bytes, int ranks,
                                   double interval_seconds, const ProgressCounters* counters,
                                   bool print_final, std::string scope)
    : line_(interval_seconds, print_final,
            [label = std::move(label), total_bytes, ranks, counters,
             scope = std::move(scope)](double seconds) {
              return FormatLine(label, counters->bytes.load(std::memory_order_relaxed), total_bytes,
                                counters->tokens.load(std::memory_order_relaxed), seconds, ranks,
                                scope);
            }) {}

std::string ProgressReporter::FormatLine(const std::string& label, int64_t bytes,
                                         int64_t total_bytes, int64_t tokens, double seconds,
                                         int ranks, const std::string& scope) {
  const double mb = bytes / 1e6;
  const double rate = seconds > 0 ? mb / seconds : 0;
  const double percent = total_bytes > 0 ? 100.0 * bytes / total_bytes : 100.0;
  std::string eta = "--:--";
  if (bytes > 0 && total_bytes > bytes) {
    eta = FormatEta(
        static_cast<double>(static_cast<int64_t>(seconds * (total_bytes - bytes) / bytes)));
  } else if (bytes >= total_bytes) {
    eta = "0:00:00";
  }
  return absl::StrFormat("%s: %.1f/%.1f MB (%.1f%%) %.1f MB/s %.2f M tokens/s ETA %s [%s]", label,
                         mb, total_bytes / 1e6, percent, rate,
                         seconds > 0 ? tokens / seconds / 1e6 : 0.0, eta,
                         scope.empty() ? absl::StrCat("rank 0 of ", ranks) : scope);
}

}  // namespace wordmill
