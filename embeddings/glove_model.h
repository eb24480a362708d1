// GloVe's parameters and its AdaGrad update, as in the GloVe C tools.
//
// Rows 0..V-1 are the word vectors w_i, rows V..2V-1 the context vectors w~_j; each row is
// `dim` values followed by the bias (stride dim + 1), and `gradsq` has the same shape (AdaGrad's
// sums of squared gradients, starting at 1). The cost of a record is
// 0.5 * f(x) * (w_i . w~_j + b_i + b~_j - log x)^2 (half the paper's J, as GloVe C reports it).
// Initialization: every value (rand - 0.5) / dim from std::mt19937_64(seed), the same on every
// rank. The step follows GloVe C exactly: the gradient of each vector component is clipped to
// [-grad_clip, grad_clip] and scaled by eta, the update divides by sqrt(gradsq) before the
// squared gradient is added; the biases are updated by f * diff / sqrt(gradsq) (GloVe C applies
// no eta to the biases; kept so that results are comparable).
#ifndef WORDMILL_EMBEDDINGS_GLOVE_MODEL_H_
#define WORDMILL_EMBEDDINGS_GLOVE_MODEL_H_

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "embeddings/glove_shuffle.h"
#include "formats/embedding_file.h"
#include "formats/vocab_file.h"

namespace wordmill {

struct GloveParams {
  int64_t vocab_size = 0;
  int dim = 0;
  std::vector<float> values;  // 2 * vocab_size rows of dim + 1
  std::vector<float> gradsq;  // the same shape

  int64_t stride() const { return dim + 1; }
  float* word(int64_t i) { return values.data() + i * stride(); }
  float* context(int64_t j) { return values.data() + (vocab_size + j) * stride(); }
};

void InitGloveParams(int64_t vocab_size, int dim, uint64_t seed, GloveParams* params);

namespace glove_internal {

// w1 . w2 over [0, dim).
inline float Dot(const float* __restrict w1, const float* __restrict w2, int dim) {
  int k = 0;
  float dot = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 acc = _mm256_setzero_ps();
  for (; k + 8 <= dim; k += 8) {
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + k), _mm256_loadu_ps(w2 + k), acc);
  }
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_movehdup_ps(half));
  dot = _mm_cvtss_f32(half);
#endif
  for (; k < dim; ++k) dot += w1[k] * w2[k];
  return dot;
}

// The AdaGrad update of components [from, dim) (see the file comment).
inline void UpdateTail(float* __restrict w1, float* __restrict w2, float* __restrict g1,
                       float* __restrict g2, int from, int dim, float fdiff, float eta,
                       float grad_clip) {
  for (int k = from; k < dim; ++k) {
    const float t1 = std::min(std::max(fdiff * w2[k], -grad_clip), grad_clip) * eta;
    const float t2 = std::min(std::max(fdiff * w1[k], -grad_clip), grad_clip) * eta;
    const float u1 = t1 / std::sqrt(g1[k]);
    const float u2 = t2 / std::sqrt(g2[k]);
    g1[k] += t1 * t1;
    g2[k] += t2 * t2;
    w1[k] -= u1;
    w2[k] -= u2;
  }
}

inline void Update(float* __restrict w1, float* __restrict w2, float* __restrict g1,
                   float* __restrict g2, int dim, float fdiff, float eta, float grad_clip) {
  int k = 0;
#if defined(__AVX2__) && defined(__FMA__)
  const __m256 f = _mm256_set1_ps(fdiff), e = _mm256_set1_ps(eta);
  const __m256 hi = _mm256_set1_ps(grad_clip), lo = _mm256_set1_ps(-grad_clip);
  for (; k + 8 <= dim; k += 8) {
    const __m256 a1 = _mm256_loadu_ps(w1 + k), a2 = _mm256_loadu_ps(w2 + k);
    const __m256 q1 = _mm256_loadu_ps(g1 + k), q2 = _mm256_loadu_ps(g2 + k);
    const __m256 t1 = _mm256_mul_ps(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(f, a2), lo), hi), e);
    const __m256 t2 = _mm256_mul_ps(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(f, a1), lo), hi), e);
    _mm256_storeu_ps(w1 + k, _mm256_sub_ps(a1, _mm256_div_ps(t1, _mm256_sqrt_ps(q1))));
    _mm256_storeu_ps(w2 + k, _mm256_sub_ps(a2, _mm256_div_ps(t2, _mm256_sqrt_ps(q2))));
    _mm256_storeu_ps(g1 + k, _mm256_fmadd_ps(t1, t1, q1));
    _mm256_storeu_ps(g2 + k, _mm256_fmadd_ps(t2, t2, q2));
  }
#endif
  UpdateTail(w1, w2, g1, g2, k, dim, fdiff, eta, grad_clip);
}

}  // namespace glove_internal

// One AdaGrad step on `r`; returns the record's cost (0 and no update if it is not finite).
// AVX2/FMA when compiled for it (x86-64-v3, the default), scalar otherwise.
inline double GloveStep(GloveParams* p, const TrainingRecord& r, float eta, float grad_clip) {
  const int dim = p->dim;
  const int64_t stride = p->stride();
  float* w1 = p->values.data() + r.i * stride;
  float* w2 = p->values.data() + (p->vocab_size + r.j) * stride;
  float* g1 = p->gradsq.data() + r.i * stride;
  float* g2 = p->gradsq.data() + (p->vocab_size + r.j) * stride;
  const float diff = glove_internal::Dot(w1, w2, dim) + w1[dim] + w2[dim] - r.log_x;
  const float fdiff = r.weight * diff;
  if (!std::isfinite(fdiff)) return 0.0;
  glove_internal::Update(w1, w2, g1, g2, dim, fdiff, eta, grad_clip);
  w1[dim] -= fdiff / std::sqrt(g1[dim]);
  w2[dim] -= fdiff / std::sqrt(g2[dim]);
  g1[dim] += fdiff * fdiff;
  g2[dim] += fdiff * fdiff;
  return 0.5 * static_cast<double>(fdiff) * diff;
}

// Prefetches the four rows GloveStep(r) touches (the parameter rows are scattered over
// ~100 MB, so each step otherwise waits for ~28 cache misses in turn).
inline void GlovePrefetch(const GloveParams& p, const TrainingRecord& r) {
  const int64_t stride = p.stride();
  const size_t bytes = static_cast<size_t>(stride) * sizeof(float);
  const char* rows[4] = {
      reinterpret_cast<const char*>(p.values.data() + r.i * stride),
      reinterpret_cast<const char*>(p.values.data() + (p.vocab_size + r.j) * stride),
      reinterpret_cast<const char*>(p.gradsq.data() + r.i * stride),
      reinterpret_cast<const char*>(p.gradsq.data() + (p.vocab_size + r.j) * stride)};
  for (const char* row : rows) {
    for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(row + b, 1, 3);
  }
}

// The total cost of `records` and its gradient with respect to `values` (same shape), in
// double precision: the reference the tests hold GloveStep and finite differences against.
double GloveCost(const GloveParams& p, const std::vector<TrainingRecord>& records);
void GloveGradient(const GloveParams& p, const std::vector<TrainingRecord>& records,
                   std::vector<double>* gradient);

// The output vectors: W + W~ (or W alone), one row per vocabulary word.
EmbeddingMatrix GloveOutput(const GloveParams& p, const Vocabulary& vocab, bool w_only);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_GLOVE_MODEL_H_
