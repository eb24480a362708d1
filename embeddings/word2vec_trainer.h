// Skip-gram / CBOW training of one rank's replica: Hogwild threads over the rank's corpus,
// rounds of --sync-words words between synchronizations of the replicas across ranks. With
// model sharing (Word2vecTrainerOptions::host) the ranks of a host train one replica in shared
// memory, Hogwild across processes, and replicas are merged only between hosts.
//
// Each epoch is cut into R rounds, R agreed by all ranks from the largest shard
// (ceil(max_rank_tokens / sync_words), 1 with one rank or sync_words 0), so every rank makes
// the same number of collective calls whatever its shard size; in round k every thread trains
// the paragraphs of its slice that start in the k-th R-th of it. After each round the replicas
// are merged (ReplicaSync) and checked for NaN/Inf. The learning rate decays linearly with
// the fraction of all words of all epochs done, estimated per rank from its own fraction
// (exact across ranks at every sync point, since each rank has done k/R of its shard).
// With one rank and one thread the result depends only on the spec and the seed.
#ifndef WORDMILL_EMBEDDINGS_WORD2VEC_TRAINER_H_
#define WORDMILL_EMBEDDINGS_WORD2VEC_TRAINER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "embeddings/trainer.h"
#include "embeddings/word2vec_model.h"
#include "embeddings/word2vec_sync.h"
#include "embeddings/word2vec_tables.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

class Word2vecWorker;

// A rank's corpus in memory: paragraph p is ids[offsets[p] .. offsets[p+1]).
struct Word2vecCorpus {
  std::vector<uint32_t> ids;
  std::vector<int64_t> offsets{0};
  int64_t tokens() const { return static_cast<int64_t>(ids.size()); }
  int64_t paragraphs() const { return static_cast<int64_t>(offsets.size()) - 1; }
  void AddParagraph(const uint32_t* p, size_t n) {
    ids.insert(ids.end(), p, p + n);
    offsets.push_back(static_cast<int64_t>(ids.size()));
  }
};

// Reads an id shard (formats/id_shard.h) whole; `expected_checksum` as IdShardReader::Open.
absl::StatusOr<Word2vecCorpus> LoadIdShard(const std::string& path, uint64_t expected_checksum);

// Moves whole paragraphs between the ranks so that each trains about the same number of
// tokens (the id shards of the encoder can differ by 10% and more, and every merge waits for
// the slowest rank): in the concatenation of the ranks' corpora in rank order, rank r keeps or
// receives the paragraphs that start in [r * total / P, (r + 1) * total / P), in order.
// Collective; deterministic; sends at most `max_message_bytes` per destination per round.
absl::StatusOr<Word2vecCorpus> BalanceCorpus(const Word2vecCorpus& corpus, Communicator* comm,
                                             size_t max_message_bytes = size_t{1} << 28);

// The starting learning rate: spec.alpha, or 0.025 (skip-gram) / 0.05 (CBOW) when 0.
double ResolveAlpha(const SgnsSpec& spec);

struct Word2vecTrainerOptions {
  int threads = 1;
  double progress_seconds = 10;  // 0: no progress lines
  // Which rows the replica merges all-reduce (the result is the same; kAll for comparison).
  ReplicaSync::Rows sync_rows = ReplicaSync::Rows::kTouched;
  // The ranks of this rank's host when they train one model in shared memory (the model given
  // to Create is then the same memory on all of them, initialized by the host's rank 0), else
  // null: every rank trains its own replica. With sharing, a replica is a host's model: the
  // host's rank 0 merges it with the other hosts' over `replicas` (null on the host's other
  // ranks), using `shared_marks` (2 * rows bytes in the shared memory, zero) for the rows any
  // rank of the host wrote.
  Communicator* host = nullptr;
  Communicator* replicas = nullptr;
  uint8_t* shared_marks = nullptr;
};

class Word2vecTrainer {
 public:
  // counts: the vocabulary's counts (id order). The model must be initialized identically on
  // every rank. Collective (agrees on the corpus sizes).
  static absl::StatusOr<std::unique_ptr<Word2vecTrainer>> Create(
      const SgnsSpec& spec, const std::vector<int64_t>& counts, const Word2vecCorpus* corpus,
      Word2vecWeights* model, const Word2vecTrainerOptions& options, Communicator* comm);
  ~Word2vecTrainer();

  // Trains epoch `epoch` (0-based). Collective. A non-finite model is an Internal error
  // naming the epoch. On rank 0 `progress` (may be null) gets every progress line's figures
  // (loss since the previous line) and, at the end, the epoch's (mean loss of rank 0's threads).
  absl::Status TrainEpoch(int epoch, const TrainerProgressCallback& progress = nullptr);

  int64_t total_tokens() const { return total_tokens_; }
  // Replica merges per epoch (0 with one replica: one rank, or one host sharing its model).
  int syncs_per_epoch() const { return merging_ ? rounds_ : 0; }
  // Ranks training one model in shared memory (1 without sharing).
  int ranks_per_model() const { return host_ != nullptr ? host_->size() : 1; }
  double mean_loss() const { return last_loss_; }
  double seconds() const { return seconds_; }
  // This rank's replica merges so far (zero with one rank): bytes, rows, seconds (including
  // waiting for the slowest rank).
  ReplicaSyncStats sync_stats() const { return sync_ ? sync_->stats() : ReplicaSyncStats(); }
  double sync_seconds() const { return sync_stats().seconds; }
  // Mean bytes this rank put into one merge.
  int64_t sync_bytes() const {
    const ReplicaSyncStats s = sync_stats();
    return s.syncs > 0 ? s.bytes / s.syncs : 0;
  }
  // CPU seconds of this rank's worker threads in training (not merging), summed over threads.
  double train_cpu_seconds() const;

 private:
  Word2vecTrainer() = default;
  absl::Status RunRound(int epoch, int round);
  struct Pace {
    double done = 0;          // fraction of all epochs
    double run_fraction = 0;  // of all epochs, done in this run
    double elapsed = 0;       // seconds since this run started
    double rate = 0;          // words per second over all ranks in this run
    float alpha = 0;
  };
  Pace MeasurePace(int epoch) const;
  TrainerProgress MakeReport(int epoch, const Pace& pace, double loss, bool epoch_end) const;
  void PrintProgress(int epoch, bool final_line);
  void PrintRankSummary() const;

  SgnsSpec spec_;
  double alpha_ = 0.025;
  Word2vecTrainerOptions options_;
  Communicator* comm_ = nullptr;
  const Word2vecCorpus* corpus_ = nullptr;
  Word2vecWeights* model_ = nullptr;
  NegativeSampler sampler_;
  std::vector<float> keep_;
  HuffmanTree tree_;
  std::unique_ptr<ReplicaSync> sync_;  // on the ranks that merge (every rank without sharing)
  Communicator* sync_comm_ = nullptr;  // the merging ranks
  Communicator* host_ = nullptr;       // with sharing: the ranks of this host
  bool merging_ = false;               // whether there are replicas to merge (on every rank)
  bool scans_ = true;                  // whether this rank checks the model for NaN/Inf
  Word2vecCorpus balanced_;            // the corpus trained with several ranks (BalanceCorpus)
  std::vector<std::unique_ptr<Word2vecWorker>> workers_;
  std::atomic<int64_t> rank_words_done_{0};  // this epoch, all threads
  int64_t total_tokens_ = 0;                 // all ranks
  int rounds_ = 1;
  double last_loss_ = 0;
  double seconds_ = 0;
  struct Progress;
  std::unique_ptr<Progress> progress_;
};

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_WORD2VEC_TRAINER_H_
