// Wall time: seconds since a steady-clock point, a stopwatch, and a scope that adds its
// duration to a total.
#ifndef WORDMILL_BASE_TIMING_H_
#define WORDMILL_BASE_TIMING_H_

#include <chrono>

namespace wordmill {

using SteadyClock = std::chrono::steady_clock;

// Seconds (fractional) from `start` to now.
inline double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Seconds of a steady-clock duration.
inline double ToSeconds(SteadyClock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Measures wall time from its construction (or the last Restart/Lap).
class Stopwatch {
 public:
  Stopwatch() : start_(SteadyClock::now()) {}

  double Seconds() const { return SecondsSince(start_); }
  SteadyClock::time_point start() const { return start_; }
  void Restart() { start_ = SteadyClock::now(); }
  // The seconds since the start, and restarts: consecutive laps time consecutive phases.
  double Lap() {
    const SteadyClock::time_point now = SteadyClock::now();
    const double seconds = std::chrono::duration<double>(now - start_).count();
    start_ = now;
    return seconds;
  }

 private:
  SteadyClock::time_point start_;
};

// Adds the wall seconds of its scope to *total when it ends.
class ScopedSeconds {
 public:
  explicit ScopedSeconds(double* total) : total_(total) {}
  ~ScopedSeconds() { *total_ += watch_.Seconds(); }

  ScopedSeconds(const ScopedSeconds&) = delete;
  ScopedSeconds& operator=(const ScopedSeconds&) = delete;

 private:
  double* total_;
  Stopwatch watch_;
};

}  // namespace wordmill

#endif  // WORDMILL_BASE_TIMING_H_
