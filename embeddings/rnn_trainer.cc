#include "embeddings/rnn_trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/format.h"
#include "base/parallel.h"
#include "base/progress.h"
#include "base/status_macros.h"
#include "embeddings/rnn_model_file.h"

namespace wordmill {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One thread's share of a minibatch: its workspace and gradients.
struct ThreadState {
  explicit ThreadState(const RnnNetwork& net) : workspace(net) {}
  RnnWorkspace workspace;
  RnnBatch batch;
  RnnVector grads;
  RnnMatrix row_grads;
  HeadStats stats;
};

// The minibatches of an epoch: example indices, shuffled by (seed, epoch), sorted by length
// within pools of bucket_batches minibatches, the minibatches' order shuffled again.
std::vector<std::vector<int64_t>> EpochBatches(const RnnExamples& data, const RnnSpec& spec,
                                               int epoch) {
  std::mt19937_64 rng(Mix(spec.seed() * 1000003 + epoch));
  std::vector<int64_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  const int64_t batch = spec.batch();
  const int64_t pool = batch * std::max(1, spec.bucket_batches());
  std::vector<std::vector<int64_t>> batches;
  for (int64_t p = 0; p < data.size(); p += pool) {
    auto begin = order.begin() + p, end = order.begin() + std::min(data.size(), p + pool);
    if (spec.bucket_batches() > 1) {
      std::stable_sort(begin, end, [&](int64_t a, int64_t b) {
        return data.tokens[a].size() < data.tokens[b].size();
      });
    }
    for (auto it = begin; it < end; it += std::min<int64_t>(batch, end - it)) {
      batches.emplace_back(it, it + std::min<int64_t>(batch, end - it));
    }
  }
  std::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

class Trainer {
 public:
  Trainer(RnnModel* model, const RnnTrainOptions& options, Communicator* comm)
      : model_(*model),
        options_(options),
        comm_(comm),
        spec_(model->spec()),
        net_(spec_, model->shape),
        trainable_(spec_.fine_tune() && !spec_.freeze()),
        optimizer_(spec_, net_.layout().size(), trainable_ ? model->shape.dim : 0,
                   trainable_ ? model->shape.vocab : 0),
        slot_of_(model->shape.vocab, -1) {
    for (int t = 0; t < std::max(1, options.threads); ++t) {
      threads_.push_back(std::make_unique<ThreadState>(net_));
      threads_.back()->grads.assign(net_.layout().size(), 0.0f);
    }
  }

  RnnOptimizerState& optimizer_state() { return optimizer_.state(); }

  // One epoch; returns the summed statistics of all ranks.
  absl::StatusOr<HeadStats> Epoch(const RnnExamples& data, int epoch, int64_t* tokens) {
    const std::vector<std::vector<int64_t>> batches = EpochBatches(data, spec_, epoch);
    const float lr = optimizer_.LearningRate(epoch);
    HeadStats local;
    const double start = Now();
    std::atomic<int64_t> done{0}, epoch_tokens{0};
    std::atomic<double> loss{0};
    std::unique_ptr<ProgressLine> progress;
    if (comm_->rank() == 0 && options_.progress_seconds > 0) {
      progress =
          std::make_unique<ProgressLine>(options_.progress_seconds, false, [&, epoch](double) {
            const double fraction = static_cast<double>(done) / std::max<size_t>(1, batches.size());
            const double seconds = Now() - start;
            const double left = (1 - fraction) * seconds / std::max(fraction, 1e-9) +
                                (spec_.epochs() - epoch - 1) * seconds / std::max(fraction, 1e-9);
            return FormatProgressLine(
                options_.progress_label,
                absl::StrFormat(
                    "epoch %d/%d %.1f%% %s loss %.4f", epoch + 1, spec_.epochs(), 100 * fraction,
                    FormatRate(epoch_tokens / std::max(seconds, 1e-9), "tokens"), loss.load()),
                fraction > 0 ? left : -1, RankZeroScope(comm_->size()));
          });
    }
    for (size_t i = 0; i < batches.size(); ++i) {
      WM_RETURN_IF_ERROR(Step(data, batches[i], lr,
                              Mix(Mix(spec_.seed()) ^ (epoch * 1000003ULL + i)), epoch, &local,
                              &epoch_tokens));
      loss = local.count > 0 ? local.loss / local.count : 0;
      ++done;
    }
    progress.reset();
    *tokens = epoch_tokens;
    double sums[3] = {local.loss, static_cast<double>(local.correct),
                      static_cast<double>(local.count)};
    WM_RETURN_IF_ERROR(comm_->AllReduce(absl::MakeSpan(sums, 3), ReduceOp::kSum));
    HeadStats total;
    total.loss = sums[0];
    total.correct = static_cast<int64_t>(sums[1]);
    total.count = static_cast<int64_t>(sums[2]);
    return total;
  }

 private:
  absl::Status Step(const RnnExamples& data, const std::vector<int64_t>& batch, float lr,
                    uint64_t dropout_seed, int epoch, HeadStats* stats,
                    std::atomic<int64_t>* tokens) {
    // The rows that get a gradient: the minibatch's words (all of them when tied), in an order
    // every rank knows.
    rows_.clear();
    int64_t token_count = 0;
    for (int64_t i : batch) token_count += data.tokens[i].size();
    *tokens += token_count;
    if (trainable_) {
      if (net_.tied()) {
        rows_.resize(model_.shape.vocab);
        std::iota(rows_.begin(), rows_.end(), 0);
      } else {
        for (int64_t i : batch)
          rows_.insert(rows_.end(), data.tokens[i].begin(), data.tokens[i].end());
        std::sort(rows_.begin(), rows_.end());
        rows_.erase(std::unique(rows_.begin(), rows_.end()), rows_.end());
      }
      for (size_t k = 0; k < rows_.size(); ++k) slot_of_[rows_[k]] = static_cast<int32_t>(k);
    }
    const int64_t scored = net_.per_token() ? token_count : static_cast<int64_t>(batch.size());
    const float scale = 1.0f / static_cast<float>(std::max<int64_t>(1, scored));
    const int64_t B = static_cast<int64_t>(batch.size()), P = comm_->size(), r = comm_->rank();
    const int64_t share_begin = B * r / P, share_end = B * (r + 1) / P;
    const int T = static_cast<int>(threads_.size());
    const int dim = model_.shape.dim;
    RunThreads(T, [&](int t) {
      ThreadState& ts = *threads_[t];
      std::fill(ts.grads.begin(), ts.grads.end(), 0.0f);
      ts.row_grads.setZero(dim, static_cast<int64_t>(rows_.size()));
      ts.stats = HeadStats();
      const int64_t n = share_end - share_begin;
      const int64_t begin = share_begin + n * t / T, end = share_begin + n * (t + 1) / T;
      if (begin == end) return;
      std::vector<const std::vector<int32_t>*> tokens, targets;
      std::vector<uint64_t> keys;
      for (int64_t k = begin; k < end; ++k) {
        tokens.push_back(&data.tokens[batch[k]]);
        targets.push_back(&data.targets[batch[k]]);
        keys.push_back(static_cast<uint64_t>(batch[k]));
      }
      BuildBatch(tokens, targets, keys, net_.per_token(), &ts.batch);
      ts.stats = ts.workspace.Forward(model_.params.data(), model_.embedding, ts.batch, true,
                                      dropout_seed, scale, true);
      ts.workspace.Backward(model_.params.data(), model_.embedding, ts.batch, slot_of_.data(),
                            ts.grads.data(), trainable_ ? &ts.row_grads : nullptr);
    });
    ThreadState& sum = *threads_[0];
    for (int t = 1; t < T; ++t) {
      Eigen::Map<Eigen::ArrayXf>(sum.grads.data(), sum.grads.size()) +=
          Eigen::Map<const Eigen::ArrayXf>(threads_[t]->grads.data(), sum.grads.size());
      sum.row_grads += threads_[t]->row_grads;
      sum.stats.Add(threads_[t]->stats);
    }
    stats->Add(sum.stats);
    if (P > 1) {
      // Dense gradient and touched rows in one all-reduce.
      const size_t dense = sum.grads.size(), rows = sum.row_grads.size();
      reduce_.resize(dense + rows);
      std::copy(sum.grads.begin(), sum.grads.end(), reduce_.begin());
      std::copy(sum.row_grads.data(), sum.row_grads.data() + rows, reduce_.begin() + dense);
      WM_RETURN_IF_ERROR(comm_->AllReduce(absl::MakeSpan(reduce_), ReduceOp::kSum));
      std::copy(reduce_.begin(), reduce_.begin() + dense, sum.grads.begin());
      std::copy(reduce_.begin() + dense, reduce_.end(), sum.row_grads.data());
    }
    double norm2 = 0;
    for (float g : sum.grads) norm2 += static_cast<double>(g) * g;
    norm2 += sum.row_grads.cast<double>().squaredNorm();
    if (!std::isfinite(norm2) || !std::isfinite(sum.stats.loss)) {
      return absl::InternalError(
          absl::StrCat("training diverged: the loss or its gradient is NaN or infinite in epoch ",
                       epoch + 1, "; try a smaller --lr or a --clip"));
    }
    optimizer_.Step(lr, optimizer_.ClipScale(norm2), model_.params.data(), sum.grads.data(),
                    &model_.embedding, sum.row_grads, rows_);
    for (int32_t id : rows_) slot_of_[id] = -1;
    return absl::OkStatus();
  }

  RnnModel& model_;
  const RnnTrainOptions& options_;
  Communicator* comm_;
  const RnnSpec& spec_;
  RnnNetwork net_;
  const bool trainable_;
  RnnOptimizer optimizer_;
  std::vector<int32_t> slot_of_;  // word id -> column of the row gradients, or -1
  std::vector<int32_t> rows_;     // the minibatch's words
  std::vector<std::unique_ptr<ThreadState>> threads_;
  std::vector<float> reduce_;
};

// Higher is better: accuracy, or minus the perplexity for lm.
double DevScore(const RnnModel& model, const HeadStats& s) {
  return model.spec().task() == RNN_TASK_LM ? -Perplexity(s) : AccuracyPercent(s);
}

}  // namespace

int64_t RnnExamples::TokenCount() const {
  int64_t n = 0;
  for (const auto& t : tokens) n += static_cast<int64_t>(t.size());
  return n;
}

RnnModel NewRnnModel(const RnnTrainCommand& command, const RnnShape& shape,
                     std::vector<std::string> words, std::vector<std::string> classes,
                     float init_scale) {
  RnnModel model;
  model.command = command;
  model.shape = shape;
  model.words = std::move(words);
  model.classes = std::move(classes);
  model.params = RnnNetwork(command.rnn(), shape).InitParams(command.rnn().seed());
  std::mt19937_64 rng(Mix(command.rnn().seed() + 17));
  std::uniform_real_distribution<float> u(-init_scale, init_scale);
  model.embedding.resize(shape.dim, shape.vocab);
  for (int64_t i = 0; i < model.embedding.size(); ++i) model.embedding.data()[i] = u(rng);
  return model;
}

double Perplexity(const HeadStats& s) {
  return s.count > 0 ? std::exp(s.loss / static_cast<double>(s.count)) : 0;
}

absl::StatusOr<RnnTrainResult> TrainRnn(const RnnExamples& train, const RnnExamples* dev,
                                        const RnnTrainOptions& options, Communicator* comm,
                                        RnnModel* model) {
  const RnnSpec& spec = model->spec();
  Trainer trainer(model, options, comm);
  RnnTrainState state;
  if (options.resume) {
    absl::Status read = ReadRnnCheckpoint(options.checkpoint_path, model, &state);
    WM_RETURN_IF_ERROR(comm->AgreeOk(read));
    if (!state.optimizer.m.empty() || state.optimizer.steps > 0) {
      trainer.optimizer_state() = state.optimizer;
    }
  }
  RnnTrainResult result;
  const bool early_stopping = dev != nullptr && spec.patience() > 0;
  int run_epochs = 0;
  for (int epoch = state.epochs_done; epoch < spec.epochs(); ++epoch) {
    if (early_stopping && state.since_best >= spec.patience()) break;
    if (options.stop_after_epochs > 0 && run_epochs >= options.stop_after_epochs) {
      result.stopped = true;
      break;
    }
    const double start = Now();
    int64_t tokens = 0;
    WM_ASSIGN_OR_RETURN(const HeadStats stats, trainer.Epoch(train, epoch, &tokens));
    RnnEpochRecord record;
    record.epoch = epoch + 1;
    record.seconds = Now() - start;
    record.lr = RnnOptimizer(spec, 0, 0, 0).LearningRate(epoch);
    record.loss = stats.count > 0 ? stats.loss / stats.count : 0;
    record.train_accuracy = AccuracyPercent(stats);
    record.tokens_per_second = tokens / std::max(record.seconds, 1e-9);
    result.tokens += tokens;
    result.seconds += record.seconds;
    if (dev != nullptr && dev->size() > 0) {
      WM_ASSIGN_OR_RETURN(const HeadStats d, EvaluateRnn(*model, *dev, options.threads, comm));
      if (spec.task() == RNN_TASK_LM) {
        record.dev_perplexity = Perplexity(d);
      } else {
        record.dev_accuracy = AccuracyPercent(d);
      }
      const double score = DevScore(*model, d);
      if (state.best_epoch == 0 || score > state.best_score) {
        state.best_epoch = epoch + 1;
        state.best_score = score;
        state.since_best = 0;
        if (early_stopping) {
          state.best_params = model->params;
          state.best_embedding = model->embedding;
        }
      } else {
        ++state.since_best;
      }
    }
    state.epochs.push_back(record);
    state.epochs_done = epoch + 1;
    ++run_epochs;
    if (!options.checkpoint_path.empty()) {
      state.optimizer = trainer.optimizer_state();
      absl::Status written = comm->rank() == 0
                                 ? WriteRnnCheckpoint(options.checkpoint_path, *model, state)
                                 : absl::OkStatus();
      WM_RETURN_IF_ERROR(comm->AgreeOk(written));
    }
  }
  if (early_stopping && !state.best_params.empty() && !result.stopped) {
    model->params = state.best_params;
    model->embedding = state.best_embedding;
  }
  result.best_epoch = early_stopping ? state.best_epoch : state.epochs_done;
  result.epochs = state.epochs;
  return result;
}

}  // namespace wordmill
