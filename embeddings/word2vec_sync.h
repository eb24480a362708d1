// Synchronization of the model replicas of the ranks (see embeddings/README.md).
//
// Every rank keeps a snapshot of the model as it was at the last synchronization. At a sync
// point each rank turns its matrices into its delta since the snapshot (x - snapshot), the
// deltas are summed with AllReduce, and every rank sets x = snapshot + sum of deltas (and the
// snapshot to x). Summing rather than averaging keeps every rank's steps at full size, exactly
// as the Hogwild threads of one rank add their updates to one shared model; averaging would
// divide each step by the number of ranks. Bytes per sync and rank: both matrices,
// 2 * V * dim * 4 (padded dim), reduced by MPI's all-reduce (a ring moves about
// 2 * (P-1)/P of that per rank in each direction).
#ifndef WORDMILL_EMBEDDINGS_WORD2VEC_SYNC_H_
#define WORDMILL_EMBEDDINGS_WORD2VEC_SYNC_H_

#include "absl/status/status.h"
#include "cluster/communicator.h"
#include "embeddings/word2vec_model.h"

namespace wordmill {

class ReplicaSync {
 public:
  // Takes the first snapshot; every rank's model must be identical here.
  explicit ReplicaSync(const Word2vecWeights& model);
  // Collective: merges the replicas' deltas since the last call (or construction).
  absl::Status Sync(Word2vecWeights* model, Communicator* comm);
  // Bytes this rank contributes to one Sync.
  int64_t bytes_per_sync() const;

 private:
  AlignedFloats in_snapshot_;
  AlignedFloats out_snapshot_;
};

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_WORD2VEC_SYNC_H_
