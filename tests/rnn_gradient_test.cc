// Finite-difference checks of every gradient of the RNN network (embeddings/rnn_network.h): the
// LSTM and GRU cells in both directions and stacked, every head and pooling, dropout, and the
// embedding rows (input side and the tied output side). Float32 with central differences; the
// relative error per parameter block must stay below 1e-2 (a wrong gradient gives ~1).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "embeddings/rnn_network.h"
#include "gtest/gtest.h"

namespace wordmill {
namespace {

struct Case {
  RnnTask task = RNN_TASK_CLASSIFY;
  RnnCell cell = RNN_CELL_LSTM;
  bool bidirectional = false;
  int layers = 1;
  RnnPooling pooling = RNN_POOLING_LAST;
  float dropout = 0;
  bool tied = false;
};

class GradientCheck {
 public:
  explicit GradientCheck(const Case& c) {
    spec_.set_task(c.task);
    spec_.set_cell(c.cell);
    spec_.set_bidirectional(c.bidirectional);
    spec_.set_layers(c.layers);
    spec_.set_hidden(5);
    spec_.set_pooling(c.pooling);
    spec_.set_dropout(c.dropout);
    spec_.set_tie_embeddings(c.tied);
    shape_.vocab = 9;
    shape_.dim = c.tied ? 5 : 4;
    shape_.classes = c.task == RNN_TASK_LM ? shape_.vocab : 3;
    net_ = std::make_unique<RnnNetwork>(spec_, shape_);
    params_ = net_->InitParams(7);
    for (float& p : params_) p *= 2;  // livelier activations than the default init
    std::mt19937_64 rng(3);
    std::normal_distribution<float> normal(0, 0.6f);
    embedding_.resize(shape_.dim, shape_.vocab);
    for (int64_t i = 0; i < embedding_.size(); ++i) embedding_.data()[i] = normal(rng);
    const std::vector<int> lengths = {5, 3, 1, 4};
    for (size_t b = 0; b < lengths.size(); ++b) {
      tokens_.emplace_back();
      targets_.emplace_back();
      for (int t = 0; t < lengths[b]; ++t) {
        tokens_.back().push_back(static_cast<int32_t>(rng() % shape_.vocab));
        targets_.back().push_back(static_cast<int32_t>(rng() % shape_.classes));
      }
    }
    std::vector<const std::vector<int32_t>*> x, y;
    for (size_t b = 0; b < tokens_.size(); ++b) {
      x.push_back(&tokens_[b]);
      y.push_back(&targets_[b]);
    }
    BuildBatch(x, y, {11, 12, 13, 14}, net_->per_token(), &batch_);
    int64_t count = 0;
    for (int32_t t : batch_.targets) count += t >= 0;
    scale_ = 1.0f / static_cast<float>(count);
    train_ = c.dropout > 0;
  }

  double Loss(RnnWorkspace* ws) {
    return ws->Forward(params_.data(), embedding_, batch_, train_, 99, scale_, false).loss * scale_;
  }

