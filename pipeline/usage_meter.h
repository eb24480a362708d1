// Per-stage resource use of this process for the run's manifests and report: CPU seconds and
// peak resident memory (VmHWM from /proc/self/status, reset when the meter starts so the peak
// is the stage's own; the process's ru_maxrss where the reset is not supported).
#ifndef WORDMILL_PIPELINE_USAGE_METER_H_
#define WORDMILL_PIPELINE_USAGE_METER_H_

#include <cstdint>

#include "formats/wordmill.pb.h"

namespace wordmill {

class UsageMeter {
 public:
  // Starts measuring: resets the peak and records the CPU time so far.
  UsageMeter();
  // CPU seconds and peak RSS since the start.
  RankUsage Finish() const;

 private:
  bool reset_ = false;
  double cpu_start_ = 0;
};

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_USAGE_METER_H_
