#include "embeddings/word2vec_trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "embeddings/word2vec_worker.h"
#include "formats/id_shard.h"

namespace wordmill {

struct Word2vecTrainer::Progress {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_print = start;
  bool tty = false;
  double start_fraction = -1;  // fraction of all epochs done when this run started
  double last_loss_sum = 0;
  int64_t last_loss_count = 0;
  TrainerProgressCallback callback;  // of the epoch being trained
};

namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string HumanRate(double x) {
  if (x >= 1e6) return absl::StrFormat("%.2fM", x / 1e6);
  if (x >= 1e3) return absl::StrFormat("%.1fk", x / 1e3);
  return absl::StrFormat("%.0f", x);
}

std::string HumanDuration(double s) {
  const int64_t t = static_cast<int64_t>(s + 0.5);
  if (t >= 3600) return absl::StrFormat("%dh%02dm", t / 3600, t / 60 % 60);
  if (t >= 60) return absl::StrFormat("%dm%02ds", t / 60, t % 60);
  return absl::StrFormat("%ds", t);
}

}  // namespace

absl::StatusOr<Word2vecCorpus> LoadIdShard(const std::string& path, uint64_t expected_checksum) {
  absl::StatusOr<std::unique_ptr<IdShardReader>> reader =
      IdShardReader::Open(path, expected_checksum);
  if (!reader.ok()) return reader.status();
  Word2vecCorpus corpus;
  corpus.offsets.reserve((*reader)->info().paragraphs + 1);
  std::vector<uint32_t> ids;
  bool starts_document = false;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&ids, &starts_document);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (!ids.empty()) corpus.AddParagraph(ids.data(), ids.size());
  }
  return corpus;
}

absl::StatusOr<Word2vecCorpus> BalanceCorpus(const Word2vecCorpus& corpus, Communicator* comm,
                                             size_t max_message_bytes) {
  const int ranks = comm->size(), rank = comm->rank();
  std::vector<int64_t> tokens(ranks, 0);
  tokens[rank] = corpus.tokens();
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(tokens), ReduceOp::kSum); !s.ok()) return s;
  int64_t base = 0, total = 0;
  for (int r = 0; r < ranks; ++r) {
    if (r < rank) base += tokens[r];
    total += tokens[r];
  }
  // Paragraphs [first[q], first[q + 1]) of this rank go to rank q (q grows with the position).
  const int64_t n = corpus.paragraphs();
  std::vector<int64_t> first(ranks + 1, n);
  first[0] = 0;
  for (int64_t p = 0, q = 0; p < n; ++p) {
    const __int128 start = base + corpus.offsets[p];
    const int64_t dest = std::min<int64_t>(ranks - 1, static_cast<int64_t>(start * ranks / total));
    while (q < dest) first[++q] = p;
  }
  // Rounds of AllToAll, each carrying at most max_message_bytes of (length, ids...) records
  // per destination (at least one paragraph), until every rank has sent everything.
  std::vector<int64_t> next(first.begin(), first.end() - 1);
  std::vector<std::vector<uint32_t>> received(ranks);
  while (true) {
    std::vector<std::string> send(ranks);
    int64_t pending = 0;
    for (int q = 0; q < ranks; ++q) {
      if (q == rank) continue;
      std::string& out = send[q];
      while (next[q] < first[q + 1]) {
        const int64_t p = next[q];
        const uint32_t length = static_cast<uint32_t>(corpus.offsets[p + 1] - corpus.offsets[p]);
        const size_t bytes = sizeof(uint32_t) * (1 + static_cast<size_t>(length));
        if (!out.empty() && out.size() + bytes > max_message_bytes) break;
        out.append(reinterpret_cast<const char*>(&length), sizeof(length));
        out.append(reinterpret_cast<const char*>(corpus.ids.data() + corpus.offsets[p]),
                   sizeof(uint32_t) * length);
        ++next[q];
      }
      pending += first[q + 1] - next[q];
    }
    std::vector<std::string> recv;
    if (absl::Status s = comm->AllToAll(send, &recv); !s.ok()) return s;
    for (int q = 0; q < ranks; ++q) {
      if (q == rank) continue;
      const size_t words = recv[q].size() / sizeof(uint32_t);
      const size_t old = received[q].size();
      received[q].resize(old + words);
      std::memcpy(received[q].data() + old, recv[q].data(), words * sizeof(uint32_t));
    }
    absl::StatusOr<int64_t> more = comm->MaxInt64(pending);
    if (!more.ok()) return more.status();
    if (*more == 0) break;
  }
  Word2vecCorpus balanced;
  auto add_records = [&](const std::vector<uint32_t>& records) {
    for (size_t i = 0; i < records.size();) {
      const uint32_t length = records[i];
      balanced.AddParagraph(records.data() + i + 1, length);
      i += 1 + static_cast<size_t>(length);
    }
  };
  for (int q = 0; q < rank; ++q) add_records(received[q]);
  for (int64_t p = first[rank]; p < first[rank + 1]; ++p) {
    balanced.AddParagraph(corpus.ids.data() + corpus.offsets[p],
                          static_cast<size_t>(corpus.offsets[p + 1] - corpus.offsets[p]));
  }
  for (int q = rank + 1; q < ranks; ++q) add_records(received[q]);
  return balanced;
}

