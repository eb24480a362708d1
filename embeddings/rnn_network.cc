#include "embeddings/rnn_network.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"

namespace wordmill {
void BuildBatch(const std::vector<const std::vector<int32_t>*>& tokens,
                const std::vector<const std::vector<int32_t>*>& targets,
                const std::vector<uint64_t>& keys, bool per_token, RnnBatch* batch) {
  const int B = static_cast<int>(tokens.size());
  int T = 1;
  for (const auto* t : tokens) T = std::max<int>(T, t->size());
  batch->steps = T;
  batch->size = B;
  batch->ids.assign(static_cast<size_t>(T) * B, -1);
  batch->mask.assign(static_cast<size_t>(T) * B, 0.0f);
  batch->lengths.resize(B);
  batch->targets.assign(per_token ? static_cast<size_t>(T) * B : B, -1);
  batch->keys = keys;
  for (int b = 0; b < B; ++b) {
    const std::vector<int32_t>& seq = *tokens[b];
    batch->lengths[b] = static_cast<int>(seq.size());
    for (size_t t = 0; t < seq.size(); ++t) {
      batch->ids[t * B + b] = seq[t];
      batch->mask[t * B + b] = 1;
      if (per_token) batch->targets[t * B + b] = (*targets[b])[t];
    }
    if (!per_token) batch->targets[b] = (*targets[b])[0];
  }
}

RnnNetwork::RnnNetwork(const RnnSpec& spec, const RnnShape& shape) : spec_(spec), shape_(shape) {
  const CellKind kind = spec.cell() == RNN_CELL_GRU ? CellKind::kGru : CellKind::kLstm;
  int input = shape.dim;
  for (int l = 0; l < layers(); ++l) {
    for (int d = 0; d < 2; ++d) {
      cells_.push_back(d < directions() ? AddCellBlocks(&layout_, kind, input, spec.hidden(),
                                                        absl::StrCat("_l", l, d ? "_reverse" : ""))
                                        : CellBlocks());
    }
    input = spec.hidden() * directions();
  }
  head_ = AddHeadBlocks(&layout_, shape.classes, features(), tied());
}

int RnnNetwork::features() const {
  return recurrent() ? spec_.hidden() * directions() : shape_.dim;
}

RnnVector RnnNetwork::InitParams(uint64_t seed) const {
  RnnVector params(layout_.size());
  std::mt19937_64 rng(seed);
  const int head_first = head_.weight >= 0 ? head_.weight : head_.bias;
  for (int i = 0; i < layout_.block_count(); ++i) {
    const float k =
        1.0f / std::sqrt(static_cast<float>(i >= head_first ? features() : spec_.hidden()));
    std::uniform_real_distribution<float> u(-k, k);
    RnnMap m = layout_.Map(params.data(), i);
    for (int64_t j = 0; j < m.size(); ++j) m.data()[j] = u(rng);
  }
  return params;
}

RnnWorkspace::RnnWorkspace(const RnnNetwork& network) : net_(network) {
  const RnnSpec& spec = network.spec();
  const CellKind kind = spec.cell() == RNN_CELL_GRU ? CellKind::kGru : CellKind::kLstm;
  int input = network.shape().dim;
  for (int l = 0; l < network.layers(); ++l) {
    for (int d = 0; d < network.directions(); ++d) {
      cells_.push_back(std::make_unique<RecurrentLayer>(kind, input, spec.hidden(), d == 1,
                                                        network.cell(l, d), &network.layout()));
    }
    input = spec.hidden() * network.directions();
  }
  if (network.per_token()) {
    token_head_ = std::make_unique<TokenHead>(network.head(), &network.layout());
  } else {
    const RnnPooling pooling = network.recurrent() ? spec.pooling() : RNN_POOLING_MEAN;
    const int forward_rows = network.recurrent() ? spec.hidden() : network.features();
    classifier_ = std::make_unique<ClassifierHead>(pooling, network.features(), forward_rows,
                                                   network.head(), &network.layout());
  }
  in_.resize(network.layers() + 1);
  masks_.resize(network.layers() + 1);
  din_.resize(network.layers() + 1);
}

RnnMatrix& RnnWorkspace::logits() {
  return classifier_ ? classifier_->logits() : token_head_->logits();
}

void RnnWorkspace::Dropout(int site, const RnnBatch& batch, uint64_t seed, RnnMatrix* x) {
  const float p = net_.spec().dropout();
  const float keep_scale = 1.0f / (1.0f - p);
  // A unit is dropped when the top 24 bits of its hash, as a fraction, fall below p.
  const uint64_t threshold = static_cast<uint64_t>(static_cast<double>(p) * (1 << 24));
  const int rows = static_cast<int>(x->rows());
  const int64_t n = static_cast<int64_t>(batch.steps) * batch.size;
  RnnMatrix& mask = masks_[site];
  EnsureSize(&mask, rows, n);
  for (int t = 0; t < batch.steps; ++t) {
    for (int b = 0; b < batch.size; ++b) {
      const int64_t col = static_cast<int64_t>(t) * batch.size + b;
      const uint64_t base =
          Mix(Mix(seed ^ Mix(batch.keys[b])) + (static_cast<uint64_t>(site) << 32 | t));
      float* m = mask.data() + col * rows;
      for (int r = 0; r < rows; ++r) {
        m[r] = (Mix(base + r) >> 40) < threshold ? 0.0f : keep_scale;
      }
    }
  }
  x->leftCols(n).array() *= mask.leftCols(n).array();
}

HeadStats RnnWorkspace::Forward(const float* params, const RnnMatrix& embedding,
                                const RnnBatch& batch, bool train, uint64_t dropout_seed,
                                float scale, bool gradient) {
  const int T = batch.steps, B = batch.size, H = net_.spec().hidden();
  const int64_t n = static_cast<int64_t>(T) * B;
  const int dim = net_.shape().dim;
  EnsureSize(&in_[0], dim, n);
  for (int64_t k = 0; k < n; ++k) {
    if (batch.ids[k] < 0) {
      in_[0].col(k).setZero();
    } else {
      in_[0].col(k) = embedding.col(batch.ids[k]);
    }
  }
  dropped_ = train && net_.spec().dropout() > 0;
  if (dropped_) Dropout(0, batch, dropout_seed, &in_[0]);
  const int D = net_.directions();
  for (int l = 0; l < net_.layers(); ++l) {
    EnsureSize(&in_[l + 1], H * D, n);
    for (int d = 0; d < D; ++d) {
      RecurrentLayer& cell = *cells_[l * D + d];
      cell.Forward(params, in_[l].leftCols(n), batch.mask.data(), T, B);
      in_[l + 1].middleRows(d * H, H).leftCols(n) = cell.output().leftCols(n);
    }
    if (dropped_) Dropout(l + 1, batch, dropout_seed, &in_[l + 1]);
  }
  const RnnMatrix& top = in_[net_.layers()];
  if (classifier_) {
    classifier_->Forward(params, top.leftCols(n), batch.lengths, T, B);
  } else {
    token_head_->Forward(params, &embedding, top.leftCols(n), n);
  }
  return SoftmaxCrossEntropy(logits(), batch.targets.data(), scale, gradient);
}

void RnnWorkspace::Backward(const float* params, const RnnMatrix& embedding, const RnnBatch& batch,
                            const int32_t* slot_of, float* dense_grads, RnnMatrix* row_grads) {
  const int T = batch.steps, B = batch.size, H = net_.spec().hidden(), L = net_.layers();
  const int D = net_.directions();
  const int64_t n = static_cast<int64_t>(T) * B;
  const RnnMatrix& top = in_[L];
  EnsureSize(&din_[L], static_cast<int>(top.rows()), n);
  if (classifier_) {
    classifier_->Backward(params, top.leftCols(n), dense_grads, din_[L].leftCols(n));
  } else {
    token_head_->Backward(params, &embedding, top.leftCols(n), dense_grads,
                          net_.tied() ? row_grads : nullptr, din_[L].leftCols(n));
  }
  const bool want_rows = row_grads != nullptr && slot_of != nullptr;
  for (int l = L - 1; l >= 0; --l) {
    if (dropped_) din_[l + 1].leftCols(n).array() *= masks_[l + 1].leftCols(n).array();
    const bool need_dx = l > 0 || want_rows;
    if (need_dx) {
      EnsureSize(&din_[l], static_cast<int>(in_[l].rows()), n);
      din_[l].leftCols(n).setZero();
    }
    for (int d = 0; d < D; ++d) {
      cells_[l * D + d]->Backward(params, in_[l].leftCols(n), batch.mask.data(),
                                  din_[l + 1].middleRows(d * H, H).leftCols(n), dense_grads,
                                  need_dx ? &din_[l] : nullptr);
    }
  }
  if (!want_rows) return;
  if (dropped_) din_[0].leftCols(n).array() *= masks_[0].leftCols(n).array();
  for (int64_t k = 0; k < n; ++k) {
    const int32_t id = batch.ids[k];
    if (id >= 0 && slot_of[id] >= 0) row_grads->col(slot_of[id]) += din_[0].col(k);
  }
}

}  // namespace wordmill
