#include "embeddings/glove_model.h"

#include <random>

namespace wordmill {

void InitGloveParams(int64_t vocab_size, int dim, uint64_t seed, GloveParams* params) {
  params->vocab_size = vocab_size;
  params->dim = dim;
  const size_t n = static_cast<size_t>(2 * vocab_size * (dim + 1));
  params->values.resize(n);
  params->gradsq.assign(n, 1.0f);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (size_t k = 0; k < n; ++k) {
    params->values[k] = static_cast<float>((uniform(rng) - 0.5) / dim);
  }
}

namespace {

double RecordDiff(const GloveParams& p, const TrainingRecord& r) {
  const float* w1 = p.values.data() + r.i * p.stride();
  const float* w2 = p.values.data() + (p.vocab_size + r.j) * p.stride();
  double dot = 0;
  for (int k = 0; k < p.dim; ++k) dot += static_cast<double>(w1[k]) * w2[k];
  return dot + w1[p.dim] + w2[p.dim] - r.log_x;
}

}  // namespace

double GloveCost(const GloveParams& p, const std::vector<TrainingRecord>& records) {
  double cost = 0;
  for (const TrainingRecord& r : records) {
    const double diff = RecordDiff(p, r);
    cost += 0.5 * r.weight * diff * diff;
  }
  return cost;
}

void GloveGradient(const GloveParams& p, const std::vector<TrainingRecord>& records,
                   std::vector<double>* gradient) {
  gradient->assign(p.values.size(), 0.0);
  const int64_t stride = p.stride();
  for (const TrainingRecord& r : records) {
    const double fdiff = r.weight * RecordDiff(p, r);
    const int64_t l1 = r.i * stride;
    const int64_t l2 = (p.vocab_size + r.j) * stride;
    for (int k = 0; k < p.dim; ++k) {
      (*gradient)[l1 + k] += fdiff * p.values[l2 + k];
      (*gradient)[l2 + k] += fdiff * p.values[l1 + k];
    }
    (*gradient)[l1 + p.dim] += fdiff;
    (*gradient)[l2 + p.dim] += fdiff;
  }
}

EmbeddingMatrix GloveOutput(const GloveParams& p, const Vocabulary& vocab, bool w_only) {
  EmbeddingMatrix m;
  m.dim = p.dim;
  m.words.reserve(vocab.size());
  for (const VocabWord& w : vocab) m.words.push_back(w.word);
  m.values.resize(static_cast<size_t>(p.vocab_size) * p.dim);
  for (int64_t i = 0; i < p.vocab_size; ++i) {
    const float* w = p.values.data() + i * p.stride();
    const float* c = p.values.data() + (p.vocab_size + i) * p.stride();
    float* out = m.mutable_row(i);
    for (int k = 0; k < p.dim; ++k) out[k] = w_only ? w[k] : w[k] + c[k];
  }
  return m;
}

}  // namespace wordmill