double ResolveAlpha(const SgnsSpec& spec) {
  if (spec.alpha() > 0) return spec.alpha();
  return spec.model() == MODEL_CBOW ? 0.05 : 0.025;
}

absl::StatusOr<std::unique_ptr<Word2vecTrainer>> Word2vecTrainer::Create(
    const SgnsSpec& spec, const std::vector<int64_t>& counts, const Word2vecCorpus* corpus,
    Word2vecWeights* model, const Word2vecTrainerOptions& options, Communicator* comm) {
  if (static_cast<int64_t>(counts.size()) != model->rows()) {
    return absl::InternalError("vocabulary and model sizes differ");
  }
  std::unique_ptr<Word2vecTrainer> t(new Word2vecTrainer());
  t->spec_ = spec;
  t->alpha_ = ResolveAlpha(spec);
  t->options_ = options;
  t->options_.threads = std::max(1, options.threads);
  t->comm_ = comm;
  t->corpus_ = corpus;
  t->model_ = model;
  t->progress_ = std::make_unique<Progress>();
  t->progress_->tty = isatty(2) != 0;
  if (spec.loss() == LOSS_HS) {
    t->tree_ = BuildHuffmanTree(counts);
  } else {
    t->sampler_ = NegativeSampler(counts, 0.75);
  }
  t->keep_ = KeepProbabilities(counts, spec.sample());
  if (comm->size() > 1) {
    absl::StatusOr<Word2vecCorpus> balanced = BalanceCorpus(*corpus, comm);
    if (!balanced.ok()) return balanced.status();
    t->balanced_ = std::move(*balanced);
    corpus = &t->balanced_;
    t->corpus_ = corpus;
  }
  absl::StatusOr<int64_t> total = comm->SumInt64(corpus->tokens());
  if (!total.ok()) return total.status();
  absl::StatusOr<int64_t> largest = comm->MaxInt64(corpus->tokens());
  if (!largest.ok()) return largest.status();
  t->total_tokens_ = *total;
  // The merging ranks: every rank, or with sharing each host's rank 0; replicas: their number.
  const bool sharing = options.host != nullptr;
  t->host_ = options.host;
  t->sync_comm_ = sharing ? options.replicas : comm;
  t->scans_ = !sharing || options.host->rank() == 0;
  absl::StatusOr<int64_t> replicas = comm->SumInt64(t->scans_ ? 1 : 0);
  if (!replicas.ok()) return replicas.status();
  t->merging_ = *replicas > 1;
  if (t->merging_) {
    if (spec.sync_words() > 0) {
      // With sharing a host's ranks together train ranks-per-host times the words of one rank
      // between merges; the interval stays --sync-words words per rank.
      t->rounds_ = static_cast<int>(
          std::clamp<int64_t>((*largest + spec.sync_words() - 1) / spec.sync_words(), 1, 1 << 30));
    }
    if (t->sync_comm_ != nullptr) {
      t->sync_ = std::make_unique<ReplicaSync>(*model, options.sync_rows,
                                               spec.sync_precision() == SYNC_PRECISION_INT16
                                                   ? ReplicaSync::Precision::kInt16
                                                   : ReplicaSync::Precision::kFloat32,
                                               sharing ? options.shared_marks : nullptr);
    }
  }
  // With sharing, no rank of the host writes the model before its rank 0 initialized it (or
  // read the checkpoint into it) and took the snapshot.
  if (sharing) {
    if (absl::Status s = options.host->Barrier(); !s.ok()) return s;
  }
  Word2vecShared shared;
  shared.weights = model;
  shared.sampler = &t->sampler_;
  shared.keep = &t->keep_;
  shared.tree = &t->tree_;
  shared.model_type = spec.model();
  shared.loss = spec.loss();
  shared.update = spec.update();
  shared.window = spec.window();
  shared.negative = spec.negative();
  shared.epochs = spec.epochs();
  shared.alpha = static_cast<float>(t->alpha_);
  shared.skip_saturated = spec.skip_saturated();
  shared.rank_tokens = corpus->tokens();
  shared.rank_words_done = &t->rank_words_done_;
  if (t->merging_ && sharing) {
    shared.in_marks = options.shared_marks;
    shared.out_marks = options.shared_marks + model->rows();
  } else if (t->sync_ != nullptr) {
    shared.in_marks = t->sync_->in_marks();
    shared.out_marks = t->sync_->out_marks();
  }
  int max_paragraph = 1;
  for (int64_t p = 0; p < corpus->paragraphs(); ++p) {
    max_paragraph = std::max<int>(max_paragraph, corpus->offsets[p + 1] - corpus->offsets[p]);
  }
  // Contiguous slices of paragraphs with about equal token counts.
  const int threads = t->options_.threads;
  int64_t begin = 0;
  for (int i = 0; i < threads; ++i) {
    const int64_t target = corpus->tokens() * (i + 1) / threads;
    int64_t end = std::lower_bound(corpus->offsets.begin(), corpus->offsets.end(), target) -
                  corpus->offsets.begin();
    end = i + 1 == threads ? corpus->paragraphs() : std::clamp(end, begin, corpus->paragraphs());
    t->workers_.push_back(std::make_unique<Word2vecWorker>(shared, begin, end, max_paragraph));
    begin = end;
  }
  return t;
}

