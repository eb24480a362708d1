#include "embeddings/word2vec_model.h"

#include <sys/mman.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "embeddings/word2vec_tables.h"

namespace wordmill {
namespace {

// n is a multiple of 16 (PaddedDim). Explicit AVX2 partial sums: without -ffast-math the
// compiler may not reorder a float reduction, so a plain loop would stay scalar.
inline float Dot(const float* a, const float* b, int n) {
#if defined(__AVX2__) && defined(__FMA__)
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (int i = 0; i < n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  const __m256 s = _mm256_add_ps(s0, s1);
  __m128 r = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
#else
  float s[16] = {0};
  for (int i = 0; i < n; i += 16) {
    for (int j = 0; j < 16; ++j) s[j] += a[i + j] * b[i + j];
  }
  float total = 0;
  for (int j = 0; j < 16; ++j) total += s[j];
  return total;
#endif
}
inline void Axpy(float g, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += g * x[i];
}
// log(1 + exp(z)) without overflow.
inline float Softplus(float z) { return std::max(z, 0.0f) + std::log1p(std::exp(-std::fabs(z))); }
inline float Sigmoid(float z) { return 1.0f / (1.0f + std::exp(-z)); }
// Whether s = s(x) has |x| >= 6 (tested on s, which is monotonic in x): with skip_saturated such
// a pair gets no update, as in gensim (its sigmoid table's range).
inline bool Saturated(float s) {
  constexpr float kLow = 0.0024726232f, kHigh = 0.99752738f;  // s(-6), s(6)
  return s <= kLow || s >= kHigh;
}

}  // namespace

AlignedFloats::AlignedFloats(size_t n) : size_(n) {
  // Arrays of 2 MB and more (the model matrices) get transparent huge pages, which this
  // kernel gives only on request (THP "madvise" mode): the trainers read rows at random all
  // over the matrices, and with 4 KB pages nearly every row costs a TLB miss.
  constexpr size_t kHugePage = size_t{2} << 20;
  const bool huge = n * sizeof(float) >= kHugePage;
  const size_t align = huge ? kHugePage : 64;
  const size_t bytes = std::max<size_t>(64, (n * sizeof(float) + align - 1) / align * align);
  void* p = std::aligned_alloc(align, bytes);
  if (p == nullptr) throw std::bad_alloc();
  if (huge) madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure leaves 4 KB pages
  std::memset(p, 0, bytes);
  data_.reset(static_cast<float*>(p));
}

Word2vecWeights::Word2vecWeights(int64_t rows, int dim)
    : rows_(rows),
      dim_(dim),
      stride_(PaddedDim(dim)),
      own_(2 * static_cast<size_t>(rows) * PaddedDim(dim)),
      w_(own_.data()),
      c_(own_.data() + static_cast<size_t>(rows) * PaddedDim(dim)) {}

Word2vecWeights::Word2vecWeights(int64_t rows, int dim, void* storage)
    : rows_(rows),
      dim_(dim),
      stride_(PaddedDim(dim)),
      w_(static_cast<float*>(storage)),
      c_(static_cast<float*>(storage) + static_cast<size_t>(rows) * PaddedDim(dim)) {}

void Word2vecWeights::Initialize(uint64_t seed) {
  Word2vecRandom random(MixSeed(seed, 0x1a17));
  for (int64_t w = 0; w < rows_; ++w) {
    float* row = in(w);
    for (int i = 0; i < dim_; ++i) row[i] = (random.Uniform() - 0.5f) * 2.0f / dim_;
  }
  std::memset(c_, 0, floats_per_matrix() * sizeof(float));
}

std::string Word2vecWeights::FindNonFinite() const {
  for (int matrix = 0; matrix < 2; ++matrix) {
    for (int64_t w = 0; w < rows_; ++w) {
      const float* row = matrix == 0 ? in(w) : out(w);
      float sum = 0;
      for (int i = 0; i < dim_; ++i) sum += row[i] * 0.0f;  // NaN/Inf propagate, finite -> 0
      if (sum == 0) continue;
      for (int i = 0; i < dim_; ++i) {
        if (!std::isfinite(row[i])) {
          return absl::StrCat(matrix == 0 ? "input" : "output", " vector of word ", w,
                              ", component ", i, " is ", row[i]);
        }
      }
    }
  }
  return "";
}

EmbeddingMatrix Word2vecWeights::Export(const std::vector<std::string>& words, bool output) const {
  EmbeddingMatrix m;
  m.words = words;
  m.dim = dim_;
  m.values.resize(words.size() * static_cast<size_t>(dim_));
  for (size_t w = 0; w < words.size(); ++w) {
    const float* row = output ? out(w) : in(w);
    std::memcpy(m.mutable_row(w), row, dim_ * sizeof(float));
  }
  return m;
}

float NsBatchStep(const float* const* in, int b, const float* const* out, int m, int stride,
                  float alpha, float* scores, float* d_in, float* d_out, bool with_loss,
                  bool skip_saturated) {
  for (int i = 0; i < b; ++i) {
    for (int k = 0; k < m; ++k) scores[i * m + k] = Dot(in[i], out[k], stride);
  }
  // Vectorized over all b*m scores: e = exp(-x), s(x) = 1 / (1 + e), -log s(x) = log1p(e),
  // -log s(-x) = log1p(e) + x. Clamping keeps e finite; beyond |x| = 30 s is 0 or 1 in float.
  Eigen::Map<Eigen::ArrayXf> x(scores, static_cast<Eigen::Index>(b) * m);
  x = x.max(-30.0f).min(30.0f);
  float loss = 0;
  if (with_loss) {
    for (int i = 0; i < b; ++i) {
      for (int k = 1; k < m; ++k) loss += scores[i * m + k];
    }
  }
  x = (-x).exp();
  if (with_loss) loss += x.log1p().sum();
  x = (1.0f + x).inverse();  // now s(x)
  for (int i = 0; i < b; ++i) {
    float* g = scores + static_cast<size_t>(i) * m;
    for (int k = 0; k < m; ++k) {
      const float s = g[k];
      g[k] = skip_saturated && Saturated(s) ? 0.0f : k == 0 ? alpha * (1.0f - s) : -alpha * s;
    }
  }
  // d_out first: it needs the inputs as they were on entry, and d_in may alias them.
  for (int k = 0; k < m; ++k) {
    float* row = d_out + static_cast<size_t>(k) * stride;
    std::fill(row, row + stride, 0.0f);
    for (int i = 0; i < b; ++i) Axpy(scores[i * m + k], in[i], row, stride);
  }
  for (int i = 0; i < b; ++i) {
    float* row =
        d_in == nullptr ? const_cast<float*>(in[i]) : d_in + static_cast<size_t>(i) * stride;
    if (d_in != nullptr) std::fill(row, row + stride, 0.0f);
    for (int k = 0; k < m; ++k) Axpy(scores[i * m + k], out[k], row, stride);
  }
  return loss;
}

float NsPairStep(const float* h, const uint32_t* rows, int m, float* output, int stride,
                 float alpha, float* neu1e, bool skip_saturated) {
  float loss = 0;
  for (int k = 0; k < m; ++k) {
    float* c = output + static_cast<size_t>(rows[k]) * stride;
    const float f = Dot(h, c, stride);
    const float label = k == 0 ? 1.0f : 0.0f;
    loss += k == 0 ? Softplus(-f) : Softplus(f);
    const float sig = Sigmoid(f);
    if (skip_saturated && Saturated(sig)) continue;
    const float g = alpha * (label - sig);
    Axpy(g, c, neu1e, stride);
    Axpy(g, h, c, stride);
  }
  return loss;
}

float HsPairStep(const float* h, const uint32_t* points, const uint8_t* codes, int length,
                 float* output, int stride, float alpha, float* neu1e, bool skip_saturated) {
  float loss = 0;
  for (int j = 0; j < length; ++j) {
    float* c = output + static_cast<size_t>(points[j]) * stride;
    const float f = Dot(h, c, stride);
    const float label = 1.0f - codes[j];
    loss += label > 0 ? Softplus(-f) : Softplus(f);
    const float sig = Sigmoid(f);
    if (skip_saturated && Saturated(sig)) continue;
    const float g = alpha * (label - sig);
    Axpy(g, c, neu1e, stride);
    Axpy(g, h, c, stride);
  }
  return loss;
}

}  // namespace wordmill
