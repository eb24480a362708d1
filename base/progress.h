// Rank 0's progress lines on stderr, in one format for every stage:
//
//   <label>: <what is done, rates, stage figures> ETA H:MM:SS [<scope>]
//
// e.g. "vocab: 50.0/200.0 MB (25.0%) 5.0 MB/s 2.00 M tokens/s ETA 0:00:30 [rank 0 of 2]".
// On a terminal the line is redrawn in place twice a second; otherwise a line is printed every
// `interval_seconds` (default 10), so batch logs stay short. Counters are relaxed atomics that
// workers bump per chunk or paragraph; a background thread reads them and formats the line.
//
// ProgressLine is the generic part (any line, e.g. the co-occurrence stage's phases);
// ProgressReporter is the reading stages' line: bytes done/total, MB/s, tokens/s, ETA.
#ifndef WORDMILL_BASE_PROGRESS_H_
#define WORDMILL_BASE_PROGRESS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"

namespace wordmill {

// The line "<label>: <body> ETA H:MM:SS [<scope>]" (eta_seconds < 0: "--:--"; FormatEta).
std::string FormatProgressLine(absl::string_view label, absl::string_view body, double eta_seconds,
                               absl::string_view scope);

// The scope of a line whose figures are rank 0's: "rank 0 of <ranks>".
std::string RankZeroScope(int ranks);

class ProgressLine {
 public:
  // Returns the line for `seconds` since the start.
  using Formatter = std::function<std::string(double seconds)>;

  // interval_seconds <= 0 disables the line. With `print_final` the destructor also prints the
  // last state when stderr is not a terminal (one closing line per phase in batch logs).
  ProgressLine(double interval_seconds, bool print_final, Formatter format);
  ~ProgressLine();  // Stops the thread and prints the final line.

  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  void Run();
  void Print(bool final);

  double interval_seconds_;
  bool print_final_;
  Formatter format_;
  bool in_place_ = false;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

struct ProgressCounters {
  std::atomic<int64_t> bytes{0};
  std::atomic<int64_t> tokens{0};
};

class ProgressReporter {
 public:
  // `label` names the stage; `total_bytes` is this rank's share; `ranks` is shown so readers
  // know the figures are rank 0's. interval_seconds <= 0 disables the reporter. `print_final`
  // as in ProgressLine. A non-empty `scope` replaces "rank 0 of N" at the end of the line, for
  // counters that several ranks share (e.g. "ranks 0-1 of 2 on this host").
  ProgressReporter(std::string label, int64_t total_bytes, int ranks, double interval_seconds,
                   const ProgressCounters* counters, bool print_final = false,
                   std::string scope = "");

  // The line for the given state (exposed for tests).
  static std::string FormatLine(const std::string& label, int64_t bytes, int64_t total_bytes,
                                int64_t tokens, double seconds, int ranks,
                                const std::string& scope = "");

 private:
  ProgressLine line_;
};

}  // namespace wordmill

#endif  // WORDMILL_BASE_PROGRESS_H_
