// The RNN trainers' optimizers: Adam (PyTorch's formula) and SGD over the dense parameter vector
// and, sparsely, over the embedding columns a minibatch touched; gradient-norm clipping; the
// learning-rate schedule (lr * lr_decay^epoch).
//
// Embedding rows follow "lazy" Adam: only the touched rows' moments are updated, with the global
// step count for the bias correction (PyTorch's dense Adam would also move untouched rows by
// their momentum; with fine-tuning on small data the difference is in the noise).
#ifndef WORDMILL_EMBEDDINGS_RNN_OPTIMIZER_H_
#define WORDMILL_EMBEDDINGS_RNN_OPTIMIZER_H_

#include <cstdint>
#include <vector>

#include "embeddings/rnn_params.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct RnnOptimizerState {
  int64_t steps = 0;
  RnnVector m, v;          // Adam's moments of the dense parameters
  RnnMatrix row_m, row_v;  // ... of the embedding (dim x vocab; empty when frozen or SGD)
};

class RnnOptimizer {
 public:
  // dim x vocab: the embedding's shape when it is trained (0 x 0 when frozen).
  RnnOptimizer(const RnnSpec& spec, int64_t dense_size, int dim, int vocab);

  // The learning rate of `epoch` (0-based).
  float LearningRate(int epoch) const;

  // min(1, clip / sqrt(squared_norm)); 1 without clipping.
  float ClipScale(double squared_norm) const;

  // One update with gradient * grad_scale: the dense parameters, and embedding column rows[k]
  // from column k of row_grads.
  void Step(float lr, float grad_scale, float* params, const float* grads, RnnMatrix* embedding,
            const RnnMatrix& row_grads, const std::vector<int32_t>& rows);

  RnnOptimizerState& state() { return state_; }

 private:
  const bool adam_;
  const float clip_;
  const int64_t dense_size_;
  float lr_, decay_;
  RnnOptimizerState state_;
};

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_RNN_OPTIMIZER_H_
