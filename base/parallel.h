// Thread fan-out: run fn(t) for t = 0 .. n-1 on n threads and join.
//
//   RunThreads(n, [&](int t) { Count(slice[t]); });                 // void callbacks
//   absl::Status s = RunThreads(n, [&](int t) { return Train(t); });  // Status callbacks
//
// RunThreads runs t = 0 on the calling thread (n <= 1: no thread is started). With callbacks
// returning absl::Status every thread runs to its end and the first error in index order is
// returned. ThreadFanOut starts all n on new threads and leaves the calling thread free, e.g.
// to print progress until they finish.
#ifndef WORDMILL_BASE_PARALLEL_H_
#define WORDMILL_BASE_PARALLEL_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace wordmill {

namespace parallel_internal {

// The first error of `status` in index order, or OK.
absl::Status FirstError(const std::vector<absl::Status>& status);

}  // namespace parallel_internal

template <typename Fn>
auto RunThreads(int n, Fn&& fn) -> decltype(fn(0)) {
  using Result = decltype(fn(0));
  static_assert(std::is_void_v<Result> || std::is_same_v<Result, absl::Status>,
                "RunThreads callbacks return void or absl::Status");
  if constexpr (std::is_void_v<Result>) {
    std::vector<std::thread> threads;
    threads.reserve(n > 1 ? n - 1 : 0);
    for (int t = 1; t < n; ++t) threads.emplace_back([&fn, t] { fn(t); });
    if (n > 0) fn(0);
    for (std::thread& thread : threads) thread.join();
  } else {
    std::vector<absl::Status> status(n > 0 ? n : 0);
    RunThreads(n, [&](int t) { status[t] = fn(t); });
    return parallel_internal::FirstError(status);
  }
}

class ThreadFanOut {
 public:
  // Starts fn(t) for t = 0 .. n-1, each on a new thread. fn returns void or absl::Status.
  template <typename Fn>
  ThreadFanOut(int n, Fn fn) : status_(n > 0 ? n : 0) {
    threads_.reserve(status_.size());
    for (int t = 0; t < n; ++t) {
      threads_.emplace_back([this, fn, t] {
        absl::Status s;
        if constexpr (std::is_void_v<decltype(fn(t))>) {
          fn(t);
        } else {
          s = fn(t);
        }
        std::lock_guard<std::mutex> lock(mutex_);
        status_[t] = std::move(s);
        ++finished_;
        finished_cv_.notify_all();
      });
    }
  }
  ~ThreadFanOut() { Join().IgnoreError(); }

  ThreadFanOut(const ThreadFanOut&) = delete;
  ThreadFanOut& operator=(const ThreadFanOut&) = delete;

  // Waits at most `seconds`; true once every thread has finished.
  bool WaitFor(double seconds);
  // Joins every thread; the first error in index order, or OK.
  absl::Status Join();

 private:
  std::vector<absl::Status> status_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable finished_cv_;
  size_t finished_ = 0;
};

}  // namespace wordmill

#endif  // WORDMILL_BASE_PARALLEL_H_
