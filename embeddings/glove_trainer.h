// GloVe training across ranks and threads.
//
// Each rank trains on the co-occurrence shards assigned to it (shard k goes to rank
// k mod ranks), shuffled once into a flat training file (embeddings/glove_shuffle.h). Inside a
// rank, threads take equal contiguous slices of that file and update the shared parameters
// without locks (Hogwild), as GloVe C does. Across ranks every rank holds a full replica of
// the parameters (W, W~, biases and the AdaGrad sums). Because shards are split by row, a word
// vector w_i is only changed by the rank that owns row i; context vectors are shared. By default
// (GLOVE_SYNC_ROW_OWNER, embeddings/glove_row_owner.h) an epoch is P sub-rounds in which every
// rank trains a different block of context rows, passed on to the next rank after each
// sub-round: no two ranks ever update the same row, so the result is as good as one rank's.
// The older modes (adagrad, sum, average) let every rank change every context row and combine
// the changes with all-reduces every sync_records records or once per epoch (GloveSync in
// wordmill.proto). Communication per epoch and rank, row owner: P passes of V/P context rows
// (values and AdaGrad sums, 8V(d + 1) bytes in all) plus one all-reduce of 2 * 2V(d + 1) + V
// floats that assembles the model for the checkpoint.
//
// After every epoch rank 0 writes a checkpoint (embeddings/glove_checkpoint.h); with resume
// the trainer continues after the last complete one.
#ifndef WORDMILL_EMBEDDINGS_GLOVE_TRAINER_H_
#define WORDMILL_EMBEDDINGS_GLOVE_TRAINER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "embeddings/glove_model.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct GloveEpochReport {
  int epoch = 0;  // 1-based
  int epochs = 0;
  double cost = 0;     // mean cost per record over all ranks
  double seconds = 0;  // wall time of the epoch (training and synchronization)
  double sync_seconds = 0;
};

struct GloveTrainResult {
  int64_t records = 0;  // all ranks
  std::vector<int64_t> rank_records;
  int start_epoch = 0;        // epochs done before this run (resume)
  std::vector<double> costs;  // per epoch, including resumed ones
  double shuffle_seconds = 0;
  double train_seconds = 0;
  int64_t sync_floats = 0;  // floats all-reduced per synchronization (0 on one rank)
  int syncs_per_epoch = 0;
  GloveParams params;  // the trained parameters (identical on every rank)
};

// `threads` worker threads per rank; `on_epoch` is called on every rank after each epoch.
absl::StatusOr<GloveTrainResult> TrainGlove(
    const GloveCommand& spec, const std::string& spec_text, const Vocabulary& vocab, int threads,
    Communicator* comm, const std::function<void(const GloveEpochReport&)>& on_epoch);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_GLOVE_TRAINER_H_
