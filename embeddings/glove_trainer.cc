#include "embeddings/glove_trainer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "embeddings/glove_checkpoint.h"
#include "embeddings/glove_shuffle.h"
#include "formats/atomic_file.h"

namespace wordmill {
namespace {

constexpr size_t kReadRecords = 1 << 16;  // records per read of a thread's slice
constexpr size_t kSyncChunk = 1 << 24;    // floats per all-reduce call

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Trains on records [begin, end) of the training file; returns the summed cost.
absl::Status TrainSlice(const std::string& path, int64_t begin, int64_t end, GloveParams* params,
                        float eta, float grad_clip, double* cost) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return absl::InternalError(absl::StrCat(path, ": cannot open: ", strerror(errno)));
  std::vector<TrainingRecord> buffer(kReadRecords);
  double sum = 0;
  absl::Status status;
  for (int64_t at = begin; at < end;) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(kReadRecords, end - at));
    const size_t bytes = want * sizeof(TrainingRecord);
    const ssize_t got = ::pread(fd, buffer.data(), bytes, at * sizeof(TrainingRecord));
    if (got != static_cast<ssize_t>(bytes)) {
      status = absl::DataLossError(absl::StrCat(path, ": short read at record ", at));
      break;
    }
    constexpr size_t kAhead = 4;  // records prefetched ahead of the one being trained
    for (size_t k = 0; k < std::min(want, kAhead); ++k) GlovePrefetch(*params, buffer[k]);
    for (size_t k = 0; k < want; ++k) {
      if (k + kAhead < want) GlovePrefetch(*params, buffer[k + kAhead]);
      sum += GloveStep(params, buffer[k], eta, grad_clip);
    }
    at += static_cast<int64_t>(want);
  }
  ::close(fd);
  *cost = sum;
  return status;
}

// Hogwild: `threads` threads over equal parts of [begin, end).
absl::Status TrainRange(const std::string& path, int64_t begin, int64_t end, int threads,
                        GloveParams* params, const GloveSpec& spec, double* cost) {
  std::vector<double> costs(threads, 0.0);
  std::vector<absl::Status> status(threads);
  std::vector<std::thread> pool;
  const float eta = static_cast<float>(spec.eta());
  const float clip = static_cast<float>(spec.grad_clip());
  auto run = [&](int t) {
    const int64_t b = begin + (end - begin) * t / threads;
    const int64_t e = begin + (end - begin) * (t + 1) / threads;
    status[t] = TrainSlice(path, b, e, params, eta, clip, &costs[t]);
  };
  for (int t = 1; t < threads; ++t) pool.emplace_back(run, t);
  run(0);
  for (std::thread& thread : pool) thread.join();
  for (int t = 0; t < threads; ++t) {
    if (!status[t].ok()) return status[t];
    *cost += costs[t];
  }
  return absl::OkStatus();
}

