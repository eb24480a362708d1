#include "workers/cooccur_accumulator.h"

#include <algorithm>

namespace wordmill {

namespace {

int BitsFor(int64_t values) {  // bits to represent 0 .. values - 1
  int bits = 1;
  while (bits < 62 && (int64_t{1} << bits) < values) ++bits;
  return bits;
}

void RadixSort(CooccurRecord* records, CooccurRecord* scratch, size_t n, int64_t vocab_size) {
  constexpr int kDigitBits = 16;
  constexpr size_t kBuckets = size_t{1} << kDigitBits;
  const int j_bits = BitsFor(vocab_size);
  const int passes = (2 * j_bits + kDigitBits - 1) / kDigitBits;
  auto key = [j_bits](const CooccurRecord& r) {
    return uint64_t{static_cast<uint32_t>(r.i)} << j_bits | static_cast<uint32_t>(r.j);
  };
  std::vector<size_t> offsets(kBuckets);
  CooccurRecord* from = records;
  CooccurRecord* to = scratch;
  for (int pass = 0; pass < passes; ++pass) {
    const int shift = pass * kDigitBits;
    std::fill(offsets.begin(), offsets.end(), 0);
    for (size_t k = 0; k < n; ++k) ++offsets[(key(from[k]) >> shift) & (kBuckets - 1)];
    size_t sum = 0;
    for (size_t& o : offsets) {
      const size_t count = o;
      o = sum;
      sum += count;
    }
    for (size_t k = 0; k < n; ++k)
      to[offsets[(key(from[k]) >> shift) & (kBuckets - 1)]++] = from[k];
    std::swap(from, to);
  }
  if (from != records) std::copy(from, from + n, records);
}

}  // namespace

size_t SortAndCombine(CooccurRecord* records, CooccurRecord* scratch, size_t n,
                      int64_t vocab_size) {
  if (n == 0) return 0;
  RadixSort(records, scratch, n, vocab_size);
  size_t out = 0;
  for (size_t k = 1; k < n; ++k) {
    if (records[k].i == records[out].i && records[k].j == records[out].j) {
      records[out].x += records[k].x;
    } else {
      records[++out] = records[k];
    }
  }
  return out + 1;
}

std::vector<int32_t> AssignRowOwners(const std::vector<int64_t>& counts, int window, int ranks) {
  std::vector<int32_t> owners(counts.size(), 0);
  if (ranks <= 1) return owners;
  const double vocab = static_cast<double>(counts.size());
  std::vector<double> load(ranks, 0.0);
  // Ids are in count-descending order, so this is the longest-processing-time-first greedy.
  for (size_t i = 0; i < counts.size(); ++i) {
    const double pairs = std::min(static_cast<double>(counts[i]) * 2.0 * window, vocab);
    const int r = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    owners[i] = r;
    load[r] += std::max(pairs, 1.0);
  }
  return owners;
}

int64_t CooccurAccumulator::DenseEntries(int64_t vocab_size, int64_t dense_product) {
  int64_t entries = 0;
  const int64_t rows = std::min(vocab_size, dense_product);
  for (int64_t i = 0; i < rows; ++i) entries += std::min(vocab_size, dense_product / (i + 1));
  return entries;
}

int64_t CooccurAccumulator::DenseProductForBytes(int64_t vocab_size, int64_t bytes) {
  const int64_t max_entries = bytes / static_cast<int64_t>(sizeof(double));
  int64_t lo = 0, hi = vocab_size * vocab_size;
  while (lo < hi) {  // the largest product whose region fits
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (DenseEntries(vocab_size, mid) <= max_entries) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

CooccurAccumulator::CooccurAccumulator(int64_t vocab_size, int64_t dense_product,
                                       size_t buffer_records)
    : vocab_size_(vocab_size),
      buffer_(std::max<size_t>(buffer_records, 1)),
      scratch_(buffer_.size()) {
  dense_rows_ = static_cast<int32_t>(std::min(vocab_size, std::max<int64_t>(dense_product, 0)));
  dense_offsets_.assign(dense_rows_ + 1, 0);
  for (int32_t i = 0; i < dense_rows_; ++i) {
    dense_offsets_[i + 1] = dense_offsets_[i] + std::min(vocab_size, dense_product / (i + 1));
  }
  dense_ = LargeArray<double>(static_cast<size_t>(dense_offsets_[dense_rows_]));
}

void CooccurAccumulator::AddDense(const CooccurAccumulator& other) {
  for (size_t k = 0; k < dense_.size(); ++k) dense_[k] += other.dense_[k];
}

bool CooccurAccumulator::EmitDense(int64_t* cursor) {
  buffer_size_ = 0;
  // Rows are found by binary search once per call; then walked in order.
  int32_t i =
      static_cast<int32_t>(std::upper_bound(dense_offsets_.begin(), dense_offsets_.end(), *cursor) -
                           dense_offsets_.begin() - 1);
  const int64_t end = static_cast<int64_t>(dense_.size());
  int64_t k = *cursor;
  for (; k < end && buffer_size_ < buffer_.size(); ++k) {
    while (k >= dense_offsets_[i + 1]) ++i;
    if (dense_[k] != 0.0) {
      buffer_[buffer_size_++] =
          CooccurRecord{i, static_cast<int32_t>(k - dense_offsets_[i]), dense_[k]};
    }
  }
  *cursor = k;
  return k < end;
}

}  // namespace wordmill
