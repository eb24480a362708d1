// Epoch checkpoints of the skip-gram / CBOW trainer: `<output_dir>/checkpoint/model.ckpt`.
//
// Layout (little-endian): magic "WMSGNSCK", uint32 version (1), uint32 dim, uint64 rows,
// uint64 vocabulary checksum, uint64 spec fingerprint, uint32 epochs done, uint32 zero, then W
// and C (rows x dim float32 each, no padding), then XXH3-64 of all preceding bytes. Written
// atomically (formats/atomic_file.h), so a killed run leaves the previous complete checkpoint.
// Random state is not saved: every epoch reseeds its threads from (seed, rank, thread, epoch),
// so a resumed run continues exactly as an uninterrupted one.
#ifndef WORDMILL_EMBEDDINGS_WORD2VEC_CHECKPOINT_H_
#define WORDMILL_EMBEDDINGS_WORD2VEC_CHECKPOINT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "embeddings/word2vec_model.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

std::string Word2vecCheckpointPath(const std::string& output_dir);

// A fingerprint of the spec fields that determine the training trajectory (model, loss,
// update, dim, window, negative, sample, epochs, alpha, seed); sync and output options are
// not part of it.
uint64_t SgnsSpecFingerprint(const SgnsSpec& spec);

absl::Status WriteWord2vecCheckpoint(const std::string& path, const Word2vecWeights& weights,
                                     uint64_t vocab_checksum, uint64_t spec_fingerprint,
                                     int epochs_done);

// Loads a checkpoint into `weights` (which has the expected rows and dim) and returns the
// epochs done. A damaged file is DataLoss; one from another vocabulary or spec is
// FailedPrecondition; both name the file.
absl::StatusOr<int> ReadWord2vecCheckpoint(const std::string& path, uint64_t vocab_checksum,
                                           uint64_t spec_fingerprint, Word2vecWeights* weights);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_WORD2VEC_CHECKPOINT_H_
