#include "embeddings/rnn_optimizer.h"

#include <cmath>

namespace wordmill {
namespace {

constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kEpsilon = 1e-8f;

}  // namespace

RnnOptimizer::RnnOptimizer(const RnnSpec& spec, int64_t dense_size, int dim, int vocab)
    : adam_(spec.optimizer() == RNN_OPTIMIZER_ADAM),
      clip_(spec.clip()),
      dense_size_(dense_size),
      lr_(spec.lr() > 0 ? spec.lr() : (adam_ ? 0.001f : 0.5f)),
      decay_(spec.lr_decay()) {
  if (adam_) {
    state_.m.assign(dense_size, 0.0f);
    state_.v.assign(dense_size, 0.0f);
    state_.row_m = RnnMatrix::Zero(dim, vocab);
    state_.row_v = RnnMatrix::Zero(dim, vocab);
  }
}

float RnnOptimizer::LearningRate(int epoch) const {
  return lr_ * static_cast<float>(std::pow(static_cast<double>(decay_), epoch));
}

float RnnOptimizer::ClipScale(double squared_norm) const {
  const double norm = std::sqrt(squared_norm);
  if (clip_ <= 0 || !(norm > clip_)) return 1.0f;
  return static_cast<float>(clip_ / (norm + 1e-6));
}

void RnnOptimizer::Step(float lr, float grad_scale, float* params, const float* grads,
                        RnnMatrix* embedding, const RnnMatrix& row_grads,
                        const std::vector<int32_t>& rows) {
  const int64_t n = dense_size_;
  using Array = Eigen::Map<Eigen::ArrayXf>;
  using ConstArray = Eigen::Map<const Eigen::ArrayXf>;
  if (adam_) {
    const int64_t t = ++state_.steps;
    const float bc1 = 1.0f - static_cast<float>(std::pow(kBeta1, t));
    const float sqrt_bc2 = std::sqrt(1.0f - static_cast<float>(std::pow(kBeta2, t)));
    const float step = lr / bc1;
    auto update = [&](float* p, const float* g, float* m, float* v, int64_t size) {
      Array P(p, size), M(m, size), V(v, size);
      ConstArray G(g, size);
      M = kBeta1 * M + (1 - kBeta1) * grad_scale * G;
      V = kBeta2 * V + (1 - kBeta2) * (grad_scale * G).square();
      P -= step * M / (V.sqrt() / sqrt_bc2 + kEpsilon);
    };
    update(params, grads, state_.m.data(), state_.v.data(), n);
    const int dim = static_cast<int>(row_grads.rows());
    for (size_t k = 0; k < rows.size(); ++k) {
      update(embedding->col(rows[k]).data(), row_grads.col(k).data(),
             state_.row_m.col(rows[k]).data(), state_.row_v.col(rows[k]).data(), dim);
    }
    return;
  }
  Array(params, n) -= lr * grad_scale * ConstArray(grads, n);
  for (size_t k = 0; k < rows.size(); ++k) {
    embedding->col(rows[k]) -= lr * grad_scale * row_grads.col(k);
  }
}

}  // namespace wordmill
