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
// the trainer continues after the last complete one (RunTrainer, embeddings/trainer.h).
#ifndef WORDMILL_EMBEDDINGS_GLOVE_TRAINER_H_
#define WORDMILL_EMBEDDINGS_GLOVE_TRAINER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "embeddings/trainer.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// GloVe behind the Trainer interface: shuffles this rank's co-occurrence shards of `cooccur_dir`
// (shard k to rank k mod P) into `<output_dir>/glove-tmp-<rank>/` (removed with the trainer),
// initializes the parameters from spec.seed; Resume loads `<output_dir>/glove-checkpoint.wmrec`
// when it exists (and starts afresh when it does not); WriteOutputs writes vectors.txt,
// vectors.bin and vectors.glove.txt (W + W~ unless spec.w_only). The vocabulary must outlive
// the trainer. Collective.
absl::StatusOr<std::unique_ptr<Trainer>> CreateGloveTrainer(const GloveSpec& spec,
                                                            const Vocabulary& vocab,
                                                            const std::string& cooccur_dir,
                                                            const TrainerContext& context);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_GLOVE_TRAINER_H_
