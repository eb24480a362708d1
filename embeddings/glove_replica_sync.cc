#include "embeddings/glove_replica_sync.h"

#include <algorithm>
#include <cmath>

#include "absl/status/statusor.h"

namespace wordmill {
namespace {

constexpr size_t kSyncChunk = 1 << 24;  // floats per all-reduce call

// How many ranks changed each context row since the snapshot: a rank that trained on a record
// with context j raised j's bias AdaGrad sum. Collective (an all-reduce of V floats).
absl::StatusOr<std::vector<float>> ContextContributors(const GloveParams& p,
                                                       const std::vector<float>& snap_gradsq,
                                                       Communicator* comm) {
  std::vector<float> contributors(static_cast<size_t>(p.vocab_size));
  for (int64_t j = 0; j < p.vocab_size; ++j) {
    const int64_t bias = (p.vocab_size + j) * p.stride() + p.dim;
    contributors[j] = p.gradsq[bias] != snap_gradsq[bias] ? 1.0f : 0.0f;
  }
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(contributors), ReduceOp::kSum); !s.ok()) {
    return s;
  }
  return contributors;
}

}  // namespace

absl::Status AllReduceFloatSum(float* data, size_t n, Communicator* comm) {
  for (size_t at = 0; at < n; at += kSyncChunk) {
    const size_t m = std::min(kSyncChunk, n - at);
    if (absl::Status s = comm->AllReduce(absl::MakeSpan(data + at, m), ReduceOp::kSum); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status SyncReplicas(GloveSync mode, GloveParams* params, std::vector<float>* snap_values,
                          std::vector<float>* snap_gradsq, Communicator* comm) {
  absl::StatusOr<std::vector<float>> contributors =
      ContextContributors(*params, *snap_gradsq, comm);
  if (!contributors.ok()) return contributors.status();
  float* v = params->values.data();
  float* g = params->gradsq.data();
  float* sv = snap_values->data();
  float* sg = snap_gradsq->data();
  const size_t n = params->values.size();
  std::vector<float> g_sum(n);
  for (size_t k = 0; k < n; ++k) g_sum[k] = g[k] - sg[k];
  if (absl::Status s = AllReduceFloatSum(g_sum.data(), n, comm); !s.ok()) return s;
  const int64_t stride = params->stride();
  const size_t context_start = static_cast<size_t>(params->vocab_size * stride);
  for (size_t k = 0; k < n; ++k) {
    const float combined = sg[k] + g_sum[k];
    v[k] -= sv[k];
    const bool context_bias =
        k >= context_start && (k - context_start) % stride == static_cast<size_t>(params->dim);
    if (mode == GLOVE_SYNC_ADAGRAD && !context_bias) v[k] *= std::sqrt(g[k] / combined);
    sg[k] = g[k] = combined;
  }
  if (absl::Status s = AllReduceFloatSum(v, n, comm); !s.ok()) return s;
  for (int64_t j = 0; j < params->vocab_size && mode != GLOVE_SYNC_SUM; ++j) {
    const float c = (*contributors)[j];
    if (c <= 1.0f) continue;
    float* row = v + context_start + j * stride;
    if (mode == GLOVE_SYNC_AVERAGE) {
      for (int64_t k = 0; k < stride; ++k) row[k] /= c;
    } else {
      row[params->dim] /= c;  // GLOVE_SYNC_ADAGRAD: the context bias is averaged
    }
  }
  for (size_t k = 0; k < n; ++k) {
    sv[k] += v[k];
    v[k] = sv[k];
  }
  return absl::OkStatus();
}

}  // namespace wordmill
