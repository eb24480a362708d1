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
#include "absl/strings/str_join.h"
#include "embeddings/glove_checkpoint.h"
#include "embeddings/glove_replica_sync.h"
#include "embeddings/glove_row_owner.h"
#include "embeddings/glove_shuffle.h"
#include "formats/atomic_file.h"
#include "formats/embedding_file.h"

namespace wordmill {
namespace {

constexpr size_t kReadRecords = 1 << 16;  // records per read of a thread's slice

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
                int64_t rank_records, int ranks, float eta)
      : enabled_(enabled && interval_seconds > 0),
        tty_(isatty(STDERR_FILENO) != 0),
        interval_(tty_ ? 0.5 : interval_seconds),
        start_epoch_(start_epoch),
        epochs_(epochs),
        rank_records_(rank_records),
        ranks_(ranks),
        eta_(eta) {}

  // The epoch's callback for the figures of each line (the cost since the previous line).
  void StartEpoch(const TrainerProgressCallback& callback) {
    callback_ = callback;
    last_records_ = 0;
    last_cost_ = 0;
  }

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
    if (!callback_) return;
    TrainerProgress p;
    p.epoch = epoch + 1;
    p.epochs = epochs_;
    p.fraction = fraction;
    p.loss = done > last_records_ ? (cost - last_cost_) / (done - last_records_) : 0.0;
    p.learning_rate = eta_;
    p.items_per_second = rate;
    p.seconds = seconds;
    last_records_ = done;
    last_cost_ = cost;
    callback_(p);
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
  const float eta_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  TrainerProgressCallback callback_;
  mutable int64_t last_records_ = 0;  // at the previous line
  mutable double last_cost_ = 0;
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

struct GloveEpochReport {
  int epoch = 0;  // 1-based
  int epochs = 0;
  double cost = 0;     // mean cost per record over all ranks
  double seconds = 0;  // wall time of the epoch (training and synchronization)
  double sync_seconds = 0;
};

// The state of a run.
struct GloveState {
  int64_t records = 0;  // all ranks
  std::vector<int64_t> rank_records;
  int start_epoch = 0;        // epochs done before this run (resume)
  std::vector<double> costs;  // per epoch, the checkpoint's first when resumed
  double shuffle_seconds = 0;
  double train_seconds = 0;
  int64_t sync_floats = 0;  // floats all-reduced per synchronization (0 on one rank)
  int syncs_per_epoch = 0;
  GloveParams params;  // the trained parameters (identical on every rank)
};

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
absl::Status PrepareRankData(const GloveSpec& spec, const std::string& cooccur_dir,
                             const Vocabulary& vocab, const std::string& tmp_dir,
                             Communicator* comm, GloveState* result, RankData* data) {
  absl::Status status;
  absl::StatusOr<std::vector<std::string>> shards = FindCooccurShards(cooccur_dir);
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
  options.x_max = spec.x_max();
  options.alpha = spec.alpha();
  options.chunk_records = spec.shuffle_chunk_records();
  options.seed = spec.seed() * 0x9E3779B97F4A7C15ULL + comm->rank();
  data->train_path = tmp_dir + "/train.bin";
  if (status.ok()) {
    absl::StatusOr<ShuffleResult> shuffled = ShuffleCooccurrences(mine, options, data->train_path);
    if (shuffled.ok()) data->records = shuffled->records;
    status = shuffled.status();
  }
  data->mode = ResolveSync(spec.sync());
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

// One epoch: segments of training, each followed by a synchronization. Collective.
absl::Status RunEpoch(const GloveSpec& spec, const RankData& data, int threads,
                      const GloveProgress& progress, std::vector<float>* snap_values,
                      std::vector<float>* snap_gradsq, Communicator* comm, GloveState* result,
                      GloveEpochReport* report) {
  const auto start = std::chrono::steady_clock::now();
  EpochCounters counters;
  absl::Status status;
  if (data.row_owner) {
    for (int k = 0; k < comm->size(); ++k) {
      const int block = ContextBlockFor(comm->rank(), comm->size(), k);
      if (status.ok()) {
        status = TrainRange(data.blocks.paths[block], 0, data.blocks.records[block], threads,
                            &result->params, spec, report->epoch - 1, progress, &counters);
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
      status = TrainRange(data.train_path, begin, end, threads, &result->params, spec,
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

class GloveTraining : public Trainer {
 public:
  GloveTraining(const GloveSpec& spec, const Vocabulary& vocab, const TrainerContext& context)
      : spec_(spec),
        vocab_(vocab),
        context_(context),
        checksum_(VocabularyChecksum(vocab)),
        tmp_dir_(absl::StrCat(context.output_dir, "/glove-tmp-", context.comm->rank())),
        tmp_guard_(tmp_dir_) {}

  // Shuffles this rank's shards into its training file and initializes the parameters.
  absl::Status Init(const std::string& cooccur_dir) {
    const auto shuffle_start = std::chrono::steady_clock::now();
    if (absl::Status s =
            PrepareRankData(spec_, cooccur_dir, vocab_, tmp_dir_, context_.comm, &state_, &data_);
        !s.ok()) {
      return s;
    }
    state_.shuffle_seconds = SecondsSince(shuffle_start);
    InitGloveParams(static_cast<int64_t>(vocab_.size()), spec_.dim(), spec_.seed(), &state_.params);
    return absl::OkStatus();
  }

  std::string name() const override { return "glove"; }
  int epochs() const override { return spec_.epochs(); }
  std::string item_unit() const override { return "records"; }
  int64_t items_per_epoch() const override { return state_.records; }

  // Starts afresh when there is no checkpoint yet.
  absl::StatusOr<int> Resume() override {
    const std::string path = GloveCheckpointPath(context_.output_dir);
    absl::Status status;
    std::error_code error;
    if (std::filesystem::exists(path, error)) {
      absl::StatusOr<GloveCheckpointInfo> info =
          ReadGloveCheckpoint(path, checksum_, &state_.params);
      if (info.ok()) {
        state_.start_epoch = info->epochs_done;
        state_.costs = {info->cost};
      }
      status = info.status();
    }
    if (absl::Status s = context_.comm->AgreeOk(status); !s.ok()) return s;
    return state_.start_epoch;
  }

  absl::Status TrainEpoch(int epoch, const TrainerProgressCallback& progress) override {
    Communicator* comm = context_.comm;
    if (progress_ == nullptr) StartTraining();
    GloveEpochReport report;
    report.epoch = epoch + 1;
    report.epochs = spec_.epochs();
    progress_->StartEpoch(comm->rank() == 0 ? progress : nullptr);
    if (absl::Status s = RunEpoch(spec_, data_, context_.threads, *progress_, &snap_values_,
                                  &snap_gradsq_, comm, &state_, &report);
        !s.ok()) {
      return s;
    }
    state_.costs.push_back(report.cost);
    if (comm->rank() != 0) return absl::OkStatus();
    std::fprintf(stderr, "wordmill glove: epoch %d/%d cost %.6f in %.2f s (sync %.2f s)\n",
                 report.epoch, report.epochs, report.cost, report.seconds, report.sync_seconds);
    if (progress) {
      TrainerProgress p;
      p.epoch = epoch + 1;
      p.epochs = spec_.epochs();
      p.fraction = static_cast<double>(epoch + 1) / spec_.epochs();
      p.loss = report.cost;
      p.learning_rate = spec_.eta();
      p.seconds = SecondsSince(train_start_);
      p.items_per_second =
          p.seconds > 0 ? (epoch + 1 - state_.start_epoch) * state_.records / p.seconds : 0.0;
      p.epoch_end = true;
      progress(p);
    }
    return absl::OkStatus();
  }

  absl::Status WriteCheckpoint(int epochs_done) override {
    absl::Status written =
        context_.comm->rank() == 0
            ? WriteGloveCheckpoint(GloveCheckpointPath(context_.output_dir), state_.params,
                                   checksum_, epochs_done, state_.costs.back(), context_.spec_text)
            : absl::OkStatus();
    state_.train_seconds = SecondsSince(train_start_);
    return context_.comm->AgreeOk(written);
  }

  // vectors.txt (word2vec text), vectors.bin (word2vec binary), vectors.glove.txt, by rank 0.
  absl::StatusOr<std::vector<std::string>> WriteOutputs() override {
    const std::string& dir = context_.output_dir;
    std::vector<std::string> written = {dir + "/vectors.txt", dir + "/vectors.bin",
                                        dir + "/vectors.glove.txt"};
    absl::Status status;
    if (context_.comm->rank() == 0) {
      const EmbeddingMatrix m = GloveOutput(state_.params, vocab_, spec_.w_only());
      status = WriteWord2vecText(written[0], m);
      if (status.ok()) status = WriteWord2vecBinary(written[1], m);
      if (status.ok()) status = WriteGloveText(written[2], m);
    }
    if (absl::Status s = context_.comm->AgreeOk(status); !s.ok()) return s;
    return written;
  }

  std::string Summary() const override {
    const Communicator& comm = *context_.comm;
    return absl::StrFormat(
        "wordmill glove: %d words, dim %d, %d records (per rank: %s), epochs %d..%d, "
        "%d rank(s) x %d thread(s)\n"
        "  shuffle %.2f s, training %.2f s; final cost %.6f; %d sync(s) per epoch of %d "
        "floats\n",
        vocab_.size(), spec_.dim(), state_.records, absl::StrJoin(state_.rank_records, " "),
        state_.start_epoch + 1, spec_.epochs(), comm.size(), context_.threads,
        state_.shuffle_seconds, state_.train_seconds,
        state_.costs.empty() ? 0.0 : state_.costs.back(),
        comm.size() > 1 ? state_.syncs_per_epoch : 0, state_.sync_floats);
  }

 private:
  // Before the first epoch (after Resume): the synchronization plan and the replicas'
  // snapshots, which must hold the checkpoint's values.
  void StartTraining() {
    Communicator* comm = context_.comm;
    train_start_ = std::chrono::steady_clock::now();
    const int64_t sync_records = spec_.sync_records();
    state_.syncs_per_epoch = sync_records > 0
                                 ? static_cast<int>(std::max<int64_t>(
                                       1, (data_.max_records + sync_records - 1) / sync_records))
                                 : 1;
    if (comm->size() > 1) {
      snap_values_ = state_.params.values;
      snap_gradsq_ = state_.params.gradsq;
      state_.sync_floats = static_cast<int64_t>(snap_values_.size() + snap_gradsq_.size());
      // Row owner: one pass of a context block after each of the P sub-rounds, then the
      // assembly all-reduce; sync_floats counts the all-reduce.
      if (data_.row_owner) state_.syncs_per_epoch = comm->size() + 1;
    }
    progress_ = std::make_unique<GloveProgress>(context_.progress_seconds, comm->rank() == 0,
                                                state_.start_epoch, spec_.epochs(), data_.records,
                                                comm->size(), static_cast<float>(spec_.eta()));
  }

  GloveSpec spec_;
  const Vocabulary& vocab_;
  TrainerContext context_;
  uint64_t checksum_;
  std::string tmp_dir_;
  TempDirGuard tmp_guard_;  // removes the shuffled training files with the trainer
  GloveState state_;
  RankData data_;
  std::vector<float> snap_values_, snap_gradsq_;
  std::unique_ptr<GloveProgress> progress_;
  std::chrono::steady_clock::time_point train_start_ = std::chrono::steady_clock::now();
};

}  // namespace

absl::StatusOr<std::unique_ptr<Trainer>> CreateGloveTrainer(const GloveSpec& spec,
                                                            const Vocabulary& vocab,
                                                            const std::string& cooccur_dir,
                                                            const TrainerContext& context) {
  auto trainer = std::make_unique<GloveTraining>(spec, vocab, context);
  if (absl::Status s = trainer->Init(cooccur_dir); !s.ok()) return s;
  return trainer;
}

}  // namespace wordmill
