// An RNN model's network: the embedding layer, stacked (optionally bidirectional) LSTM/GRU
// layers with dropout, and a head (embeddings/rnn_heads.h); or, for cell `average`, the
// averaged-embedding baseline (mean of the word vectors -> softmax).
//
// RnnNetwork is the shape (parameter layout, sizes) and is shared; RnnWorkspace holds one
// thread's buffers and runs the forward and backward passes of a padded minibatch (RnnBatch).
// The word vectors are a dim x vocab matrix (a column per word, so a word's vector is
// contiguous); its gradient goes to the columns ("slots") the caller assigned to the words of
// the minibatch, so only touched rows travel and get updated (sparse rows). Dropout masks are a
// hash of (seed, example key, site, step, unit): the same whichever rank or thread computes an
// example, so the global minibatch alone defines the result.
#ifndef WORDMILL_EMBEDDINGS_RNN_NETWORK_H_
#define WORDMILL_EMBEDDINGS_RNN_NETWORK_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "embeddings/rnn_cells.h"
#include "embeddings/rnn_heads.h"
#include "embeddings/rnn_params.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// Vocabulary ids of the embedding layer: 0 is <unk>; for lm 1 is </s>.
inline constexpr int32_t kUnkId = 0;
inline constexpr int32_t kEosId = 1;

// A padded minibatch, time-major: position (t, b) is index t * size + b.
struct RnnBatch {
  int steps = 0;                 // T: the longest example
  int size = 0;                  // B
  std::vector<int32_t> ids;      // T*B word ids; -1 padding
  std::vector<float> mask;       // T*B: 1 token, 0 padding
  std::vector<int> lengths;      // B
  std::vector<int32_t> targets;  // classify: B labels; tag, lm: T*B (-1 padding)
  std::vector<uint64_t> keys;    // B: each example's key for the dropout masks
};

// Builds a batch from examples. `targets[i]` is example i's label list: one label (classify) or
// one per token (tag, lm).
void BuildBatch(const std::vector<const std::vector<int32_t>*>& tokens,
                const std::vector<const std::vector<int32_t>*>& targets,
                const std::vector<uint64_t>& keys, bool per_token, RnnBatch* batch);

struct RnnShape {
  int vocab = 0;    // rows of the embedding matrix
  int dim = 0;      // components of a word vector
  int classes = 0;  // labels, tags or output words
};

class RnnNetwork {
 public:
  RnnNetwork(const RnnSpec& spec, const RnnShape& shape);

  const RnnSpec& spec() const { return spec_; }
  const RnnShape& shape() const { return shape_; }
  const ParamLayout& layout() const { return layout_; }
  bool per_token() const { return spec_.task() != RNN_TASK_CLASSIFY; }
  bool recurrent() const { return spec_.cell() != RNN_CELL_AVERAGE; }
  int directions() const { return spec_.bidirectional() ? 2 : 1; }
  int layers() const { return recurrent() ? spec_.layers() : 0; }
  int features() const;  // rows of the head's input
  bool tied() const { return spec_.task() == RNN_TASK_LM && spec_.tie_embeddings(); }

  // PyTorch's initialisation: every cell weight and bias uniform in +-1/sqrt(hidden), the
  // linear head's in +-1/sqrt(features); from std::mt19937_64(seed).
  RnnVector InitParams(uint64_t seed) const;

  // Blocks of layer l, direction d, and of the head (the layout's last ones).
  const CellBlocks& cell(int l, int d) const { return cells_[l * 2 + d]; }
  const HeadBlocks& head() const { return head_; }

 private:
  friend class RnnWorkspace;
  RnnSpec spec_;
  RnnShape shape_;
  ParamLayout layout_;
  std::vector<CellBlocks> cells_;  // [layer * 2 + direction]
  HeadBlocks head_;
};

class RnnWorkspace {
 public:
  explicit RnnWorkspace(const RnnNetwork& network);

  // Forward pass. With `train`, dropout is applied (masks from dropout_seed and batch.keys).
  // Returns the loss statistics; logits() then holds the gradient of the loss scaled by
  // `scale` when `gradient`.
  HeadStats Forward(const float* params, const RnnMatrix& embedding, const RnnBatch& batch,
                    bool train, uint64_t dropout_seed, float scale, bool gradient);
  // Backward pass of the last Forward (which had gradient = true): adds the dense gradients
  // into dense_grads and each word's vector gradient into column slot_of[id] of *row_grads
  // (slot_of null or slot -1: the word gets none; frozen embeddings pass row_grads = null).
  // For a tied lm the output side's gradient goes to *row_grads directly (dim x vocab).
  void Backward(const float* params, const RnnMatrix& embedding, const RnnBatch& batch,
                const int32_t* slot_of, float* dense_grads, RnnMatrix* row_grads);

  // classes x B (classify) or classes x T*B (tag, lm) of the last Forward (with gradient:
  // turned into the gradient).
  RnnMatrix& logits();

 private:
  void Dropout(int site, const RnnBatch& batch, uint64_t seed, RnnMatrix* x);

  const RnnNetwork& net_;
  std::vector<std::unique_ptr<RecurrentLayer>> cells_;  // [layer * 2 + direction]
  std::unique_ptr<ClassifierHead> classifier_;
  std::unique_ptr<TokenHead> token_head_;
  std::vector<RnnMatrix> in_;     // in_[l]: input of layer l (in_[layers]: the head's), dropped
  std::vector<RnnMatrix> masks_;  // dropout masks of in_[l] (empty: none)
  std::vector<RnnMatrix> din_;    // gradients of in_[l]
  bool dropped_ = false;
};

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_RNN_NETWORK_H_