absl::Status AllReduceSum(float* data, size_t n, Communicator* comm) {
  for (size_t at = 0; at < n; at += kSyncChunk) {
    const size_t m = std::min(kSyncChunk, n - at);
    if (absl::Status s = comm->AllReduce(absl::MakeSpan(data + at, m), ReduceOp::kSum); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

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

// Combines every rank's changes since the snapshots (GloveSync); on return the parameters and
// the snapshots are equal on every rank. In GLOVE_SYNC_ADAGRAD the context biases are averaged
// over the ranks that changed them rather than scaled: GloVe's bias step has no learning rate
// and nearly fits the rank's own records, so adding several ranks' steps overshoots.
// Collective.
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
  if (absl::Status s = AllReduceSum(g_sum.data(), n, comm); !s.ok()) return s;
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
  if (absl::Status s = AllReduceSum(v, n, comm); !s.ok()) return s;
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

struct RankData {
  std::string train_path;
  int64_t records = 0;
  int64_t max_records = 0;  // the largest rank's
};

// Shuffles this rank's shards into its training file. Collective.
absl::Status PrepareRankData(const GloveCommand& spec, const Vocabulary& vocab,
                             const std::string& tmp_dir, Communicator* comm,
                             GloveTrainResult* result, RankData* data) {
  absl::Status status;
  absl::StatusOr<std::vector<std::string>> shards = FindCooccurShards(spec.cooccur_dir());
  if (!shards.ok()) status = shards.status();
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  std::vector<std::string> mine;
  for (size_t k = comm->rank(); k < shards->size(); k += comm->size()) mine.push_back((*shards)[k]);
  std::error_code error;
  std::filesystem::remove_all(tmp_dir, error);
  std::filesystem::create_directories(tmp_dir, error);
  if (error) {
    status = absl::FailedPreconditionError(absl::StrCat(tmp_dir, ": ", error.message()));
  }
  ShuffleOptions options;
  options.vocab_checksum = VocabularyChecksum(vocab);
  options.vocab_size = static_cast<int64_t>(vocab.size());
  options.x_max = spec.glove().x_max();
  options.alpha = spec.glove().alpha();
  options.chunk_records = spec.glove().shuffle_chunk_records();
  options.seed = spec.glove().seed() * 0x9E3779B97F4A7C15ULL + comm->rank();
  data->train_path = tmp_dir + "/train.bin";
  if (status.ok()) {
    absl::StatusOr<ShuffleResult> shuffled = ShuffleCooccurrences(mine, options, data->train_path);
    if (shuffled.ok()) data->records = shuffled->records;
    status = shuffled.status();
  }
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  result->rank_records.assign(comm->size(), 0);
  result->rank_records[comm->rank()] = data->records;
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(result->rank_records), ReduceOp::kSum);
      !s.ok()) {
    return s;
  }
  for (int64_t r : result->rank_records) {
    result->records += r;
    data->max_records = std::max(data->max_records, r);
  }
  return absl::OkStatus();
}

// Initializes the parameters, or loads them from the checkpoint with --resume. Collective.
absl::Status InitOrResume(const GloveCommand& spec, const Vocabulary& vocab, Communicator* comm,
                          GloveTrainResult* result) {
  InitGloveParams(static_cast<int64_t>(vocab.size()), spec.glove().dim(), spec.glove().seed(),
                  &result->params);
  const std::string path = GloveCheckpointPath(spec.output_dir());
  absl::Status status;
  std::error_code error;
  if (spec.resume() && std::filesystem::exists(path, error)) {
    absl::StatusOr<GloveCheckpointInfo> info =
        ReadGloveCheckpoint(path, VocabularyChecksum(vocab), &result->params);
    if (info.ok()) {
      result->start_epoch = info->epochs_done;
      result->costs = {info->cost};
    }
    status = info.status();
  }
  return comm->AgreeOk(status);
}

// One epoch: segments of training, each followed by a synchronization. Collective.
absl::Status RunEpoch(const GloveCommand& spec, const RankData& data, int threads,
                      std::vector<float>* snap_values, std::vector<float>* snap_gradsq,
                      Communicator* comm, GloveTrainResult* result, GloveEpochReport* report) {
  const auto start = std::chrono::steady_clock::now();
  double cost = 0;
  absl::Status status;
  for (int s = 0; s < result->syncs_per_epoch; ++s) {
    const int64_t begin = data.records * s / result->syncs_per_epoch;
    const int64_t end = data.records * (s + 1) / result->syncs_per_epoch;
    if (status.ok()) {
      status =
          TrainRange(data.train_path, begin, end, threads, &result->params, spec.glove(), &cost);
    }
    if (comm->size() == 1) continue;
    if (absl::Status st = comm->AgreeOk(status); !st.ok()) return st;
    const auto sync_start = std::chrono::steady_clock::now();
    GloveSync mode = spec.glove().sync();
    if (mode == GLOVE_SYNC_AUTO) {
      mode = comm->size() <= 2 ? GLOVE_SYNC_ADAGRAD : GLOVE_SYNC_AVERAGE;
    }
    if (absl::Status st = SyncReplicas(mode, &result->params, snap_values, snap_gradsq, comm);
        !st.ok()) {
      return st;
    }
    report->sync_seconds += SecondsSince(sync_start);
  }
  if (absl::Status st = comm->AgreeOk(status); !st.ok()) return st;
  std::vector<double> sums = {cost};
  if (absl::Status st = comm->AllReduce(absl::MakeSpan(sums), ReduceOp::kSum); !st.ok()) return st;
  report->cost = result->records > 0 ? sums[0] / static_cast<double>(result->records) : 0.0;
  report->seconds = SecondsSince(start);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GloveTrainResult> TrainGlove(
    const GloveCommand& spec, const std::string& spec_text, const Vocabulary& vocab, int threads,
    Communicator* comm, const std::function<void(const GloveEpochReport&)>& on_epoch) {
  GloveTrainResult result;
  const std::string tmp_dir = absl::StrCat(spec.output_dir(), "/glove-tmp-", comm->rank());
  TempDirGuard guard(tmp_dir);
  const auto shuffle_start = std::chrono::steady_clock::now();
  RankData data;
  if (absl::Status s = PrepareRankData(spec, vocab, tmp_dir, comm, &result, &data); !s.ok()) {
    return s;
  }
  result.shuffle_seconds = SecondsSince(shuffle_start);
  if (absl::Status s = InitOrResume(spec, vocab, comm, &result); !s.ok()) return s;
  const auto train_start = std::chrono::steady_clock::now();
  const int64_t sync_records = spec.glove().sync_records();
  result.syncs_per_epoch = sync_records > 0
                               ? static_cast<int>(std::max<int64_t>(
                                     1, (data.max_records + sync_records - 1) / sync_records))
                               : 1;
  std::vector<float> snap_values, snap_gradsq;
  if (comm->size() > 1) {
    snap_values = result.params.values;
    snap_gradsq = result.params.gradsq;
    result.sync_floats = static_cast<int64_t>(snap_values.size() + snap_gradsq.size());
  }
  const uint64_t checksum = VocabularyChecksum(vocab);
  for (int epoch = result.start_epoch; epoch < spec.glove().epochs(); ++epoch) {
    GloveEpochReport report;
    report.epoch = epoch + 1;
    report.epochs = spec.glove().epochs();
    if (absl::Status s =
            RunEpoch(spec, data, threads, &snap_values, &snap_gradsq, comm, &result, &report);
        !s.ok()) {
      return s;
    }
    result.costs.push_back(report.cost);
    absl::Status written =
        comm->rank() == 0
            ? WriteGloveCheckpoint(GloveCheckpointPath(spec.output_dir()), result.params, checksum,
                                   epoch + 1, report.cost, spec_text)
            : absl::OkStatus();
    if (absl::Status s = comm->AgreeOk(written); !s.ok()) return s;
    on_epoch(report);
  }
  result.train_seconds = SecondsSince(train_start);
  return result;
}

}  // namespace wordmill
