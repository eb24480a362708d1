// The skip-gram / CBOW model a rank trains: its own replica, or with --share-model host the one
// the ranks of its host map in MPI shared memory (embeddings/README.md, "Ranks of one host
// share one model"). The host's rank 0 initializes a shared model (and reads the checkpoint
// into it on resume); the host's other ranks wait for it at the trainer's first host barrier.
#ifndef WORDMILL_EMBEDDINGS_WORD2VEC_SHARED_MODEL_H_
#define WORDMILL_EMBEDDINGS_WORD2VEC_SHARED_MODEL_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "embeddings/word2vec_model.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct Word2vecRankModel {
  std::unique_ptr<Communicator> host;      // sharing: the ranks of this host
  std::unique_ptr<Communicator> replicas;  // sharing: the hosts' rank 0s (null on the others)
  std::unique_ptr<SharedMemory> memory;    // sharing: W, C, then the row marks
  std::unique_ptr<Word2vecWeights> weights;
  uint8_t* marks = nullptr;
  // Whether this rank writes the model's initial values (every rank without sharing).
  bool initializes() const { return host == nullptr || host->rank() == 0; }
};

// The model of `rows` words for this rank, initialized from spec.seed by the ranks that
// initialize it. Every host shares its model, or none does (a host without room for it in
// shared memory makes every rank train its own replica, with one line on stderr). Collective.
absl::StatusOr<Word2vecRankModel> MakeWord2vecRankModel(const SgnsSpec& spec, int64_t rows,
                                                        Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_WORD2VEC_SHARED_MODEL_H_
