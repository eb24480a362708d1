#include "base/format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace wordmill {

std::string FormatEta(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "--:--";
  const int64_t left = static_cast<int64_t>(seconds + 0.5);
  return absl::StrFormat("%d:%02d:%02d", left / 3600, left / 60 % 60, left % 60);
}

double EtaSeconds(double elapsed, double fraction) {
  if (!(fraction > 0)) return -1;
  if (fraction >= 1) return 0;
  return elapsed * (1 - fraction) / fraction;
}

std::string FormatCount(double count) {
  if (count >= 1e9) return absl::StrFormat("%.2f G", count / 1e9);
  if (count >= 1e6) return absl::StrFormat("%.2f M", count / 1e6);
  if (count >= 1e3) return absl::StrFormat("%.1f k", count / 1e3);
  return absl::StrFormat("%.0f", count);
}

std::string FormatRate(double per_second, absl::string_view unit) {
  return absl::StrCat(FormatCount(per_second), " ", unit, "/s");
}

std::string FormatMegabytes(int64_t bytes) { return absl::StrFormat("%.1f MB", bytes / 1e6); }

}  // namespace wordmill