Word2vecTrainer::~Word2vecTrainer() = default;

double Word2vecTrainer::train_cpu_seconds() const {
  double total = 0;
  for (const auto& w : workers_) total += w->cpu_seconds();
  return total;
}

absl::Status Word2vecTrainer::TrainEpoch(int epoch, const TrainerProgressCallback& progress) {
  const auto start = std::chrono::steady_clock::now();
  progress_->callback = comm_->rank() == 0 ? progress : nullptr;
  rank_words_done_.store(0);
  if (progress_->start_fraction < 0) {
    progress_->start_fraction = static_cast<double>(epoch) / spec_.epochs();
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    workers_[i]->StartEpoch(MixSeed(spec_.seed(), comm_->rank(), i, epoch));
  }
  double loss_sum_start = 0;
  int64_t loss_count_start = 0;
  for (const auto& w : workers_) {
    loss_sum_start += w->loss_sum.load();
    loss_count_start += w->loss_count.load();
  }
  for (int round = 0; round < rounds_; ++round) {
    if (absl::Status s = RunRound(epoch, round); !s.ok()) return s;
    // With sharing, the host's ranks have all finished writing before anyone reads or merges
    // (the agreement below keeps them from training on while their rank 0 merges).
    if (host_ != nullptr) {
      if (absl::Status s = host_->Barrier(); !s.ok()) return s;
    }
    if (sync_ != nullptr) {
      if (absl::Status s = sync_->Sync(model_, sync_comm_); !s.ok()) return s;
    }
    if (merging_ || round + 1 == rounds_) {
      // After a merge that checked its rows, only a reported non-finite value needs the scan
      // (which names the first bad value); otherwise every round would read the whole model.
      const bool scan = scans_ && (sync_ == nullptr || sync_->merged_non_finite());
      const std::string bad = scan ? model_->FindNonFinite() : std::string();
      absl::Status local =
          bad.empty() ? absl::OkStatus()
                      : absl::InternalError(absl::StrCat("training diverged in epoch ", epoch + 1,
                                                         ": ", bad, " (try a smaller --alpha)"));
      if (absl::Status s = comm_->AgreeOk(local); !s.ok()) return s;
    }
  }
  double loss_sum = 0;
  int64_t loss_count = 0;
  for (const auto& w : workers_) {
    loss_sum += w->loss_sum.load();
    loss_count += w->loss_count.load();
  }
  last_loss_ = loss_count > loss_count_start
                   ? (loss_sum - loss_sum_start) / (loss_count - loss_count_start)
                   : 0.0;
  seconds_ += Seconds(std::chrono::steady_clock::now() - start);
  PrintProgress(epoch, /*final_line=*/true);
  if (progress_->callback) {
    progress_->callback(MakeReport(epoch, MeasurePace(epoch), last_loss_, /*epoch_end=*/true));
  }
  progress_->callback = nullptr;
  if (epoch + 1 == spec_.epochs()) PrintRankSummary();
  return absl::OkStatus();
}

