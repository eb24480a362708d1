#include "workers/distinct_sketch.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>

namespace wordmill {

void DistinctSketch::Add(absl::string_view word) {
  const uint64_t hash = XXH3_64bits(word.data(), word.size());
  const size_t index = hash >> (64 - kPrecision);
  // Rank of the first 1 bit in the remaining bits (1-based); the sentinel bit bounds it.
  const uint64_t rest = (hash << kPrecision) | (uint64_t{1} << (kPrecision - 1));
  const uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
  registers_[index] = std::max(registers_[index], rank);
}

void DistinctSketch::Merge(const DistinctSketch& other) {
  for (size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
}

double DistinctSketch::Estimate() const {
  const double m = static_cast<double>(registers_.size());
  double sum = 0;
  int zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  const double alpha = 0.7213 / (1 + 1.079 / m);
  const double raw = alpha * m * m / sum;
  // Linear counting is more accurate while many registers are still empty.
  if (raw <= 2.5 * m && zeros > 0) return m * std::log(m / zeros);
  return raw;
}

}  // namespace wordmill
