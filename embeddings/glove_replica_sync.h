// Synchronizing GloVe replicas by combining their changes (GLOVE_SYNC_ADAGRAD, _SUM, _AVERAGE;
// the row-owner mode is embeddings/glove_row_owner.h), and the chunked float all-reduce both
// use.
#ifndef WORDMILL_EMBEDDINGS_GLOVE_REPLICA_SYNC_H_
#define WORDMILL_EMBEDDINGS_GLOVE_REPLICA_SYNC_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "cluster/communicator.h"
#include "embeddings/glove_model.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// Sums data[0..n) over the ranks in place, in all-reduces of at most 2^24 floats. Collective.
absl::Status AllReduceFloatSum(float* data, size_t n, Communicator* comm);

// Combines every rank's changes since the snapshots (GloveSync); on return the parameters and
// the snapshots are equal on every rank. In GLOVE_SYNC_ADAGRAD the context biases are averaged
// over the ranks that changed them rather than scaled: GloVe's bias step has no learning rate
// and nearly fits the rank's own records, so adding several ranks' steps overshoots.
// Collective.
absl::Status SyncReplicas(GloveSync mode, GloveParams* params, std::vector<float>* snap_values,
                          std::vector<float>* snap_gradsq, Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_GLOVE_REPLICA_SYNC_H_
