// The one way wordmill writes times left, counts, rates and sizes in progress lines, summaries
// and reports.
#ifndef WORDMILL_BASE_FORMAT_H_
#define WORDMILL_BASE_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace wordmill {

// "H:MM:SS" (rounded to the second; hours do not wrap), or "--:--" when unknown (negative,
// NaN or over 1e8 seconds).
std::string FormatEta(double seconds);

// The time left when `fraction` (0 to 1) of the work took `elapsed` seconds at a steady pace:
// elapsed * (1 - fraction) / fraction; 0 once fraction >= 1; -1 (unknown) while fraction <= 0.
double EtaSeconds(double elapsed, double fraction);

// A count with an SI prefix: "1.23 G", "4.48 M", "12.3 k", "950" (below 1000: no prefix).
std::string FormatCount(double count);

// A rate: FormatCount(per_second) then " <unit>/s", e.g. "2.00 M tokens/s", "950 words/s".
std::string FormatRate(double per_second, absl::string_view unit);

// Bytes in decimal megabytes with one decimal: "19.7 MB".
std::string FormatMegabytes(int64_t bytes);

}  // namespace wordmill

#endif  // WORDMILL_BASE_FORMAT_H_
