// One thread's co-occurrence accumulator: a dense array for pairs of frequent words and a
// sparse buffer of records for the rest (GloVe's cooccur "lookup" + overflow buffer).
//
// The dense region holds the pairs (i, j) with (i + 1) * (j + 1) <= dense_product: row i is
// stored for columns j < dense_product / (i + 1), so the most frequent words keep long rows and
// rarer words short ones, which is where the mass of a Zipfian corpus is. Everything else is
// appended to a fixed-capacity buffer that the caller sorts, combines and ships out when it
// fills; nothing in Add() allocates.
#ifndef WORDMILL_WORKERS_COOCCUR_ACCUMULATOR_H_
#define WORDMILL_WORKERS_COOCCUR_ACCUMULATOR_H_

#include <cstdint>
#include <vector>

#include "workers/cooccur_record.h"
#include "workers/large_array.h"

namespace wordmill {

class CooccurAccumulator {
 public:
  // dense_product 0 disables the dense region; buffer_records >= 1 (twice that many records
  // are allocated: the buffer and the radix sort's scratch).
  CooccurAccumulator(int64_t vocab_size, int64_t dense_product, size_t buffer_records);

  // The largest dense_product whose region fits in `bytes` (0 if none does).
  static int64_t DenseProductForBytes(int64_t vocab_size, int64_t bytes);
  // Entries (doubles) of the dense region for `dense_product`.
  static int64_t DenseEntries(int64_t vocab_size, int64_t dense_product);

  void Add(int32_t i, int32_t j, double x) {
    if (i < dense_rows_) {
      const int64_t offset = dense_offsets_[i] + j;
      if (offset < dense_offsets_[i + 1]) {
        dense_[offset] += x;
        return;
      }
    }
    buffer_[buffer_size_++] = CooccurRecord{i, j, x};
  }

  size_t buffer_size() const { return buffer_size_; }
  size_t buffer_capacity() const { return buffer_.size(); }
  const CooccurRecord* buffer() const { return buffer_.data(); }
  // Sorts the buffer by (i, j) and combines duplicates.
  void CombineBuffer() {
    buffer_size_ = SortAndCombine(buffer_.data(), scratch_.data(), buffer_size_, vocab_size_);
  }
  void ClearBuffer() { buffer_size_ = 0; }

  // Adds the other accumulator's dense region (same shape) into this one.
  void AddDense(const CooccurAccumulator& other);
  // Moves the non-zero dense entries, in (i, j) order from *cursor on, into the (empty) buffer
  // until it is full or the region ends; advances *cursor. Returns true if entries remain.
  bool EmitDense(int64_t* cursor);
  int64_t dense_entries() const { return static_cast<int64_t>(dense_.size()); }

 private:
  int64_t vocab_size_;
  int32_t dense_rows_ = 0;
  std::vector<int64_t> dense_offsets_;  // dense_rows_ + 1 entries
  LargeArray<double> dense_;            // zero pages until written
  LargeArray<CooccurRecord> buffer_;
  LargeArray<CooccurRecord> scratch_;
  size_t buffer_size_ = 0;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_COOCCUR_ACCUMULATOR_H_
