#include "embeddings/rnn_cells.h"

namespace wordmill {

using Eigen::ArrayXf;
using Eigen::Map;

CellBlocks AddCellBlocks(ParamLayout* layout, CellKind kind, int input, int hidden,
                         const std::string& suffix) {
  const int g = GateCount(kind) * hidden;
  CellBlocks blocks;
  blocks.w = layout->Add("weight_ih" + suffix, g, input);
  blocks.u = layout->Add("weight_hh" + suffix, g, hidden);
  blocks.b = layout->Add((kind == CellKind::kLstm ? "bias" : "bias_ih") + suffix, g, 1);
  if (kind == CellKind::kGru) blocks.bh = layout->Add("bias_hh" + suffix, g, 1);
  return blocks;
}

RecurrentLayer::RecurrentLayer(CellKind kind, int input, int hidden, bool reverse,
                               CellBlocks blocks, const ParamLayout* layout)
    : kind_(kind),
      input_(input),
      hidden_(hidden),
      gates_(GateCount(kind) * hidden),
      reverse_(reverse),
      blocks_(blocks),
      layout_(layout) {}

void RecurrentLayer::Forward(const float* params, const Eigen::Ref<const RnnMatrix>& x,
                             const float* mask, int steps, int batch) {
  steps_ = steps;
  batch_ = batch;
  const int64_t n = static_cast<int64_t>(steps) * batch;
  EnsureSize(&a_, gates_, n);
  EnsureSize(&h_, hidden_, n);
  EnsureSize(&(kind_ == CellKind::kLstm ? c_ : hn_), hidden_, n);
  EnsureSize(&step_, gates_, batch);
  if (zeros_.rows() != hidden_ || zeros_.cols() < batch) zeros_ = RnnMatrix::Zero(hidden_, batch);
  scratch_.resize(hidden_);
  // All steps' input projections in one product.
  a_.leftCols(n).noalias() = layout_->Map(params, blocks_.w) * x.leftCols(n);
  a_.leftCols(n).colwise() += layout_->Map(params, blocks_.b).col(0);
  for (int s = 0; s < steps; ++s) {
    const int t = reverse_ ? steps - 1 - s : s;
    const int prev = s == 0 ? -1 : (reverse_ ? t + 1 : t - 1);
    if (kind_ == CellKind::kLstm) {
      if (prev >= 0) {
        a_.middleCols(Col(t), batch).noalias() +=
            layout_->Map(params, blocks_.u) * h_.middleCols(Col(prev), batch);
      }
      ForwardLstmStep(t, prev, mask);
    } else {
      ForwardGruStep(t, prev, mask, params);
    }
  }
}

void RecurrentLayer::ForwardLstmStep(int t, int prev, const float* mask) {
  const int H = hidden_;
  for (int b = 0; b < batch_; ++b) {
    const int64_t col = Col(t) + b;
    const float* h_prev = prev < 0 ? zeros_.data() : h_.data() + (Col(prev) + b) * H;
    const float* c_prev = prev < 0 ? zeros_.data() : c_.data() + (Col(prev) + b) * H;
    Map<ArrayXf> h(h_.data() + col * H, H), c(c_.data() + col * H, H);
    if (mask[col] == 0) {
      h = Map<const ArrayXf>(h_prev, H);
      c = Map<const ArrayXf>(c_prev, H);
      continue;
    }
    float* g = a_.data() + col * gates_;
    Map<ArrayXf> i(g, H), f(g + H, H), gg(g + 2 * H, H), o(g + 3 * H, H);
    i = i.logistic();
    f = f.logistic();
    gg = gg.tanh();
    o = o.logistic();
    c = f * Map<const ArrayXf>(c_prev, H) + i * gg;
    h = o * c.tanh();
  }
}

void RecurrentLayer::ForwardGruStep(int t, int prev, const float* mask, const float* params) {
  const int H = hidden_;
  auto bh = layout_->Map(params, blocks_.bh).col(0);
  if (prev >= 0) {
    step_.leftCols(batch_).noalias() =
        layout_->Map(params, blocks_.u) * h_.middleCols(Col(prev), batch_);
    step_.leftCols(batch_).colwise() += bh;
  } else {
    step_.leftCols(batch_).colwise() = bh;
  }
  for (int b = 0; b < batch_; ++b) {
    const int64_t col = Col(t) + b;
    const float* h_prev = prev < 0 ? zeros_.data() : h_.data() + (Col(prev) + b) * H;
    Map<ArrayXf> h(h_.data() + col * H, H);
    if (mask[col] == 0) {
      h = Map<const ArrayXf>(h_prev, H);
      continue;
    }
    float* g = a_.data() + col * gates_;
    const float* s = step_.data() + static_cast<int64_t>(b) * gates_;
    Map<ArrayXf> r(g, H), z(g + H, H), n(g + 2 * H, H), hn(hn_.data() + col * H, H);
    r = (r + Map<const ArrayXf>(s, H)).logistic();
    z = (z + Map<const ArrayXf>(s + H, H)).logistic();
    hn = Map<const ArrayXf>(s + 2 * H, H);
    n = (n + r * hn).tanh();
    h = (1 - z) * n + z * Map<const ArrayXf>(h_prev, H);
  }
}

void RecurrentLayer::Backward(const float* params, const Eigen::Ref<const RnnMatrix>& x,
                              const float* mask, const Eigen::Ref<const RnnMatrix>& dh,
                              float* grads, RnnMatrix* dx) {
  const int B = batch_;
  const int64_t n = static_cast<int64_t>(steps_) * B;
  EnsureSize(&dg_, gates_, n);
  if (kind_ == CellKind::kGru) EnsureSize(&dgh_, gates_, n);
  dh_next_.setZero(hidden_, B);
  dc_next_.setZero(hidden_, B);
  const RnnMatrix& dgh = kind_ == CellKind::kGru ? dgh_ : dg_;  // the hidden side's gradients
  auto u = layout_->Map(params, blocks_.u);
  for (int s = steps_ - 1; s >= 0; --s) {
    const int t = reverse_ ? steps_ - 1 - s : s;
    const int prev = s == 0 ? -1 : (reverse_ ? t + 1 : t - 1);
    dh_next_ += dh.middleCols(Col(t), B);
    if (kind_ == CellKind::kLstm) {
      BackwardLstmStep(t, prev, mask);
    } else {
      BackwardGruStep(t, prev, mask);
    }
    if (prev >= 0) dh_next_.noalias() += u.transpose() * dgh.middleCols(Col(t), B);
  }
  // The weight gradients of all steps, one product each. Step t's h_{t-1} is the output of the
  // step before it in processing order (none for the first step, whose h_{t-1} is zero).
  const int64_t m = n - B;
  layout_->Map(grads, blocks_.w).noalias() += dg_.leftCols(n) * x.leftCols(n).transpose();
  layout_->Map(grads, blocks_.b).col(0) += dg_.leftCols(n).rowwise().sum();
  if (m > 0) {
    if (reverse_) {
      layout_->Map(grads, blocks_.u).noalias() += dgh.leftCols(m) * h_.middleCols(B, m).transpose();
    } else {
      layout_->Map(grads, blocks_.u).noalias() += dgh.middleCols(B, m) * h_.leftCols(m).transpose();
    }
  }
  if (kind_ == CellKind::kGru) {
    layout_->Map(grads, blocks_.bh).col(0) += dgh_.leftCols(n).rowwise().sum();
  }
  if (dx != nullptr) {
    dx->leftCols(n).noalias() += layout_->Map(params, blocks_.w).transpose() * dg_.leftCols(n);
  }
}

// In: dh_next_ = dL/dh_t. Out: dg_ at step t; dh_next_ holds the part of dL/dh_{t-1} that does
// not go through U (the caller adds U^T dg), dc_next_ = dL/dc_{t-1}.
void RecurrentLayer::BackwardLstmStep(int t, int prev, const float* mask) {
  const int H = hidden_;
  for (int b = 0; b < batch_; ++b) {
    const int64_t col = Col(t) + b;
    Map<ArrayXf> dg(dg_.data() + col * gates_, gates_);
    if (mask[col] == 0) {  // carried state: the gradients pass through unchanged
      dg.setZero();
      continue;
    }
    const float* g = a_.data() + col * gates_;
    Map<const ArrayXf> i(g, H), f(g + H, H), gg(g + 2 * H, H), o(g + 3 * H, H);
    Map<const ArrayXf> c(c_.data() + col * H, H);
    Map<ArrayXf> dhb(dh_next_.data() + static_cast<int64_t>(b) * H, H);
    Map<ArrayXf> dcb(dc_next_.data() + static_cast<int64_t>(b) * H, H);
    ArrayXf& tc = scratch_;
    tc = c.tanh();
    dcb += dhb * o * (1 - tc * tc);
    dg.segment(3 * H, H) = dhb * tc * o * (1 - o);
    dg.segment(0, H) = dcb * gg * i * (1 - i);
    if (prev >= 0) {
      dg.segment(H, H) = dcb * Map<const ArrayXf>(c_.data() + (Col(prev) + b) * H, H) * f * (1 - f);
    } else {
      dg.segment(H, H).setZero();
    }
    dg.segment(2 * H, H) = dcb * i * (1 - gg * gg);
    dcb *= f;
    dhb.setZero();
  }
}

void RecurrentLayer::BackwardGruStep(int t, int prev, const float* mask) {
  const int H = hidden_;
  for (int b = 0; b < batch_; ++b) {
    const int64_t col = Col(t) + b;
    Map<ArrayXf> dg(dg_.data() + col * gates_, gates_), dgh(dgh_.data() + col * gates_, gates_);
    if (mask[col] == 0) {
      dg.setZero();
      dgh.setZero();
      continue;
    }
    const float* g = a_.data() + col * gates_;
    Map<const ArrayXf> r(g, H), z(g + H, H), n(g + 2 * H, H), hn(hn_.data() + col * H, H);
    Map<ArrayXf> dhb(dh_next_.data() + static_cast<int64_t>(b) * H, H);
    const float* h_prev = prev < 0 ? zeros_.data() : h_.data() + (Col(prev) + b) * H;
    ArrayXf& da_n = scratch_;
    da_n = dhb * (1 - z) * (1 - n * n);
    dg.segment(0, H) = da_n * hn * r * (1 - r);
    dg.segment(H, H) = dhb * (Map<const ArrayXf>(h_prev, H) - n) * z * (1 - z);
    dg.segment(2 * H, H) = da_n;
    dgh.segment(0, 2 * H) = dg.segment(0, 2 * H);
    dgh.segment(2 * H, H) = da_n * r;
    dhb *= z;
  }
}

}  // namespace wordmill
