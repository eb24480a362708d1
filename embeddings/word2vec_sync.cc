#include "embeddings/word2vec_sync.h"

#include <algorithm>
#include <cstring>

namespace wordmill {
namespace {

// MPI counts are int: reduce in chunks well below 2^31 elements.
constexpr size_t kChunkFloats = size_t{1} << 26;

absl::Status SyncMatrix(float* x, float* snapshot, size_t n, Communicator* comm) {
  for (size_t i = 0; i < n; ++i) x[i] -= snapshot[i];
  for (size_t begin = 0; begin < n; begin += kChunkFloats) {
    const size_t len = std::min(kChunkFloats, n - begin);
    if (absl::Status s = comm->AllReduce(absl::MakeSpan(x + begin, len), ReduceOp::kSum); !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < n; ++i) snapshot[i] = x[i] += snapshot[i];
  return absl::OkStatus();
}

}  // namespace

ReplicaSync::ReplicaSync(const Word2vecWeights& model)
    : in_snapshot_(model.floats_per_matrix()), out_snapshot_(model.floats_per_matrix()) {
  std::memcpy(in_snapshot_.data(), model.in(0), model.floats_per_matrix() * sizeof(float));
  std::memcpy(out_snapshot_.data(), model.out(0), model.floats_per_matrix() * sizeof(float));
}

absl::Status ReplicaSync::Sync(Word2vecWeights* model, Communicator* comm) {
  const size_t n = model->floats_per_matrix();
  if (absl::Status s = SyncMatrix(model->in_data(), in_snapshot_.data(), n, comm); !s.ok()) {
    return s;
  }
  return SyncMatrix(model->out_data(), out_snapshot_.data(), n, comm);
}

int64_t ReplicaSync::bytes_per_sync() const {
  return static_cast<int64_t>(in_snapshot_.size() + out_snapshot_.size()) * 4;
}

}  // namespace wordmill
