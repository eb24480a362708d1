// Merging the skip-gram / CBOW replicas of several ranks, with the ranks run as threads of this
// process (InProcessRanks, a Communicator whose collectives meet through shared memory): the
// touched-rows merge gives exactly the result of the whole-matrix merge, replicas stay
// identical, the byte and row counters are exact, and every update path marks what it writes.
#include "embeddings/word2vec_sync.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cluster/communicator.h"
#include "embeddings/word2vec_trainer.h"
#include "gtest/gtest.h"

namespace wordmill {
namespace {

// P ranks in one process. Every collective: each rank deposits its bytes, all wait, each reads
// what it needs (reductions in rank order 0, 1, ..., so results are deterministic), all wait.
class InProcessRanks {
 public:
  explicit InProcessRanks(int size) : size_(size), slots_(size) {}

  std::unique_ptr<Communicator> Member(int rank) { return std::make_unique<Member_>(this, rank); }

  // Runs f(rank, comm) on `size` threads and joins them.
  void Run(const std::function<void(int, Communicator*)>& f) {
    std::vector<std::thread> threads;
    for (int r = 0; r < size_; ++r) {
      threads.emplace_back([this, r, &f] {
        std::unique_ptr<Communicator> comm = Member(r);
        f(r, comm.get());
      });
    }
    for (std::thread& t : threads) t.join();
  }

 private:
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    const int64_t generation = generation_;
    if (++waiting_ == size_) {
      waiting_ = 0;
      ++generation_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return generation_ != generation; });
    }
  }
  // Deposits `mine`, returns every rank's deposit (valid until the closing Wait).
  const std::vector<std::string>& Exchange(int rank, std::string mine) {
    slots_[rank] = std::move(mine);
    Wait();
    return slots_;
  }

  template <typename T>
  void Reduce(int rank, absl::Span<T> values, ReduceOp op) {
    const std::vector<std::string>& all = Exchange(
        rank, std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)));
    for (size_t i = 0; i < values.size(); ++i) {
      T acc;
      std::memcpy(&acc, all[0].data() + i * sizeof(T), sizeof(T));
      for (int r = 1; r < size_; ++r) {
        T x;
        std::memcpy(&x, all[r].data() + i * sizeof(T), sizeof(T));
        acc = op == ReduceOp::kSum   ? acc + x
              : op == ReduceOp::kMin ? std::min(acc, x)
                                     : std::max(acc, x);
      }
      values[i] = acc;
    }
    Wait();
  }

  class Member_ final : public Communicator {
   public:
    Member_(InProcessRanks* group, int rank) : g_(group), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return g_->size_; }
    int local_size() const override { return g_->size_; }
    absl::Status AllToAll(const std::vector<std::string>& send,
                          std::vector<std::string>* recv) override {
      if (static_cast<int>(send.size()) != size()) return absl::InvalidArgumentError("size");
      std::string packed;
      for (const std::string& s : send) {
        const uint64_t n = s.size();
        packed.append(reinterpret_cast<const char*>(&n), sizeof(n));
        packed += s;
      }
      const std::vector<std::string>& all = g_->Exchange(rank_, std::move(packed));
      recv->assign(size(), "");
      for (int r = 0; r < size(); ++r) {
        size_t at = 0;
        for (int to = 0;; ++to) {
          uint64_t n;
          std::memcpy(&n, all[r].data() + at, sizeof(n));
          if (to == rank_) {
            (*recv)[r] = all[r].substr(at + sizeof(n), n);
            break;
          }
          at += sizeof(n) + n;
        }
      }
      g_->Wait();
      return absl::OkStatus();
    }
    absl::Status AllReduce(absl::Span<int64_t> v, ReduceOp op) override {
      g_->Reduce(rank_, v, op);
      return absl::OkStatus();
    }
    absl::Status AllReduce(absl::Span<double> v, ReduceOp op) override {
      g_->Reduce(rank_, v, op);
      return absl::OkStatus();
    }
    absl::Status AllReduce(absl::Span<float> v, ReduceOp op) override {
      g_->Reduce(rank_, v, op);
      return absl::OkStatus();
    }
    absl::Status Broadcast(std::string* data, int root) override {
      const std::string copy = g_->Exchange(rank_, *data)[root];
      g_->Wait();
      *data = copy;
      return absl::OkStatus();
    }
    absl::Status Gather(const std::string& send, std::vector<std::string>* recv,
                        int root) override {
      const std::vector<std::string>& all = g_->Exchange(rank_, send);
      if (rank_ == root) *recv = all;
      g_->Wait();
      return absl::OkStatus();
    }
    absl::Status Barrier() override {
      g_->Wait();
      return absl::OkStatus();
    }

   private:
    InProcessRanks* g_;
    int rank_;
  };

  const int size_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int waiting_ = 0;
  int64_t generation_ = 0;
  std::vector<std::string> slots_;
};

