#include "embeddings/rnn_heads.h"

#include <algorithm>
#include <cmath>

namespace wordmill {

HeadStats SoftmaxCrossEntropy(Eigen::Ref<RnnMatrix> logits, const int32_t* targets, float scale,
                              bool gradient) {
  HeadStats stats;
  for (int64_t k = 0; k < logits.cols(); ++k) {
    auto col = logits.col(k);
    if (targets[k] < 0) {
      if (gradient) col.setZero();
      continue;
    }
    Eigen::Index best;
    const float max = col.maxCoeff(&best);
    col.array() = (col.array() - max).exp();
    const double sum = col.cast<double>().sum();
    stats.loss += std::log(sum) - std::log(static_cast<double>(col[targets[k]]));
    stats.correct += best == targets[k];
    ++stats.count;
    if (gradient) {
      col *= static_cast<float>(scale / sum);
      col[targets[k]] -= scale;
    }
  }
  return stats;
}

int SampleFromLogits(const float* logits, int classes, float temperature, std::mt19937_64* rng) {
  const float max = *std::max_element(logits, logits + classes);
  std::vector<double> p(classes);
  double sum = 0;
  for (int c = 0; c < classes; ++c) sum += p[c] = std::exp((logits[c] - max) / temperature);
  double u = std::uniform_real_distribution<double>(0, sum)(*rng);
  for (int c = 0; c < classes; ++c) {
    if ((u -= p[c]) < 0) return c;
  }
  return classes - 1;
}

HeadBlocks AddHeadBlocks(ParamLayout* layout, int classes, int features, bool tied) {
  HeadBlocks blocks;
  if (!tied) blocks.weight = layout->Add("head.weight", classes, features);
  blocks.bias = layout->Add("head.bias", classes, 1);
  return blocks;
}

ClassifierHead::ClassifierHead(RnnPooling pooling, int features, int forward_rows,
                               HeadBlocks blocks, const ParamLayout* layout)
    : pooling_(pooling),
      features_(features),
      forward_rows_(forward_rows),
      weight_(blocks.weight),
      bias_(blocks.bias),
      layout_(layout) {}

void ClassifierHead::Forward(const float* params, const Eigen::Ref<const RnnMatrix>& top,
                             const std::vector<int>& lengths, int steps, int batch) {
  steps_ = steps;
  batch_ = batch;
  lengths_ = lengths;
  pooled_.resize(features_, batch);
  const int F = features_, FR = forward_rows_;
  for (int b = 0; b < batch; ++b) {
    const int len = lengths[b];
    auto out = pooled_.col(b);
    if (pooling_ == RNN_POOLING_LAST) {
      out.head(FR) = top.col(static_cast<int64_t>(steps - 1) * batch + b).head(FR);
      out.tail(F - FR) = top.col(b).tail(F - FR);
    } else if (pooling_ == RNN_POOLING_MEAN) {
      out.setZero();
      for (int t = 0; t < len; ++t) out += top.col(static_cast<int64_t>(t) * batch + b);
      out /= static_cast<float>(std::max(len, 1));
    } else {
      argmax_.resize(features_, batch);
      out = top.col(b);
      argmax_.col(b).setZero();
      for (int t = 1; t < len; ++t) {
        auto x = top.col(static_cast<int64_t>(t) * batch + b);
        for (int f = 0; f < F; ++f) {
          if (x[f] > out[f]) {
            out[f] = x[f];
            argmax_(f, b) = t;
          }
        }
      }
    }
  }
  logits_.resize(layout_->block(weight_).rows, batch);
  logits_.noalias() = layout_->Map(params, weight_) * pooled_;
  logits_.colwise() += layout_->Map(params, bias_).col(0);
}

void ClassifierHead::Backward(const float* params, const Eigen::Ref<const RnnMatrix>& top,
                              float* grads, Eigen::Ref<RnnMatrix> dtop) {
  layout_->Map(grads, weight_).noalias() += logits_ * pooled_.transpose();
  layout_->Map(grads, bias_).col(0) += logits_.rowwise().sum();
  const RnnMatrix dpooled = layout_->Map(params, weight_).transpose() * logits_;
  const int B = batch_, F = features_, FR = forward_rows_;
  dtop.leftCols(static_cast<int64_t>(steps_) * B).setZero();
  for (int b = 0; b < B; ++b) {
    const int len = lengths_[b];
    if (pooling_ == RNN_POOLING_LAST) {
      dtop.col(static_cast<int64_t>(steps_ - 1) * B + b).head(FR) = dpooled.col(b).head(FR);
      dtop.col(b).tail(F - FR) = dpooled.col(b).tail(F - FR);
    } else if (pooling_ == RNN_POOLING_MEAN) {
      for (int t = 0; t < len; ++t) {
        dtop.col(static_cast<int64_t>(t) * B + b) = dpooled.col(b) / static_cast<float>(len);
      }
    } else {
      for (int f = 0; f < F; ++f) {
        dtop(f, static_cast<int64_t>(argmax_(f, b)) * B + b) = dpooled(f, b);
      }
    }
  }
}

TokenHead::TokenHead(HeadBlocks blocks, const ParamLayout* layout)
    : weight_(blocks.weight), bias_(blocks.bias), tied_(blocks.weight < 0), layout_(layout) {}

void TokenHead::Forward(const float* params, const RnnMatrix* embedding,
                        const Eigen::Ref<const RnnMatrix>& top, int64_t n) {
  n_ = n;
  const int classes = layout_->block(bias_).rows;
  if (logits_.cols() != n) logits_.resize(classes, n);
  if (tied_) {
    logits_.noalias() = embedding->transpose() * top.leftCols(n);
  } else {
    logits_.noalias() = layout_->Map(params, weight_) * top.leftCols(n);
  }
  logits_.colwise() += layout_->Map(params, bias_).col(0);
}

void TokenHead::Backward(const float* params, const RnnMatrix* embedding,
                         const Eigen::Ref<const RnnMatrix>& top, float* grads,
                         RnnMatrix* embedding_grad, Eigen::Ref<RnnMatrix> dtop) {
  layout_->Map(grads, bias_).col(0) += logits_.rowwise().sum();
  if (tied_) {
    if (embedding_grad != nullptr) {
      embedding_grad->noalias() += top.leftCols(n_) * logits_.transpose();
    }
    dtop.leftCols(n_).noalias() = *embedding * logits_;
  } else {
    layout_->Map(grads, weight_).noalias() += logits_ * top.leftCols(n_).transpose();
    dtop.leftCols(n_).noalias() = layout_->Map(params, weight_).transpose() * logits_;
  }
}

}  // namespace wordmill
