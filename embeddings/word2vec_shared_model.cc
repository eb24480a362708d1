#include "embeddings/word2vec_shared_model.h"

#include <cstdio>
#include <string>

namespace wordmill {

absl::StatusOr<Word2vecRankModel> MakeWord2vecRankModel(const SgnsSpec& spec, int64_t rows,
                                                        Communicator* comm) {
  Word2vecRankModel m;
  if (spec.share_model() == SHARE_MODEL_HOST && comm->local_size() > 1) {
    absl::StatusOr<std::unique_ptr<Communicator>> host = comm->SplitByHost();
    if (!host.ok()) return host.status();
    m.host = *std::move(host);
    const size_t model_bytes = Word2vecWeights::StorageBytes(rows, spec.dim());
    absl::StatusOr<std::unique_ptr<SharedMemory>> memory =
        m.host->AllocateShared(model_bytes + 2 * static_cast<size_t>(rows));
    // Every host must share, or none: the merges run over one kind of replica.
    absl::StatusOr<int64_t> all_shared = comm->MinInt64(memory.ok() ? 1 : 0);
    if (!all_shared.ok()) return all_shared.status();
    if (*all_shared == 1) {
      m.memory = *std::move(memory);
      m.weights = std::make_unique<Word2vecWeights>(rows, spec.dim(), m.memory->data());
      m.marks = static_cast<uint8_t*>(m.memory->data()) + model_bytes;
      absl::StatusOr<std::unique_ptr<Communicator>> replicas =
          comm->Split(m.host->rank() == 0 ? 0 : -1);
      if (!replicas.ok()) return replicas.status();
      m.replicas = *std::move(replicas);
    } else {
      if (!memory.ok() && m.host->rank() == 0) {  // one line per host
        std::fprintf(stderr,
                     "wordmill sgns: %s: no shared model (%s); every rank trains its own "
                     "replica (--share-model none)\n",
                     comm->Where().c_str(), std::string(memory.status().message()).c_str());
      }
      if (memory.ok()) memory->reset();  // released on every rank of the host together
      m.host.reset();
    }
  }
  if (m.weights == nullptr) m.weights = std::make_unique<Word2vecWeights>(rows, spec.dim());
  if (m.initializes()) m.weights->Initialize(spec.seed());
  return m;
}

}  // namespace wordmill