absl::Status Word2vecTrainer::RunRound(int epoch, int round) {
  std::mutex mutex;
  std::condition_variable finished_cv;
  int finished = 0;
  std::vector<std::thread> threads;
  threads.reserve(workers_.size());
  for (auto& worker : workers_) {
    const int64_t begin = worker->slice_begin_token(*corpus_);
    const int64_t end = worker->slice_end_token(*corpus_);
    const int64_t until =
        round + 1 == rounds_ ? INT64_MAX : begin + (end - begin) * (round + 1) / rounds_;
    threads.emplace_back([&, w = worker.get(), until] {
      w->Run(*corpus_, epoch, until);
      std::lock_guard<std::mutex> lock(mutex);
      ++finished;
      finished_cv.notify_one();
    });
  }
  const bool report = comm_->rank() == 0 && options_.progress_seconds > 0;
  const auto interval = std::chrono::duration<double>(
      progress_->tty ? 0.5 : std::max(0.5, options_.progress_seconds));
  {
    std::unique_lock<std::mutex> lock(mutex);
    while (finished < static_cast<int>(threads.size())) {
      finished_cv.wait_for(lock, std::chrono::duration_cast<std::chrono::milliseconds>(interval));
      const auto now = std::chrono::steady_clock::now();
      if (report && now - progress_->last_print >= interval) {
        lock.unlock();
        PrintProgress(epoch, /*final_line=*/false);
        lock.lock();
      }
    }
  }
  for (std::thread& t : threads) t.join();
  return absl::OkStatus();
}

