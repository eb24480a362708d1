// Using a trained RnnModel: evaluation across ranks, prediction, logits, sampling
// (declared in embeddings/rnn_trainer.h).
#include <algorithm>
#include <memory>
#include <numeric>

#include "base/parallel.h"
#include "embeddings/rnn_trainer.h"

namespace wordmill {
namespace {

// Runs `fn(workspace, batch, first)` over batches of `indices` (sorted by length), the batches
// spread round-robin over `threads` threads, each with its own workspace.
template <typename Fn>
void ForEachBatch(const RnnModel& model, const std::vector<std::vector<int32_t>>& tokens,
                  const std::vector<std::vector<int32_t>>* targets, std::vector<int64_t> indices,
                  int threads, Fn&& fn) {
  const RnnNetwork net(model.spec(), model.shape);
  std::stable_sort(indices.begin(), indices.end(),
                   [&](int64_t a, int64_t b) { return tokens[a].size() < tokens[b].size(); });
  const int64_t B = std::max(1, model.spec().batch());
  const int64_t batches = (static_cast<int64_t>(indices.size()) + B - 1) / B;
  const int T = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, batches)));
  const std::vector<int32_t> none;
  RunThreads(T, [&](int t) {
    RnnWorkspace workspace(net);
    RnnBatch batch;
    for (int64_t k = t; k < batches; k += T) {
      std::vector<const std::vector<int32_t>*> x, y;
      std::vector<uint64_t> keys;
      const int64_t end = std::min<int64_t>(indices.size(), (k + 1) * B);
      for (int64_t i = k * B; i < end; ++i) {
        x.push_back(&tokens[indices[i]]);
        y.push_back(targets != nullptr ? &(*targets)[indices[i]] : &tokens[indices[i]]);
        keys.push_back(indices[i]);
      }
      BuildBatch(x, y, keys, net.per_token(), &batch);
      if (targets == nullptr) std::fill(batch.targets.begin(), batch.targets.end(), -1);
      fn(t, workspace, batch, indices.data() + k * B);
    }
  });
}

}  // namespace

absl::StatusOr<HeadStats> EvaluateRnn(const RnnModel& model, const RnnExamples& data, int threads,
                                      Communicator* comm) {
  const int64_t n = data.size(), P = comm->size(), r = comm->rank();
  std::vector<int64_t> mine(n * (r + 1) / P - n * r / P);
  std::iota(mine.begin(), mine.end(), n * r / P);
  std::vector<HeadStats> per_thread(std::max(1, threads));
  ForEachBatch(model, data.tokens, &data.targets, mine, threads,
               [&](int t, RnnWorkspace& ws, const RnnBatch& batch, const int64_t*) {
                 per_thread[t].Add(ws.Forward(model.params.data(), model.embedding, batch, false, 0,
                                              1.0f, false));
               });
  HeadStats local;
  for (const HeadStats& s : per_thread) local.Add(s);
  double sums[3] = {local.loss, static_cast<double>(local.correct),
                    static_cast<double>(local.count)};
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(sums, 3), ReduceOp::kSum); !s.ok()) {
    return s;
  }
  HeadStats total;
  total.loss = sums[0];
  total.correct = static_cast<int64_t>(sums[1]);
  total.count = static_cast<int64_t>(sums[2]);
  return total;
}

std::vector<std::vector<int32_t>> PredictRnn(const RnnModel& model,
                                             const std::vector<std::vector<int32_t>>& tokens,
                                             int threads) {
  std::vector<std::vector<int32_t>> out(tokens.size());
  std::vector<int64_t> all(tokens.size());
  std::iota(all.begin(), all.end(), 0);
  const bool per_token = model.spec().task() != RNN_TASK_CLASSIFY;
  ForEachBatch(model, tokens, nullptr, all, threads,
               [&](int, RnnWorkspace& ws, const RnnBatch& batch, const int64_t* index) {
                 ws.Forward(model.params.data(), model.embedding, batch, false, 0, 1.0f, false);
                 const RnnMatrix& logits = ws.logits();
                 for (int b = 0; b < batch.size; ++b) {
                   std::vector<int32_t>& o = out[index[b]];
                   const int steps = per_token ? batch.lengths[b] : 1;
                   for (int t = 0; t < steps; ++t) {
                     Eigen::Index best;
                     logits.col(static_cast<int64_t>(t) * batch.size + b).maxCoeff(&best);
                     o.push_back(static_cast<int32_t>(best));
                   }
                 }
               });
  return out;
}

RnnMatrix RnnLogits(const RnnModel& model, const std::vector<std::vector<int32_t>>& tokens) {
  const RnnNetwork net(model.spec(), model.shape);
  RnnWorkspace ws(net);
  std::vector<const std::vector<int32_t>*> x;
  std::vector<uint64_t> keys;
  for (size_t i = 0; i < tokens.size(); ++i) {
    x.push_back(&tokens[i]);
    keys.push_back(i);
  }
  RnnBatch batch;
  BuildBatch(x, x, keys, net.per_token(), &batch);
  std::fill(batch.targets.begin(), batch.targets.end(), -1);
  ws.Forward(model.params.data(), model.embedding, batch, false, 0, 1.0f, false);
  return ws.logits();
}

std::vector<int32_t> SampleRnn(const RnnModel& model, int words, float temperature,
                               std::mt19937_64* rng) {
  const RnnNetwork net(model.spec(), model.shape);
  RnnWorkspace ws(net);
  std::vector<int32_t> prefix = {kEosId};
  std::vector<int32_t> out;
  RnnBatch batch;
  for (int w = 0; w < words; ++w) {
    // The whole prefix again each time: a sample is a few dozen words.
    BuildBatch({&prefix}, {&prefix}, {0}, true, &batch);
    std::fill(batch.targets.begin(), batch.targets.end(), -1);
    ws.Forward(model.params.data(), model.embedding, batch, false, 0, 1.0f, false);
    const RnnMatrix& logits = ws.logits();
    const int next = SampleFromLogits(logits.col(logits.cols() - 1).data(),
                                      static_cast<int>(logits.rows()), temperature, rng);
    if (next == kEosId) break;
    out.push_back(next);
    prefix.push_back(next);
  }
  return out;
}

}  // namespace wordmill
