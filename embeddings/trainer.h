// The one shape of every trainer (skip-gram / CBOW, GloVe, the downstream RNN trainers): a
// Trainer is created from its spec and inputs by its own factory (e.g. CreateWord2vecTrainer in
// embeddings/word2vec_training.h, CreateGloveTrainer in embeddings/glove_trainer.h), then
// RunTrainer drives it: resume from the last checkpoint, train the epochs one by one with a
// checkpoint after each, record the metrics file (embeddings/training_metrics.h), stop early
// when asked, write the outputs. The pipeline and the CLI only wire a trainer to RunTrainer.
//
// Every method is collective: all ranks call it in the same order and all return the same
// status (a failing rank its own error, the others Aborted — Communicator::AgreeOk).
#ifndef WORDMILL_EMBEDDINGS_TRAINER_H_
#define WORDMILL_EMBEDDINGS_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cluster/communicator.h"

namespace wordmill {

// What every trainer needs besides its own spec and inputs.
struct TrainerContext {
  Communicator* comm = nullptr;
  // Where the checkpoints, the metrics file and the outputs go (created by the caller).
  std::string output_dir;
  int threads = 1;               // worker threads per rank
  double progress_seconds = 10;  // between progress lines on rank 0's stderr; 0: none
  // The effective spec in protobuf text format, for trainers that store it in checkpoints.
  std::string spec_text;
};

// One point of a training curve, reported by a trainer on rank 0: at every progress line
// (epoch_end false) and once at the end of every epoch (epoch_end true).
struct TrainerProgress {
  int epoch = 0;        // 1-based, the epoch being trained
  int epochs = 0;       // epochs of the whole run (including ones done before a resume)
  double fraction = 0;  // fraction of all epochs done, 0..1
  // The trainer's loss: mean over the examples trained since the previous report (progress),
  // or over the epoch (epoch end). Word2vec: mean -log sigma per (input, target) pair,
  // negatives included; GloVe: mean weighted squared error per record.
  double loss = 0;
  double learning_rate = 0;     // current (word2vec: decayed alpha; GloVe: eta)
  double items_per_second = 0;  // words or records per second over all ranks, this run so far
  double seconds = 0;           // wall time since this run's first epoch started
  bool epoch_end = false;
};
using TrainerProgressCallback = std::function<void(const TrainerProgress&)>;

class Trainer {
 public:
  virtual ~Trainer() = default;

  // The trainer's name in messages and in the metrics file ("word2vec", "glove").
  virtual std::string name() const = 0;
  // Epochs of the whole run, as the spec says.
  virtual int epochs() const = 0;
  // The unit of the work counted in items_per_second ("words", "records") and how many are
  // trained per epoch over all ranks.
  virtual std::string item_unit() const = 0;
  virtual int64_t items_per_epoch() const = 0;

  // Loads the checkpoint of output_dir into the model and returns the epochs it holds (0 when
  // the trainer starts afresh without one). Called at most once, before the first epoch.
  virtual absl::StatusOr<int> Resume() = 0;
  // Trains epoch `epoch` (0-based), calling `progress` on rank 0 (may be null) at each progress
  // line and at the end of the epoch.
  virtual absl::Status TrainEpoch(int epoch, const TrainerProgressCallback& progress) = 0;
  // Writes the checkpoint after `epochs_done` epochs (atomically, a killed run leaves the
  // previous one).
  virtual absl::Status WriteCheckpoint(int epochs_done) = 0;
  // Writes the trained model's output files; returns their paths (on every rank).
  virtual absl::StatusOr<std::vector<std::string>> WriteOutputs() = 0;
  // Rank 0's summary of the epochs trained in this run (stdout lines, each ending in a
  // newline; empty when no epoch was trained).
  virtual std::string Summary() const = 0;
};

struct TrainerRunOptions {
  bool resume = false;        // continue from the checkpoint (Trainer::Resume)
  int stop_after_epochs = 0;  // > 0: stop after this many epochs as if killed (no outputs)
  // Called on every rank after each epoch is trained and checkpointed (1-based).
  std::function<void(int epoch)> on_epoch;
  // Called on rank 0 with every progress report, after it is recorded in the metrics file.
  TrainerProgressCallback on_progress;
};

struct TrainerRunResult {
  int start_epoch = 0;             // epochs done before this run
  int end_epoch = 0;               // epochs done after it
  bool stopped = false;            // stopped by stop_after_epochs: outputs not written
  std::vector<std::string> files;  // the outputs (empty when stopped)
  std::string metrics_path;        // output_dir/metrics.tsv
};

// Resumes (when asked), trains the remaining epochs with a checkpoint and a metrics-file update
// after each, then writes the outputs unless stopped. Collective.
absl::StatusOr<TrainerRunResult> RunTrainer(Trainer* trainer, const TrainerContext& context,
                                            const TrainerRunOptions& options);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_TRAINER_H_