std::vector<float> Matrix(const Word2vecWeights& w, bool out) {
  const float* p = out ? w.out(0) : w.in(0);
  return std::vector<float>(p, p + w.floats_per_matrix());
}

std::unique_ptr<Word2vecWeights> Clone(const Word2vecWeights& w) {
  auto copy = std::make_unique<Word2vecWeights>(w.rows(), w.dim());
  std::memcpy(copy->in_data(), w.in(0), w.floats_per_matrix() * sizeof(float));
  std::memcpy(copy->out_data(), w.out(0), w.floats_per_matrix() * sizeof(float));
  return copy;
}

TEST(InProcessRanksTest, CollectivesBehaveAsMpis) {
  InProcessRanks group(3);
  group.Run([](int rank, Communicator* comm) {
    std::vector<float> f = {1.0f * rank, 2.0f};
    ASSERT_TRUE(comm->AllReduce(absl::MakeSpan(f), ReduceOp::kSum).ok());
    EXPECT_EQ(f, (std::vector<float>{3.0f, 6.0f}));
    EXPECT_EQ(*comm->MaxInt64(rank * 10), 20);
    std::vector<std::string> send = {absl::StrCat(rank, ">0"), absl::StrCat(rank, ">1"),
                                     absl::StrCat(rank, ">2")};
    std::vector<std::string> recv;
    ASSERT_TRUE(comm->AllToAll(send, &recv).ok());
    EXPECT_EQ(recv, (std::vector<std::string>{absl::StrCat("0>", rank), absl::StrCat("1>", rank),
                                              absl::StrCat("2>", rank)}));
  });
}

