#include "embeddings/glove_trainer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "embeddings/glove_checkpoint.h"
#include "embeddings/glove_row_owner.h"
#include "embeddings/glove_shuffle.h"
#include "formats/atomic_file.h"

namespace wordmill {
namespace {

constexpr size_t kReadRecords = 1 << 16;  // records per read of a thread's slice
constexpr size_t kSyncChunk = 1 << 24;    // floats per all-reduce call

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Records trained and their summed cost in the current epoch, bumped by the threads once per
// read (relaxed atomics) for rank 0's progress line.
struct EpochCounters {
  std::atomic<int64_t> records{0};
  std::atomic<double> cost{0};

  void Add(int64_t n, double c) {
    records.fetch_add(n, std::memory_order_relaxed);
    double old = cost.load(std::memory_order_relaxed);
    while (!cost.compare_exchange_weak(old, old + c, std::memory_order_relaxed)) {
    }
  }
};

// Rank 0's progress line during training: epoch, share of all epochs done, records/s over
// all ranks (rank 0's rate times the rank count), the epoch's mean cost so far, ETA. In place
// on a terminal (twice a second), otherwise every progress_seconds.
class GloveProgress {
 public:
  GloveProgress(double interval_seconds, bool enabled, int start_epoch, int epochs,
                int64_t rank_records, int ranks)
      : enabled_(enabled && interval_seconds > 0),
        tty_(isatty(STDERR_FILENO) != 0),
        interval_(tty_ ? 0.5 : interval_seconds),
        start_epoch_(start_epoch),
        epochs_(epochs),
        rank_records_(rank_records),
        ranks_(ranks) {}

  bool enabled() const { return enabled_; }
  std::chrono::duration<double> interval() const {
    return std::chrono::duration<double>(interval_);
  }

  void Print(int epoch, const EpochCounters& counters) const {
    const int64_t done = counters.records.load(std::memory_order_relaxed);
    const double cost = counters.cost.load(std::memory_order_relaxed);
    const double in_epoch =
        rank_records_ > 0 ? std::min(1.0, static_cast<double>(done) / rank_records_) : 1.0;
    const double fraction = (epoch + in_epoch) / std::max(1, epochs_);
    const double run_fraction =
        (epoch - start_epoch_ + in_epoch) / std::max(1, epochs_ - start_epoch_);
    const double seconds = SecondsSince(start_);
    const double rate =
        seconds > 0 ? ((epoch - start_epoch_) * rank_records_ + done) * ranks_ / seconds : 0.0;
    const double eta = run_fraction > 0 ? seconds * (1 - run_fraction) / run_fraction : -1;
    std::string eta_text = "--:--";
    if (eta >= 0 && eta < 1e8) {
      const int64_t left = static_cast<int64_t>(eta + 0.5);
      eta_text = absl::StrFormat("%d:%02d:%02d", left / 3600, left / 60 % 60, left % 60);
    }
    const std::string line = absl::StrFormat(
        "glove: epoch %d/%d %5.1f%% %.2f M records/s cost %.6f ETA %s [rank 0 of %d]", epoch + 1,
        epochs_, 100.0 * fraction, rate / 1e6, done > 0 ? cost / done : 0.0, eta_text, ranks_);
    std::fprintf(stderr, tty_ ? "\r\033[K%s" : "%s\n", line.c_str());
    std::fflush(stderr);
  }
  // Ends an in-place line before other output.
  void EndLine() const {
    if (enabled_ && tty_) std::fputs("\r\033[K", stderr);
  }

 private:
  const bool enabled_;
  const bool tty_;
  const double interval_;
  const int start_epoch_;
  const int epochs_;
  const int64_t rank_records_;
  const int ranks_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Trains on records [begin, end) of the training file, adding to *counters per read.
absl::Status TrainSlice(const std::string& path, int64_t begin, int64_t end, GloveParams* params,
                        float eta, float grad_clip, EpochCounters* counters) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return absl::InternalError(absl::StrCat(path, ": cannot open: ", strerror(errno)));
  std::vector<TrainingRecord> buffer(kReadRecords);
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
    double sum = 0;
    for (size_t k = 0; k < want; ++k) {
      if (k + kAhead < want) GlovePrefetch(*params, buffer[k + kAhead]);
      sum += GloveStep(params, buffer[k], eta, grad_clip);
    }
    counters->Add(static_cast<int64_t>(want), sum);
    at += static_cast<int64_t>(want);
  }
  ::close(fd);
  return status;
}

// Hogwild: `threads` threads over equal parts of [begin, end). The calling thread waits and
// prints the progress line of `epoch` when it is enabled.
absl::Status TrainRange(const std::string& path, int64_t begin, int64_t end, int threads,
                        GloveParams* params, const GloveSpec& spec, int epoch,
                        const GloveProgress& progress, EpochCounters* counters) {
  std::vector<absl::Status> status(threads);
  std::vector<std::thread> pool;
  const float eta = static_cast<float>(spec.eta());
  const float clip = static_cast<float>(spec.grad_clip());
  std::mutex mutex;
  std::condition_variable finished_cv;
  int finished = 0;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const int64_t b = begin + (end - begin) * t / threads;
      const int64_t e = begin + (end - begin) * (t + 1) / threads;
      status[t] = TrainSlice(path, b, e, params, eta, clip, counters);
      std::lock_guard<std::mutex> lock(mutex);
      ++finished;
      finished_cv.notify_one();
    });
  }
  if (progress.enabled()) {
    std::unique_lock<std::mutex> lock(mutex);
    while (!finished_cv.wait_for(lock, progress.interval(), [&] { return finished == threads; })) {
      progress.Print(epoch, *counters);
    }
  }
  for (std::thread& thread : pool) thread.join();
  for (int t = 0; t < threads; ++t) {
    if (!status[t].ok()) return status[t];
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
  int64_t max_records = 0;           // the largest rank's
  GloveSync mode = GLOVE_SYNC_AUTO;  // resolved
  bool row_owner = false;            // GLOVE_SYNC_ROW_OWNER with several ranks
  ColumnBlocks blocks;               // when row_owner
};

