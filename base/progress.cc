#include "base/progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/format.h"
#include "base/timing.h"

namespace wordmill {

std::string FormatProgressLine(absl::string_view label, absl::string_view body, double eta_seconds,
                               absl::string_view scope) {
  return absl::StrCat(label, ": ", body, " ETA ", FormatEta(eta_seconds), " [", scope, "]");
}

std::string RankZeroScope(int ranks) { return absl::StrCat("rank 0 of ", ranks); }

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
  const double seconds = SecondsSince(start_);
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
  const double fraction = total_bytes > 0 ? static_cast<double>(bytes) / total_bytes : 1.0;
  const std::string body =
      absl::StrFormat("%.1f/%.1f MB (%.1f%%) %.1f MB/s %s", bytes / 1e6, total_bytes / 1e6,
                      100.0 * fraction, seconds > 0 ? bytes / 1e6 / seconds : 0.0,
                      FormatRate(seconds > 0 ? tokens / seconds : 0.0, "tokens"));
  return FormatProgressLine(label, body, EtaSeconds(seconds, fraction),
                            scope.empty() ? RankZeroScope(ranks) : scope);
}

}  // namespace wordmill
