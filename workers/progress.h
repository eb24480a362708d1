// Rank 0's progress line on stderr: bytes done/total, MB/s, tokens/s, ETA. On a terminal the
// line is redrawn in place twice a second; otherwise a line is printed every `interval_seconds`
// (default 10), so batch logs stay short. Counters are relaxed atomics that workers bump per
// chunk or paragraph; a background thread reads them.
#ifndef WORDMILL_WORKERS_PROGRESS_H_
#define WORDMILL_WORKERS_PROGRESS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace wordmill {

struct ProgressCounters {
  std::atomic<int64_t> bytes{0};
  std::atomic<int64_t> tokens{0};
};

class ProgressReporter {
 public:
  // `label` names the stage; `total_bytes` is this rank's share; `ranks` is shown so readers
  // know the figures are rank 0's. interval_seconds <= 0 disables the reporter.
  ProgressReporter(std::string label, int64_t total_bytes, int ranks, double interval_seconds,
                   const ProgressCounters* counters);
  ~ProgressReporter();  // Stops the thread and prints the final line.

  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // The line for the given state (exposed for tests).
  static std::string FormatLine(const std::string& label, int64_t bytes, int64_t total_bytes,
                                int64_t tokens, double seconds, int ranks);

 private:
  void Run();
  void Print(bool final);

  std::string label_;
  int64_t total_bytes_;
  int ranks_;
  double interval_seconds_;
  const ProgressCounters* counters_;
  bool in_place_ = false;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_PROGRESS_H_
