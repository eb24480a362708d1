// A HyperLogLog sketch (2^14 registers, ~0.8% standard error) of distinct words. The
// vocabulary stage reports the number of distinct words before memory-budget pruning from it:
// pruned words are gone from the tables, but not from the sketch. Sketches merge by taking
// register maxima, so thread and rank sketches combine exactly.
#ifndef WORDMILL_WORKERS_DISTINCT_SKETCH_H_
#define WORDMILL_WORKERS_DISTINCT_SKETCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace wordmill {

class DistinctSketch {
 public:
  static constexpr int kPrecision = 14;
  DistinctSketch() : registers_(size_t{1} << kPrecision, 0) {}

  void Add(absl::string_view word);
  void Merge(const DistinctSketch& other);
  double Estimate() const;

  // Registers as bytes, to combine across ranks.
  const std::vector<uint8_t>& registers() const { return registers_; }
  std::vector<uint8_t>& mutable_registers() { return registers_; }

 private:
  std::vector<uint8_t> registers_;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_DISTINCT_SKETCH_H_