// Three ranks change random rows (some shared, most not), then merge with the touched-rows
// and the whole-matrix methods.
TEST(ReplicaSyncTest, TouchedRowsMergeEqualsTheWholeMatrixMergeAndCountsExactly) {
  constexpr int kRanks = 3, kRows = 300, kDim = 20;
  Word2vecWeights start(kRows, kDim);
  start.Initialize(7);
  for (int64_t r = 0; r < kRows; ++r) start.out(r)[r % kDim] = 0.01f * r;  // C non-zero too
  std::vector<std::set<int64_t>> changed(kRanks);
  std::vector<std::unique_ptr<Word2vecWeights>> result[2], before(kRanks);
  for (ReplicaSync::Rows mode : {ReplicaSync::Rows::kAll, ReplicaSync::Rows::kTouched}) {
    std::vector<std::unique_ptr<Word2vecWeights>>& models =
        result[mode == ReplicaSync::Rows::kTouched];
    for (int rank = 0; rank < kRanks; ++rank) models.push_back(Clone(start));
    std::vector<ReplicaSyncStats> stats(kRanks);
    InProcessRanks group(kRanks);
    group.Run([&](int rank, Communicator* comm) {
      Word2vecWeights& w = *models[rank];
      ReplicaSync sync(w, mode);
      std::mt19937 gen(100 + rank);  // the same changes in both modes
      std::set<int64_t>& mine = changed[rank];
      mine.clear();
      for (int k = 0; k < 40; ++k) {
        const int64_t row = gen() % kRows;
        const bool out = gen() % 2;
        (out ? w.out(row) : w.in(row))[gen() % kDim] += 0.001f * (1 + gen() % 100);
        (out ? sync.out_marks() : sync.in_marks())[row] = 1;
        mine.insert(out ? kRows + row : row);
      }
      before[rank] = Clone(w);
      ASSERT_TRUE(sync.Sync(&w, comm).ok());
      // A second merge without changes leaves everything as it is and moves no rows.
      const std::vector<float> in = Matrix(w, false), out = Matrix(w, true);
      ASSERT_TRUE(sync.Sync(&w, comm).ok());
      EXPECT_EQ(Matrix(w, false), in);
      EXPECT_EQ(Matrix(w, true), out);
      stats[rank] = sync.stats();
    });
    std::set<int64_t> all;
    for (const auto& s : changed) all.insert(s.begin(), s.end());
    const int64_t union_in =
        std::count_if(all.begin(), all.end(), [](int64_t r) { return r < kRows; });
    for (int rank = 0; rank < kRanks; ++rank) {
      const ReplicaSyncStats& s = stats[rank];
      EXPECT_EQ(s.syncs, 2);
      const int64_t local_in = std::count_if(changed[rank].begin(), changed[rank].end(),
                                             [](int64_t r) { return r < kRows; });
      EXPECT_EQ(s.local_rows[0], local_in);
      EXPECT_EQ(s.local_rows[1], static_cast<int64_t>(changed[rank].size()) - local_in);
      if (mode == ReplicaSync::Rows::kAll) {
        EXPECT_EQ(s.merged_rows[0], 2 * kRows);
        EXPECT_EQ(s.bytes, 2 * 2 * kRows * PaddedDim(kDim) * 4);
      } else {
        EXPECT_EQ(s.merged_rows[0], union_in);
        EXPECT_EQ(s.merged_rows[1], static_cast<int64_t>(all.size()) - union_in);
        // Per merge: the bitmaps (2 matrices x 5 words of 64 bits) to the 2 other ranks, and
        // the union's rows (dim floats each) in the first merge only.
        const int64_t bitmap_bytes = 2 * 5 * 8 * (kRanks - 1);
        EXPECT_EQ(s.bytes, 2 * bitmap_bytes + static_cast<int64_t>(all.size()) * kDim * 4);
      }
    }
    for (int rank = 1; rank < kRanks; ++rank) {
      EXPECT_EQ(Matrix(*models[rank], false), Matrix(*models[0], false));
      EXPECT_EQ(Matrix(*models[rank], true), Matrix(*models[0], true));
    }
  }
  EXPECT_EQ(Matrix(*result[1][0], false), Matrix(*result[0][0], false));
  EXPECT_EQ(Matrix(*result[1][0], true), Matrix(*result[0][0], true));
  // The merge is start + the sum of the ranks' changes (in rank order, as the reduction).
  for (bool out : {false, true}) {
    const std::vector<float> s0 = Matrix(start, out), merged = Matrix(*result[1][0], out);
    std::vector<std::vector<float>> b;
    for (int rank = 0; rank < kRanks; ++rank) b.push_back(Matrix(*before[rank], out));
    int changed_values = 0;
    for (size_t i = 0; i < s0.size(); ++i) {
      const float sum = ((b[0][i] - s0[i]) + (b[1][i] - s0[i])) + (b[2][i] - s0[i]);
      ASSERT_EQ(merged[i], sum + s0[i]) << "value " << i;
      changed_values += merged[i] != s0[i];
    }
    EXPECT_GT(changed_values, 40);
  }
}

