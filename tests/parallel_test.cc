#include "base/parallel.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace wordmill {
namespace {

TEST(ParallelTest, RunThreadsRunsEachIndexOnceWithIndexZeroOnTheCaller) {
  for (int n : {0, 1, 2, 5}) {
    std::vector<std::atomic<int>> runs(n);
    std::vector<std::thread::id> ids(n);
    RunThreads(n, [&](int t) {
      ++runs[t];
      ids[t] = std::this_thread::get_id();
    });
    for (int t = 0; t < n; ++t) EXPECT_EQ(runs[t].load(), 1) << "n " << n << " t " << t;
    if (n > 0) {
      EXPECT_EQ(ids[0], std::this_thread::get_id());
    }
    for (int t = 1; t < n; ++t) EXPECT_NE(ids[t], std::this_thread::get_id());
  }
}

TEST(ParallelTest, RunThreadsReturnsTheFirstErrorInIndexOrder) {
  std::atomic<int> ran{0};
  const absl::Status s = RunThreads(4, [&](int t) {
    ++ran;
    if (t == 3) return absl::InternalError("three");
    if (t == 1) return absl::DataLossError("one");
    return absl::OkStatus();
  });
  EXPECT_EQ(s, absl::DataLossError("one"));
  EXPECT_EQ(ran.load(), 4);  // every thread runs to its end
  EXPECT_TRUE(RunThreads(3, [](int) { return absl::OkStatus(); }).ok());
}

TEST(ParallelTest, FanOutRunsOnNewThreadsAndJoins) {
  std::vector<std::atomic<int>> runs(3);
  std::atomic<bool> release{false};
  ThreadFanOut fan_out(3, [&](int t) {
    EXPECT_NE(std::this_thread::get_id(), std::thread::id());
    while (!release.load()) std::this_thread::yield();
    ++runs[t];
    return t == 2 ? absl::NotFoundError("two") : absl::OkStatus();
  });
  EXPECT_FALSE(fan_out.WaitFor(0.01));  // held until released
  release = true;
  while (!fan_out.WaitFor(0.05)) {
  }
  EXPECT_EQ(fan_out.Join(), absl::NotFoundError("two"));
  EXPECT_EQ(fan_out.Join(), absl::NotFoundError("two"));  // joining again is harmless
  for (int t = 0; t < 3; ++t) EXPECT_EQ(runs[t].load(), 1);
}

TEST(ParallelTest, FanOutOfVoidCallbacksJoinsOnDestruction) {
  std::atomic<int> sum{0};
  {
    ThreadFanOut fan_out(4, [&](int t) { sum += t + 1; });
  }
  EXPECT_EQ(sum.load(), 10);
}

}  // namespace
}  // namespace wordmill
