#include "base/timing.h"

#include "gtest/gtest.h"

namespace wordmill {
namespace {

// No timing assertions: only what holds on any machine (a steady clock never goes back).
TEST(TimingTest, SecondsSinceAPointInThePastIsNotNegative) {
  const SteadyClock::time_point start = SteadyClock::now();
  EXPECT_GE(SecondsSince(start), 0.0);
  EXPECT_LT(SecondsSince(SteadyClock::now() + std::chrono::hours(1)), 0.0);
  EXPECT_DOUBLE_EQ(ToSeconds(std::chrono::milliseconds(1500)), 1.5);
}

TEST(TimingTest, StopwatchLapsRestart) {
  Stopwatch watch;
  const SteadyClock::time_point first = watch.start();
  EXPECT_GE(watch.Lap(), 0.0);
  EXPECT_GE(watch.start(), first);
  watch.Restart();
  EXPECT_GE(watch.Seconds(), 0.0);
}

TEST(TimingTest, ScopedSecondsAddsToTheTotal) {
  double total = 2.0;
  { ScopedSeconds timed(&total); }
  EXPECT_GE(total, 2.0);
  const double after_one = total;
  { ScopedSeconds timed(&total); }
  EXPECT_GE(total, after_one);
}

}  // namespace
}  // namespace wordmill
