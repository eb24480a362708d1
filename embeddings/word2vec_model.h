// The parameters of skip-gram / CBOW and the update kernels that train them.
//
// Word2vecWeights holds the input matrix W (word2vec's syn0: the word vectors) and the output
// matrix C (syn1neg for negative sampling, syn1 — the Huffman tree's inner nodes — for
// hierarchical softmax), float32, row-major, each row padded to a multiple of 16 floats and
// 64-byte aligned so that rows start on cache lines and the kernels run full SIMD lanes. The
// padding stays zero: every update is a combination of rows whose padding is zero.
//
// Kernels (no allocation, no virtual calls; the caller owns the buffers):
//  - NsBatchStep: HogBatch (Ji et al.) — B input rows against M output rows (the positive
//    first, then the shared negatives) as small dense matrix products (AVX2 dot products and
//    axpys over the padded rows; Eigen's vectorized exp/log1p for the logistic and the loss).
//  - NsPairStep / HsPairStep: word2vec's classic per-(input, output) loops.
// Each returns the loss of its example(s) and writes the SGD step -alpha * dLoss/d(parameter),
// so the tests can check the kernels against finite differences of the loss — except, with
// skip_saturated (the trainer's default), for pairs whose score is beyond ±6: no step (gensim).
#ifndef WORDMILL_EMBEDDINGS_WORD2VEC_MODEL_H_
#define WORDMILL_EMBEDDINGS_WORD2VEC_MODEL_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "formats/embedding_file.h"

namespace wordmill {

// Floats per row: dim rounded up to 16 (one 64-byte cache line).
inline int PaddedDim(int dim) { return (dim + 15) / 16 * 16; }

// A 64-byte-aligned, zero-initialized float array.
class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(size_t n);
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float[], Free> data_;
  size_t size_ = 0;
};

class Word2vecWeights {
 public:
  Word2vecWeights(int64_t rows, int dim);
  // W and C in `storage` (64-byte aligned, at least StorageBytes(rows, dim) bytes, not owned):
  // how the ranks of one host share one model (pipeline/sgns_command.cc).
  Word2vecWeights(int64_t rows, int dim, void* storage);
  static size_t StorageBytes(int64_t rows, int dim) {
    return 2 * static_cast<size_t>(rows) * PaddedDim(dim) * sizeof(float);
  }
  Word2vecWeights(const Word2vecWeights&) = delete;
  Word2vecWeights& operator=(const Word2vecWeights&) = delete;

  // W uniform in [-1/dim, 1/dim) (gensim 4's initialization; word2vec C's range is half that)
  // from `seed`, C zero.
  void Initialize(uint64_t seed);

  int64_t rows() const { return rows_; }
  int dim() const { return dim_; }
  int stride() const { return stride_; }
  float* in(int64_t w) { return w_ + w * stride_; }
  const float* in(int64_t w) const { return w_ + w * stride_; }
  float* out(int64_t w) { return c_ + w * stride_; }
  const float* out(int64_t w) const { return c_ + w * stride_; }
  float* in_data() { return w_; }
  float* out_data() { return c_; }
  size_t floats_per_matrix() const { return static_cast<size_t>(rows_) * stride_; }

  // A description of the first non-finite value ("input vector of word 12, component 3"), or
  // "" if every value is finite.
  std::string FindNonFinite() const;
  // The first dim components of W (or C) with the vocabulary's words.
  EmbeddingMatrix Export(const std::vector<std::string>& words, bool output) const;

 private:
  int64_t rows_;
  int dim_;
  int stride_;
  AlignedFloats own_;  // W then C, unless the storage was given
  float* w_;
  float* c_;
};

// HogBatch step. in: b row pointers, out: m row pointers (out[0] the positive, the rest
// negatives), `stride` floats each; scores: b*m scratch. Loss = sum_i [-log s(in_i.out_0) -
// sum_{k>=1} log s(-in_i.out_k)] with s the logistic function (computed only if with_loss;
// else 0). Writes d_out (m rows, `stride` apart) = -alpha * dLoss/dout from the values on
// entry, and d_in (b rows) = -alpha * dLoss/din; d_in == nullptr adds the input steps to the
// in rows in place instead (the rows must then be writable; out must not alias in). Skip-gram
// passes the context words' input rows as `in` (the roles of pWord2Vec); CBOW passes the one
// mean vector. The three products (scores, d_in, d_out) are b*m dot products / axpys of stride
// floats each.
// With skip_saturated, a pair whose score has |x| >= 6 contributes no step (the loss still
// counts it): SgnsSpec.skip_saturated.
float NsBatchStep(const float* const* in, int b, const float* const* out, int m, int stride,
                  float alpha, float* scores, float* d_in, float* d_out, bool with_loss = true,
                  bool skip_saturated = false);

// One input vector h against outputs rows[0..m) of `output` (rows[0] the positive): updates
// those output rows in place (Hogwild) and adds -alpha * dLoss/dh to neu1e. Returns the loss.
float NsPairStep(const float* h, const uint32_t* rows, int m, float* output, int stride,
                 float alpha, float* neu1e, bool skip_saturated = false);
// Hierarchical softmax along a Huffman path: node points[j] is trained towards 1 - codes[j].
float HsPairStep(const float* h, const uint32_t* points, const uint8_t* codes, int length,
                 float* output, int stride, float alpha, float* neu1e, bool skip_saturated = false);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_WORD2VEC_MODEL_H_
