#include "pipeline/usage_meter.h"

#include <sys/resource.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace wordmill {
namespace {

double CpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec * 1e-6;
}

int64_t VmHwmBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (!absl::StartsWith(line, "VmHWM:")) continue;
    int64_t kb = 0;
    std::string digits;
    for (char c : line) {
      if (c >= '0' && c <= '9') digits += c;
    }
    return absl::SimpleAtoi(digits, &kb) ? kb * 1024 : 0;
  }
  return 0;
}

}  // namespace

UsageMeter::UsageMeter() {
  // Writing 5 to clear_refs resets VmHWM (Linux >= 4.0), so the peak is the stage's own.
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  reset_ = clear.good();
  cpu_start_ = CpuSeconds();
}

RankUsage UsageMeter::Finish() const {
  RankUsage usage;
  usage.set_cpu_seconds(CpuSeconds() - cpu_start_);
  int64_t peak = reset_ ? VmHwmBytes() : 0;
  if (peak <= 0) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    peak = static_cast<int64_t>(ru.ru_maxrss) * 1024;
  }
  usage.set_peak_rss_bytes(peak);
  return usage;
}

}  // namespace wordmill