GloveSync ResolveSync(GloveSync mode) {
  return mode == GLOVE_SYNC_AUTO ? GLOVE_SYNC_ROW_OWNER : mode;
}

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
  data->mode = ResolveSync(spec.glove().sync());
  data->row_owner = data->mode == GLOVE_SYNC_ROW_OWNER && comm->size() > 1;
  if (status.ok() && data->row_owner) {
    status = SplitByColumnBlock(data->train_path, comm->size(), options.vocab_size, &data->blocks);
    std::error_code ignored;
    std::filesystem::remove(data->train_path, ignored);
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
                      const GloveProgress& progress, std::vector<float>* snap_values,
                      std::vector<float>* snap_gradsq, Communicator* comm, GloveTrainResult* result,
                      GloveEpochReport* report) {
  const auto start = std::chrono::steady_clock::now();
  EpochCounters counters;
  absl::Status status;
  if (data.row_owner) {
    for (int k = 0; k < comm->size(); ++k) {
      const int block = ContextBlockFor(comm->rank(), comm->size(), k);
      if (status.ok()) {
        status = TrainRange(data.blocks.paths[block], 0, data.blocks.records[block], threads,
                            &result->params, spec.glove(), report->epoch - 1, progress, &counters);
      }
      if (absl::Status st = comm->AgreeOk(status); !st.ok()) return st;
      const auto sync_start = std::chrono::steady_clock::now();
      if (absl::Status st = PassContextBlock(block, &result->params, comm); !st.ok()) return st;
      report->sync_seconds += SecondsSince(sync_start);
    }
    const auto sync_start = std::chrono::steady_clock::now();
    if (absl::Status st = AssembleOwnedRows(data.blocks.word_rows, &result->params, snap_values,
                                            snap_gradsq, comm);
        !st.ok()) {
      return st;
    }
    report->sync_seconds += SecondsSince(sync_start);
  }
  for (int s = 0; s < result->syncs_per_epoch && !data.row_owner; ++s) {
    const int64_t begin = data.records * s / result->syncs_per_epoch;
    const int64_t end = data.records * (s + 1) / result->syncs_per_epoch;
    if (status.ok()) {
      status = TrainRange(data.train_path, begin, end, threads, &result->params, spec.glove(),
                          report->epoch - 1, progress, &counters);
    }
    if (comm->size() == 1) continue;
    if (absl::Status st = comm->AgreeOk(status); !st.ok()) return st;
    const auto sync_start = std::chrono::steady_clock::now();
    if (absl::Status st = SyncReplicas(data.mode, &result->params, snap_values, snap_gradsq, comm);
        !st.ok()) {
      return st;
    }
    report->sync_seconds += SecondsSince(sync_start);
  }
  progress.EndLine();
  if (absl::Status st = comm->AgreeOk(status); !st.ok()) return st;
  std::vector<double> sums = {counters.cost.load()};
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
    // Row owner: one pass of a context block after each of the P sub-rounds, then the
    // assembly all-reduce; sync_floats counts the all-reduce.
    if (data.row_owner) result.syncs_per_epoch = comm->size() + 1;
  }
  const uint64_t checksum = VocabularyChecksum(vocab);
  const GloveProgress progress(spec.runtime().progress_seconds(), comm->rank() == 0,
                               result.start_epoch, spec.glove().epochs(), data.records,
                               comm->size());
  for (int epoch = result.start_epoch; epoch < spec.glove().epochs(); ++epoch) {
    GloveEpochReport report;
    report.epoch = epoch + 1;
    report.epochs = spec.glove().epochs();
    if (absl::Status s = RunEpoch(spec, data, threads, progress, &snap_values, &snap_gradsq, comm,
                                  &result, &report);
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
