// The output layers of an RNN model: softmax cross-entropy, the many-to-one classifier (pooling
// of the top layer's outputs: last state, mean or max), the per-token softmax of the tagger and
// of the language model (optionally tied to the embedding matrix), and sampling from a softmax
// with a temperature.
//
// A head reads the top layer's features (F x T*B, time-major as in embeddings/rnn_cells.h),
// turns its logits in place into the loss's gradient (Loss), and gives the features' gradient
// (Backward). Loss sums are in double; the gradient is scaled by `scale` (1 / the global
// minibatch's example or token count), so the ranks' and threads' shares add up to the mean.
#ifndef WORDMILL_EMBEDDINGS_RNN_HEADS_H_
#define WORDMILL_EMBEDDINGS_RNN_HEADS_H_

#include <cstdint>
#include <random>
#include <vector>

#include "embeddings/rnn_params.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct HeadStats {
  double loss = 0;      // summed cross-entropy (nats)
  int64_t correct = 0;  // argmax == target
  int64_t count = 0;    // scored examples or tokens
  void Add(const HeadStats& o) {
    loss += o.loss;
    correct += o.correct;
    count += o.count;
  }
};

// Softmax cross-entropy of each column of `logits` (classes x n) against targets[k] (< 0:
// column k is not scored). With `gradient`, logits becomes (softmax - onehot) * scale in scored
// columns and 0 elsewhere.
HeadStats SoftmaxCrossEntropy(Eigen::Ref<RnnMatrix> logits, const int32_t* targets, float scale,
                              bool gradient);

// The linear layer of a head: weight (classes x features; none when tied) and bias.
struct HeadBlocks {
  int weight = -1, bias = -1;
};
HeadBlocks AddHeadBlocks(ParamLayout* layout, int classes, int features, bool tied);

// Draws a class from softmax(logits / temperature).
int SampleFromLogits(const float* logits, int classes, float temperature, std::mt19937_64* rng);

// Many-to-one: pooled features -> linear -> softmax. `forward_rows` of the F feature rows
// belong to the forward direction (last pooling reads them at the last step, the others at the
// first step).
class ClassifierHead {
 public:
  ClassifierHead(RnnPooling pooling, int features, int forward_rows, HeadBlocks blocks,
                 const ParamLayout* layout);

  void Forward(const float* params, const Eigen::Ref<const RnnMatrix>& top,
               const std::vector<int>& lengths, int steps, int batch);
  RnnMatrix& logits() { return logits_; }  // classes x batch after Forward
  // Sets *dtop (F x steps*batch) from the gradient in logits(); adds the head's gradients.
  void Backward(const float* params, const Eigen::Ref<const RnnMatrix>& top, float* grads,
                Eigen::Ref<RnnMatrix> dtop);

 private:
  const RnnPooling pooling_;
  const int features_, forward_rows_;
  const int weight_, bias_;
  const ParamLayout* layout_;
  int steps_ = 0, batch_ = 0;
  std::vector<int> lengths_;
  RnnMatrix pooled_;        // F x B
  Eigen::MatrixXi argmax_;  // F x B: the step of the maximum (max pooling)
  RnnMatrix logits_;
};

// Per token: features -> linear -> softmax (tagging, and the language model's next word). Tied:
// the weight is the embedding matrix (dim x classes, one column per word), logits = E^T h + b.
class TokenHead {
 public:
  TokenHead(HeadBlocks blocks, const ParamLayout* layout);

  void Forward(const float* params, const RnnMatrix* embedding,
               const Eigen::Ref<const RnnMatrix>& top, int64_t n);
  RnnMatrix& logits() { return logits_; }  // classes x n after Forward
  // Sets *dtop; adds the gradients (the tied weight's into *embedding_grad, dim x classes).
  void Backward(const float* params, const RnnMatrix* embedding,
                const Eigen::Ref<const RnnMatrix>& top, float* grads, RnnMatrix* embedding_grad,
                Eigen::Ref<RnnMatrix> dtop);

 private:
  const int weight_, bias_;
  const bool tied_;
  const ParamLayout* layout_;
  int64_t n_ = 0;
  RnnMatrix logits_;
};

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_RNN_HEADS_H_
