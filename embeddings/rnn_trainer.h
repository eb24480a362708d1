// Training and using an RNN model (embeddings/rnn_network.h) across ranks and threads.
//
// Synchronous data parallelism: every rank walks the same seeded sequence of global minibatches
// (shuffled, then sorted by length within pools of bucket_batches minibatches so that little
// padding is computed); rank r takes the r-th contiguous share of each minibatch and its
// threads split that share again. Each thread's gradient is summed, the dense gradient and the
// rows of the minibatch's words (the "touched" embedding rows, in an order every rank knows)
// are summed across ranks in one all-reduce, and every rank takes the same optimizer step. The
// loss is the mean over the global minibatch, so the global minibatch, not the number of ranks
// or threads, defines the model (up to the order of float sums; with one thread a seed gives
// the same model every time).
#ifndef WORDMILL_EMBEDDINGS_RNN_TRAINER_H_
#define WORDMILL_EMBEDDINGS_RNN_TRAINER_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "embeddings/rnn_network.h"
#include "embeddings/rnn_optimizer.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// Examples as ids: tokens[i] (ids of the embedding layer) with targets[i], one label
// (classify) or one target per token (tag: tag ids; lm: the next word's id).
struct RnnExamples {
  std::vector<std::vector<int32_t>> tokens;
  std::vector<std::vector<int32_t>> targets;
  int64_t size() const { return static_cast<int64_t>(tokens.size()); }
  int64_t TokenCount() const;
};

// A model: what model.wmrec holds (embeddings/rnn_model_file.h).
struct RnnModel {
  RnnTrainCommand command;  // command.rnn() is the network; the tokenizer and data options too
  RnnShape shape;
  std::vector<std::string> words;    // embedding column k is words[k]
  std::vector<std::string> classes;  // labels (classify) or tags (tag); empty for lm
  RnnVector params;                  // dense parameters (RnnNetwork::layout())
  RnnMatrix embedding;               // shape.dim x shape.vocab
  const RnnSpec& spec() const { return command.rnn(); }
};

// A new model: dense parameters from RnnNetwork::InitParams(seed), every embedding column
// uniform in +-init_scale (from the seed too); the caller may then copy pretrained vectors in.
RnnModel NewRnnModel(const RnnTrainCommand& command, const RnnShape& shape,
                     std::vector<std::string> words, std::vector<std::string> classes,
                     float init_scale);

struct RnnEpochRecord {
  int epoch = 0;  // 1-based
  float lr = 0;
  double loss = 0;             // mean cross-entropy per example (classify) or token
  double train_accuracy = 0;   // percent, with dropout, as trained
  double dev_accuracy = -1;    // percent; -1 without dev data (or for lm)
  double dev_perplexity = -1;  // lm with dev data
  double seconds = 0;
  double tokens_per_second = 0;  // training tokens (all ranks) per wall-clock second
};

struct RnnTrainOptions {
  int threads = 1;
  // Written by rank 0 after every epoch (model, optimizer state, epoch records); empty: none.
  std::string checkpoint_path;
  bool resume = false;          // continue from checkpoint_path
  int stop_after_epochs = 0;    // stop (as if killed) after this many epochs of this run; 0: no
  double progress_seconds = 0;  // rank 0's progress lines on stderr; 0: none
  std::string progress_label = "rnn train";
};

struct RnnTrainResult {
  std::vector<RnnEpochRecord> epochs;  // all epochs so far (from the checkpoint too)
  int best_epoch = 0;                  // the epoch whose model was kept
  int64_t tokens = 0;                  // training tokens (all ranks) in this run
  double seconds = 0;                  // training time of this run (dev scoring excluded)
  bool stopped = false;                // by stop_after_epochs
};

// Trains *model (its params and embedding already initialised; the same on every rank) on
// `train`; `dev` (may be null) is scored after every epoch and drives early stopping. NaN or
// infinite loss is an Internal error naming the epoch. Collective.
absl::StatusOr<RnnTrainResult> TrainRnn(const RnnExamples& train, const RnnExamples* dev,
                                        const RnnTrainOptions& options, Communicator* comm,
                                        RnnModel* model);

// Loss, accuracy and counts on `data` (no dropout); the ranks share the examples. Collective.
absl::StatusOr<HeadStats> EvaluateRnn(const RnnModel& model, const RnnExamples& data, int threads,
                                      Communicator* comm);

// The argmax label (classify: one per example) or tags (tag: one per token). One process.
std::vector<std::vector<int32_t>> PredictRnn(const RnnModel& model,
                                             const std::vector<std::vector<int32_t>>& tokens,
                                             int threads);

// The logits of one batch of examples (classes x B, or x T*B per token), for tests and export
// checks.
RnnMatrix RnnLogits(const RnnModel& model, const std::vector<std::vector<int32_t>>& tokens);

// A new text from a language model: word ids drawn from softmax(logits / temperature), starting
// after </s>, until </s> or `words` words.
std::vector<int32_t> SampleRnn(const RnnModel& model, int words, float temperature,
                               std::mt19937_64* rng);

// Accuracy in percent and perplexity (exp of the mean loss) of evaluation statistics.
inline double AccuracyPercent(const HeadStats& s) {
  return s.count > 0 ? 100.0 * static_cast<double>(s.correct) / s.count : 0;
}
double Perplexity(const HeadStats& s);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_RNN_TRAINER_H_