  // Relative error of the analytic gradient of each block and of the embedding.
  void Run() {
    RnnWorkspace ws(*net_);
    RnnVector grads(params_.size(), 0.0f);
    RnnMatrix rows = RnnMatrix::Zero(shape_.dim, shape_.vocab);
    std::vector<int32_t> slot_of(shape_.vocab);
    for (int i = 0; i < shape_.vocab; ++i) slot_of[i] = i;
    ws.Forward(params_.data(), embedding_, batch_, train_, 99, scale_, true);
    ws.Backward(params_.data(), embedding_, batch_, slot_of.data(), grads.data(), &rows);
    const ParamLayout& layout = net_->layout();
    const float eps = 5e-3f;
    for (int i = 0; i < layout.block_count(); ++i) {
      const ParamBlock& block = layout.block(i);
      double diff = 0, norm = 0;
      for (int64_t k = 0; k < static_cast<int64_t>(block.rows) * block.cols; ++k) {
        float& p = params_[block.offset + k];
        const float saved = p;
        p = saved + eps;
        const double plus = Loss(&ws);
        p = saved - eps;
        const double minus = Loss(&ws);
        p = saved;
        const double fd = (plus - minus) / (2 * eps);
        const double a = grads[block.offset + k];
        diff += (a - fd) * (a - fd);
        norm += a * a + fd * fd;
      }
      const double err = std::sqrt(diff / std::max(norm, 1e-20));
      EXPECT_LT(err, 1e-2) << block.name;
      EXPECT_GT(norm, 1e-12) << block.name << " has no gradient";
      ++checked_;
    }
    double diff = 0, norm = 0;
    for (int64_t k = 0; k < embedding_.size(); ++k) {
      float& p = embedding_.data()[k];
      const float saved = p;
      p = saved + eps;
      const double plus = Loss(&ws);
      p = saved - eps;
      const double minus = Loss(&ws);
      p = saved;
      const double fd = (plus - minus) / (2 * eps);
      const double a = rows.data()[k];
      diff += (a - fd) * (a - fd);
      norm += a * a + fd * fd;
    }
    EXPECT_LT(std::sqrt(diff / std::max(norm, 1e-20)), 1e-2) << "embedding";
    EXPECT_GT(norm, 1e-12) << "embedding has no gradient";
  }

  int checked() const { return checked_; }

 private:
  RnnSpec spec_;
  RnnShape shape_;
  std::unique_ptr<RnnNetwork> net_;
  RnnVector params_;
  RnnMatrix embedding_;
  std::vector<std::vector<int32_t>> tokens_, targets_;
  RnnBatch batch_;
  float scale_ = 1;
  bool train_ = false;
  int checked_ = 0;
};

void Check(const Case& c, int blocks) {
  GradientCheck check(c);
  check.Run();
  EXPECT_EQ(check.checked(), blocks);
}

TEST(RnnGradientTest, LstmLastState) { Check({RNN_TASK_CLASSIFY, RNN_CELL_LSTM}, 5); }

TEST(RnnGradientTest, BidirectionalStackedLstmWithDropout) {
  Check({RNN_TASK_CLASSIFY, RNN_CELL_LSTM, true, 2, RNN_POOLING_LAST, 0.3f}, 2 * 2 * 3 + 2);
}

TEST(RnnGradientTest, GruLastState) { Check({RNN_TASK_CLASSIFY, RNN_CELL_GRU}, 6); }

TEST(RnnGradientTest, BidirectionalStackedGruMeanPooling) {
  Check({RNN_TASK_CLASSIFY, RNN_CELL_GRU, true, 2, RNN_POOLING_MEAN}, 2 * 2 * 4 + 2);
}

TEST(RnnGradientTest, BidirectionalLstmMaxPooling) {
  Check({RNN_TASK_CLASSIFY, RNN_CELL_LSTM, true, 1, RNN_POOLING_MAX}, 2 * 3 + 2);
}

TEST(RnnGradientTest, TaggerBidirectionalGru) {
  Check({RNN_TASK_TAG, RNN_CELL_GRU, true, 1, RNN_POOLING_LAST, 0.2f}, 2 * 4 + 2);
}

TEST(RnnGradientTest, TaggerStackedLstm) {
  Check({RNN_TASK_TAG, RNN_CELL_LSTM, false, 2}, 2 * 3 + 2);
}

TEST(RnnGradientTest, LanguageModelLstm) { Check({RNN_TASK_LM, RNN_CELL_LSTM}, 5); }

TEST(RnnGradientTest, LanguageModelTiedEmbeddings) {
  Case c{RNN_TASK_LM, RNN_CELL_GRU};
  c.tied = true;
  Check(c, 4 + 1);
}

TEST(RnnGradientTest, AveragedEmbeddingBaseline) {
  Check({RNN_TASK_CLASSIFY, RNN_CELL_AVERAGE, false, 1, RNN_POOLING_LAST, 0.2f}, 2);
}

}  // namespace
}  // namespace wordmill
