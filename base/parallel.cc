#include "base/parallel.h"

#include <chrono>

namespace wordmill {

namespace parallel_internal {

absl::Status FirstError(const std::vector<absl::Status>& status) {
  for (const absl::Status& s : status) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace parallel_internal

bool ThreadFanOut::WaitFor(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  return finished_cv_.wait_for(lock, std::chrono::duration<double>(seconds),
                               [this] { return finished_ == threads_.size(); });
}

absl::Status ThreadFanOut::Join() {
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return parallel_internal::FirstError(status_);
}

}  // namespace wordmill
