// The dense parameters of an RNN model as one flat float vector with named matrix blocks.
//
// One vector makes the parameter-wide operations one loop or one call each: the gradient
// all-reduce across ranks, the sum over threads, Adam, the gradient norm, the checkpoint.
// Blocks are column-major Eigen matrices at fixed offsets (ParamLayout::Map). The embedding
// matrix is not in here: it is large and updated by rows (embeddings/rnn_network.h).
#ifndef WORDMILL_EMBEDDINGS_RNN_PARAMS_H_
#define WORDMILL_EMBEDDINGS_RNN_PARAMS_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "Eigen/Core"

namespace wordmill {

using RnnMatrix = Eigen::MatrixXf;  // column-major float32 throughout
using RnnMap = Eigen::Map<RnnMatrix>;
using RnnConstMap = Eigen::Map<const RnnMatrix>;
// Parameter-sized vectors are aligned as Eigen's own matrices (32 bytes with AVX): Eigen's
// vectorized tanh, logistic and sqrt differ in the last bits from the scalar code that handles
// an unaligned head, so equal alignment everywhere keeps results identical across runs and ranks.
using RnnVector = std::vector<float, Eigen::aligned_allocator<float>>;

struct ParamBlock {
  std::string name;  // e.g. "layer0.fwd.w", named as PyTorch's modules where one exists
  int rows = 0;
  int cols = 0;
  int64_t offset = 0;  // in floats from the start of the vector
};

class ParamLayout {
 public:
  // Appends a rows x cols block; returns its index.
  int Add(const std::string& name, int rows, int cols) {
    blocks_.push_back({name, rows, cols, size_});
    size_ += static_cast<int64_t>(rows) * cols;
    return static_cast<int>(blocks_.size()) - 1;
  }
  int64_t size() const { return size_; }
  int block_count() const { return static_cast<int>(blocks_.size()); }
  const ParamBlock& block(int i) const { return blocks_[i]; }
  RnnMap Map(float* base, int i) const {
    return RnnMap(base + blocks_[i].offset, blocks_[i].rows, blocks_[i].cols);
  }
  RnnConstMap Map(const float* base, int i) const {
    return RnnConstMap(base + blocks_[i].offset, blocks_[i].rows, blocks_[i].cols);
  }

 private:
  std::vector<ParamBlock> blocks_;
  int64_t size_ = 0;
};

// splitmix64's finalizer: the seeds of shuffling, dropout masks and initialisation.
inline uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Grows *m to at least rows x cols (never shrinks, so buffers are allocated once per run, not
// per minibatch); callers use the leftCols they need.
inline void EnsureSize(RnnMatrix* m, int rows, int64_t cols) {
  if (m->rows() != rows || m->cols() < cols) {
    m->resize(rows, std::max<int64_t>(cols, m->rows() == rows ? m->cols() * 3 / 2 : cols));
  }
}

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_RNN_PARAMS_H_