// One line per rank (each rank prints its own): where its time went and what the merges moved.
void Word2vecTrainer::PrintRankSummary() const {
  if (options_.progress_seconds <= 0) return;
  std::string line = absl::StrFormat("sgns: rank %d: training %.2f s CPU in %d thread(s)",
                                     comm_->rank(), train_cpu_seconds(), workers_.size());
  const ReplicaSyncStats s = sync_stats();
  if (s.syncs > 0) {
    const double rows = static_cast<double>(model_->rows()) * s.syncs;
    absl::StrAppendFormat(&line,
                          "; %d merges: %.2f s (%.2f s CPU, %.2f s in collectives), %.2f MB per "
                          "merge; rows merged per merge: W %.1f%%, C %.1f%% (this rank touched W "
                          "%.1f%%, C %.1f%%)",
                          s.syncs, s.seconds, s.cpu_seconds, s.collective_seconds,
                          s.bytes / 1e6 / s.syncs, 100.0 * s.merged_rows[0] / rows,
                          100.0 * s.merged_rows[1] / rows, 100.0 * s.local_rows[0] / rows,
                          100.0 * s.local_rows[1] / rows);
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

// The state of the run on rank 0 for the progress line and the metrics: `done` is the fraction
// of all epochs done, `rate` words per second over all ranks in this run so far.
Word2vecTrainer::Pace Word2vecTrainer::MeasurePace(int epoch) const {
  const Progress& p = *progress_;
  Pace pace;
  const double rank_fraction =
      corpus_->tokens() > 0
          ? std::min(1.0, static_cast<double>(rank_words_done_.load()) / corpus_->tokens())
          : 1.0;
  pace.done = (epoch + rank_fraction) / spec_.epochs();
  pace.elapsed = std::max(1e-9, Seconds(std::chrono::steady_clock::now() - p.start));
  pace.run_fraction = std::max(1e-12, pace.done - p.start_fraction);
  pace.rate = pace.run_fraction * spec_.epochs() * total_tokens_ / pace.elapsed;
  pace.alpha = alpha_;  // the most advanced thread's
  for (const auto& w : workers_) {
    pace.alpha = std::min(pace.alpha, w->alpha.load(std::memory_order_relaxed));
  }
  return pace;
}

void Word2vecTrainer::PrintProgress(int epoch, bool final_line) {
  if (comm_->rank() != 0 || options_.progress_seconds <= 0) return;
  Progress& p = *progress_;
  p.last_print = std::chrono::steady_clock::now();
  const Pace pace = MeasurePace(epoch);
  const double per_thread = pace.rate / (comm_->size() * workers_.size());
  double loss_sum = 0;
  int64_t loss_count = 0;
  for (const auto& w : workers_) {
    loss_sum += w->loss_sum.load(std::memory_order_relaxed);
    loss_count += w->loss_count.load(std::memory_order_relaxed);
  }
  const double loss = loss_count > p.last_loss_count
                          ? (loss_sum - p.last_loss_sum) / (loss_count - p.last_loss_count)
                          : 0.0;
  p.last_loss_sum = loss_sum;
  p.last_loss_count = loss_count;
  const std::string line = absl::StrFormat(
      "sgns: epoch %d/%d %5.1f%%  %s words/s (%s/thread)  alpha %.5f  loss %.4f  ETA %s", epoch + 1,
      spec_.epochs(), 100.0 * pace.done, HumanRate(pace.rate), HumanRate(per_thread), pace.alpha,
      loss, HumanDuration(pace.elapsed * (1.0 - pace.done) / pace.run_fraction));
  if (p.tty) {
    std::fprintf(stderr, "\r%s\033[K%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
  if (!final_line && p.callback) p.callback(MakeReport(epoch, pace, loss, false));
}

TrainerProgress Word2vecTrainer::MakeReport(int epoch, const Pace& pace, double loss,
                                            bool epoch_end) const {
  TrainerProgress r;
  r.epoch = epoch + 1;
  r.epochs = spec_.epochs();
  r.fraction = pace.done;
  r.loss = loss;
  r.learning_rate = pace.alpha;
  r.items_per_second = pace.rate;
  r.seconds = pace.elapsed;
  r.epoch_end = epoch_end;
  return r;
}

}  // namespace wordmill