TEST(BalanceCorpusTest, MovesWholeParagraphsInOrderToEqualShares) {
  constexpr int kRanks = 3;
  // Rank 0 has nothing, rank 1 a little, rank 2 most; paragraphs of 1..12 tokens.
  std::vector<Word2vecCorpus> corpora(kRanks);
  std::vector<std::vector<uint32_t>> all_paragraphs;
  uint32_t next_id = 0;
  std::mt19937 gen(3);
  for (int rank = 1; rank < kRanks; ++rank) {
    for (int p = 0; p < (rank == 1 ? 7 : 60); ++p) {
      std::vector<uint32_t> paragraph(1 + gen() % 12);
      for (uint32_t& id : paragraph) id = next_id++;
      corpora[rank].AddParagraph(paragraph.data(), paragraph.size());
      all_paragraphs.push_back(paragraph);
    }
  }
  for (size_t max_bytes : {size_t{1} << 20, size_t{20}}) {  // one round; a round per paragraph
    std::vector<Word2vecCorpus> balanced(kRanks);
    InProcessRanks group(kRanks);
    group.Run([&](int rank, Communicator* comm) {
      absl::StatusOr<Word2vecCorpus> b = BalanceCorpus(corpora[rank], comm, max_bytes);
      ASSERT_TRUE(b.ok()) << b.status();
      balanced[rank] = std::move(*b);
    });
    std::vector<std::vector<uint32_t>> paragraphs;
    for (int rank = 0; rank < kRanks; ++rank) {
      const Word2vecCorpus& c = balanced[rank];
      for (int64_t p = 0; p < c.paragraphs(); ++p) {
        paragraphs.emplace_back(c.ids.begin() + c.offsets[p], c.ids.begin() + c.offsets[p + 1]);
      }
      // Rank r gets the paragraphs starting in [r, r + 1) * total / 3: its share give or
      // take one paragraph.
      EXPECT_NEAR(c.tokens(), next_id / 3.0, 12) << "rank " << rank << " max_bytes " << max_bytes;
    }
    EXPECT_EQ(paragraphs, all_paragraphs) << "max_bytes " << max_bytes;
  }
}

// Two disjoint topics: ids [0, 30) and [30, 60); each sentence draws 15 words from one.
Word2vecCorpus TopicCorpus(int sentences, uint32_t seed) {
  std::mt19937 gen(seed);
  Word2vecCorpus corpus;
  std::vector<uint32_t> sentence(15);
  for (int s = 0; s < sentences; ++s) {
    const uint32_t base = (s % 2) * 30;
    for (uint32_t& id : sentence) id = base + gen() % 30;
    corpus.AddParagraph(sentence.data(), sentence.size());
  }
  return corpus;
}

struct Variant {
  Word2vecModel model;
  Word2vecLoss loss;
  Word2vecUpdate update;
};

class TrainerAcrossRanksTest : public ::testing::TestWithParam<Variant> {};

// Trains `ranks` replicas (one thread each, rank r on its own corpus) and returns each rank's
// final model.
std::vector<std::unique_ptr<Word2vecWeights>> TrainRanks(
    const SgnsSpec& spec, int ranks, ReplicaSync::Rows rows,
    std::vector<ReplicaSyncStats>* stats = nullptr) {
  std::vector<Word2vecCorpus> corpora;
  std::vector<int64_t> counts(60, 0);
  for (int r = 0; r < ranks; ++r) {
    corpora.push_back(TopicCorpus(200 + 40 * r, 20 + r));  // unequal shards
    for (uint32_t id : corpora.back().ids) ++counts[id];
  }
  std::vector<std::unique_ptr<Word2vecWeights>> models;
  for (int r = 0; r < ranks; ++r)
    models.push_back(std::make_unique<Word2vecWeights>(60, spec.dim()));
  if (stats != nullptr) stats->assign(ranks, ReplicaSyncStats());
  InProcessRanks group(ranks);
  group.Run([&](int rank, Communicator* comm) {
    Word2vecWeights& w = *models[rank];
    w.Initialize(spec.seed());
    Word2vecTrainerOptions options;
    options.threads = 1;
    options.progress_seconds = 0;
    options.sync_rows = rows;
    auto trainer = Word2vecTrainer::Create(spec, counts, &corpora[rank], &w, options, comm);
    ASSERT_TRUE(trainer.ok()) << trainer.status();
    for (int e = 0; e < spec.epochs(); ++e) ASSERT_TRUE((*trainer)->TrainEpoch(e).ok());
    if (stats != nullptr) (*stats)[rank] = (*trainer)->sync_stats();
  });
  return models;
}

