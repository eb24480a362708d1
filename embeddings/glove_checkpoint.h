// Epoch checkpoints of the GloVe trainer: `<output_dir>/glove-checkpoint.wmrec`.
//
// A record file (formats/record_file.h, so every block is checksummed and the file is written
// atomically: a killed run leaves the previous complete checkpoint) with one fixed-size record
// per parameter row, 2 * V rows of (dim + 1) values followed by (dim + 1) AdaGrad sums, as
// float32. The header's metadata holds "epochs_done", "dim", "vocab_size", "vocab_checksum"
// and "cost" (the last epoch's mean cost). Written by rank 0 after the
// end-of-epoch synchronization, when every rank holds the same parameters.
#ifndef WORDMILL_EMBEDDINGS_GLOVE_CHECKPOINT_H_
#define WORDMILL_EMBEDDINGS_GLOVE_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "embeddings/glove_model.h"

namespace wordmill {

std::string GloveCheckpointPath(const std::string& output_dir);

absl::Status WriteGloveCheckpoint(const std::string& path, const GloveParams& params,
                                  uint64_t vocab_checksum, int epochs_done, double cost,
                                  const std::string& spec_text);

struct GloveCheckpointInfo {
  int epochs_done = 0;
  double cost = 0;
};

// Loads a checkpoint into `params` (already sized for the vocabulary and dim). A damaged or
// truncated file is DataLoss; one from another vocabulary or dimension is FailedPrecondition;
// both name the file.
absl::StatusOr<GloveCheckpointInfo> ReadGloveCheckpoint(const std::string& path,
                                                        uint64_t vocab_checksum,
                                                        GloveParams* params);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_GLOVE_CHECKPOINT_H_
