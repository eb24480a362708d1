// Skip-gram / CBOW (negative sampling or hierarchical softmax) behind the Trainer interface
// (embeddings/trainer.h): the rank's model (own or host-shared,
// embeddings/word2vec_shared_model.h), resume from and checkpoints to
// `<output_dir>/checkpoint/model.ckpt` (embeddings/word2vec_checkpoint.h), the epochs of
// Word2vecTrainer, and the vector files vectors.{bin,txt} (and vectors.out.{bin,txt} with
// save_output_vectors) in output_dir.
#ifndef WORDMILL_EMBEDDINGS_WORD2VEC_TRAINING_H_
#define WORDMILL_EMBEDDINGS_WORD2VEC_TRAINING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "embeddings/trainer.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// Loads this rank's id shard (`id_shard`, encoded under `vocab`) and makes the model. Resume
// without a checkpoint is a FailedPrecondition; a checkpoint of another vocabulary or spec is
// refused. The vocabulary must outlive the trainer. Collective.
absl::StatusOr<std::unique_ptr<Trainer>> CreateWord2vecTrainer(const SgnsSpec& spec,
                                                               const Vocabulary& vocab,
                                                               const std::string& id_shard,
                                                               const TrainerContext& context);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_WORD2VEC_TRAINING_H_