TEST_P(TrainerAcrossRanksTest, TouchedRowsMergeGivesTheWholeMatrixMergesModelDeterministically) {
  SgnsSpec spec;
  spec.set_dim(16);
  spec.set_window(3);
  spec.set_epochs(2);
  spec.set_sample(1e-3);
  spec.set_sync_words(500);
  spec.set_seed(9);
  spec.set_model(GetParam().model);
  spec.set_loss(GetParam().loss);
  spec.set_update(GetParam().update);
  std::vector<ReplicaSyncStats> stats;
  const auto touched = TrainRanks(spec, 2, ReplicaSync::Rows::kTouched, &stats);
  const auto again = TrainRanks(spec, 2, ReplicaSync::Rows::kTouched);
  const auto all = TrainRanks(spec, 2, ReplicaSync::Rows::kAll);
  EXPECT_TRUE(touched[0]->FindNonFinite().empty());
  // Any write a worker forgot to mark would stay on its rank: the replicas would differ and
  // the model would differ from the whole-matrix merge's.
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_EQ(Matrix(*touched[rank], false), Matrix(*all[0], false)) << "rank " << rank;
    EXPECT_EQ(Matrix(*touched[rank], true), Matrix(*all[0], true)) << "rank " << rank;
    EXPECT_EQ(Matrix(*again[rank], false), Matrix(*touched[0], false)) << "rank " << rank;
  }
  EXPECT_EQ(Matrix(*all[1], false), Matrix(*all[0], false));
  Word2vecWeights initial(60, spec.dim());
  initial.Initialize(spec.seed());
  EXPECT_NE(Matrix(*all[0], false), Matrix(initial, false));
  // 200 sentences of 15 words on rank 0 and 240 on rank 1, balanced to 3,300 words each: 7
  // rounds of 500 words (8 without the balancing).
  EXPECT_EQ(stats[0].syncs, 2 * 7);
  EXPECT_EQ(stats[1].syncs, 2 * 7);
  EXPECT_EQ(stats[0].merged_rows[0], stats[1].merged_rows[0]);
  EXPECT_GT(stats[0].merged_rows[0], 0);
  EXPECT_LE(stats[0].merged_rows[0], 60 * stats[0].syncs);
  for (int m = 0; m < 2; ++m) {
    EXPECT_GE(stats[0].merged_rows[m], stats[0].local_rows[m]);
    EXPECT_GE(stats[0].merged_rows[m], stats[1].local_rows[m]);
    EXPECT_LE(stats[0].merged_rows[m], stats[0].local_rows[m] + stats[1].local_rows[m]);
  }
}

INSTANTIATE_TEST_SUITE_P(AllVariants, TrainerAcrossRanksTest,
                         ::testing::Values(Variant{MODEL_SKIPGRAM, LOSS_NS, UPDATE_BATCH},
                                           Variant{MODEL_SKIPGRAM, LOSS_NS, UPDATE_PAIRWISE},
                                           Variant{MODEL_SKIPGRAM, LOSS_HS, UPDATE_PAIRWISE},
                                           Variant{MODEL_CBOW, LOSS_NS, UPDATE_BATCH},
                                           Variant{MODEL_CBOW, LOSS_NS, UPDATE_PAIRWISE},
                                           Variant{MODEL_CBOW, LOSS_HS, UPDATE_PAIRWISE}),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return absl::StrCat(
                               info.param.model == MODEL_CBOW ? "Cbow" : "SkipGram",
                               info.param.loss == LOSS_HS ? "Hs" : "Ns",
                               info.param.update == UPDATE_BATCH ? "Batch" : "Pairwise");
                         });

}  // namespace
}  // namespace wordmill
