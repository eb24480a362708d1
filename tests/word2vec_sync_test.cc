// Merging the skip-gram / CBOW replicas of several ranks, with the ranks run as threads of this
// process (tests/in_process_ranks.h): the touched-rows merge gives exactly the result of the
// whole-matrix merge, replicas stay identical, the byte and row counters are exact; balancing
// the ranks' corpora keeps every paragraph, in order. (Training across ranks with both merges:
// word2vec_trainer_test.cc.)
#include "embeddings/word2vec_sync.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cluster/communicator.h"
#include "embeddings/word2vec_trainer.h"
#include "gtest/gtest.h"
#include "tests/in_process_ranks.h"

namespace wordmill {
namespace {

using ::wordmill::testing::InProcessRanks;

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

// The int16 merge: the ranks change rows (dense changes of mixed sizes, rows no rank touched,
// rows only one rank touched); every replica must end identical, each value within the
// quantization bound of the exact float merge, untouched rows unchanged bit for bit, and the
// byte counter must be the two steps' exact sizes.
TEST(ReplicaSyncTest, Int16MergeKeepsReplicasIdenticalWithinTheQuantizationBound) {
  constexpr int kRows = 97, kDim = 37;  // 37: both the 16-wide and the scalar tail paths
  for (int ranks : {2, 3}) {
    Word2vecWeights start(kRows, kDim);
    start.Initialize(5);
    std::vector<std::unique_ptr<Word2vecWeights>> exact, quantized, changed(ranks);
    std::vector<ReplicaSyncStats> stats(ranks);
    for (int rank = 0; rank < ranks; ++rank) {
      exact.push_back(Clone(start));
      quantized.push_back(Clone(start));
    }
    std::set<int64_t> touched;  // rows (W: r, C: kRows + r) some rank changed
    for (ReplicaSync::Precision precision :
         {ReplicaSync::Precision::kFloat32, ReplicaSync::Precision::kInt16}) {
      const bool int16 = precision == ReplicaSync::Precision::kInt16;
      InProcessRanks group(ranks);
      group.Run([&](int rank, Communicator* comm) {
        Word2vecWeights& w = int16 ? *quantized[rank] : *exact[rank];
        ReplicaSync sync(w, ReplicaSync::Rows::kTouched, precision);
        std::mt19937 gen(7 + rank);
        for (int64_t row = 0; row < kRows; ++row) {
          for (bool out : {false, true}) {
            // Every third row untouched; a rank skips a row with probability 1/2.
            if (row % 3 == 0 || gen() % 2 == 0) continue;
            float* x = out ? w.out(row) : w.in(row);
            const float size = std::pow(10.0f, -static_cast<float>(gen() % 6));
            for (int d = 0; d < kDim; ++d)
              x[d] += size * (static_cast<float>(gen() % 2001) / 1000.0f - 1.0f);
            (out ? sync.out_marks() : sync.in_marks())[row] = 1;
          }
        }
        if (int16) changed[rank] = Clone(w);
        ASSERT_TRUE(sync.Sync(&w, comm).ok());
        EXPECT_FALSE(sync.merged_non_finite());  // checked every merged row
        if (int16) stats[rank] = sync.stats();
      });
    }
    for (int rank = 1; rank < ranks; ++rank) {
      EXPECT_EQ(Matrix(*quantized[rank], false), Matrix(*quantized[0], false)) << ranks;
      EXPECT_EQ(Matrix(*quantized[rank], true), Matrix(*quantized[0], true)) << ranks;
    }
    int64_t union_rows = 0;
    for (bool out : {false, true}) {
      const std::vector<float> s0 = Matrix(start, out), e = Matrix(*exact[0], out),
                               q = Matrix(*quantized[0], out);
      const int stride = start.stride();
      for (int64_t row = 0; row < kRows; ++row) {
        // The bound: half a step of each rank's row scale and of the sum's.
        float bound = 0, sum_largest = 0;
        bool any = false;
        for (int rank = 0; rank < ranks; ++rank) {
          const std::vector<float> c = Matrix(*changed[rank], out);
          float largest = 0;
          for (int d = 0; d < kDim; ++d) {
            largest = std::max(largest, std::fabs(c[row * stride + d] - s0[row * stride + d]));
          }
          any |= largest > 0;
          bound += 0.5f * largest / 32767.0f;
        }
        for (int d = 0; d < kDim; ++d)
          sum_largest =
              std::max(sum_largest, std::fabs(e[row * stride + d] - s0[row * stride + d]));
        bound += 0.5f * sum_largest / 32767.0f * 1.001f;
        union_rows += any;
        for (int d = 0; d < kDim; ++d) {
          const size_t i = row * stride + d;
          if (!any) {
            ASSERT_EQ(q[i], s0[i]) << "untouched row " << row;
          } else {
            ASSERT_NEAR(q[i], e[i], bound + 1e-6f * std::fabs(e[i])) << "row " << row;
          }
        }
      }
    }
    EXPECT_GT(union_rows, kRows / 2);
    EXPECT_LT(union_rows, 2 * kRows * 2 / 3 + 2);  // every third row untouched
    // Bytes: bitmaps (2 matrices x 2 words) to the other ranks, then in each step the rows of
    // the other ranks' segments (step 1) and this rank's segment to each other rank (step 2).
    const int64_t row_bytes = 4 + 2 * kDim;
    for (int rank = 0; rank < ranks; ++rank) {
      const int64_t own = union_rows * (rank + 1) / ranks - union_rows * rank / ranks;
      const int64_t expected =
          2 * 2 * 8 * (ranks - 1) + (union_rows - own) * row_bytes + own * row_bytes * (ranks - 1);
      EXPECT_EQ(stats[rank].bytes, expected) << "rank " << rank << " of " << ranks;
      EXPECT_EQ(stats[rank].merged_rows[0] + stats[rank].merged_rows[1], union_rows);
    }
  }
}

// A NaN in one rank's change reaches every replica instead of being lost in the quantization,
// and every rank's merge reports it (the trainer then scans the model and stops).
TEST(ReplicaSyncTest, Int16MergeCarriesANaNToEveryReplica) {
  Word2vecWeights start(10, 4);
  start.Initialize(1);
  std::vector<std::unique_ptr<Word2vecWeights>> models;
  for (int rank = 0; rank < 2; ++rank) models.push_back(Clone(start));
  InProcessRanks group(2);
  group.Run([&](int rank, Communicator* comm) {
    Word2vecWeights& w = *models[rank];
    ReplicaSync sync(w, ReplicaSync::Rows::kTouched, ReplicaSync::Precision::kInt16);
    for (int64_t row = 0; row < 10; ++row) {
      w.in(row)[0] += 0.5f;
      sync.in_marks()[row] = 1;
    }
    if (rank == 1) w.in(2)[1] = std::nanf("");
    ASSERT_TRUE(sync.Sync(&w, comm).ok());
    EXPECT_TRUE(sync.merged_non_finite()) << "rank " << rank;
  });
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_FALSE(models[rank]->FindNonFinite().empty()) << "rank " << rank;
    EXPECT_TRUE(std::isnan(models[rank]->in(2)[1])) << "rank " << rank;
    EXPECT_FLOAT_EQ(models[rank]->in(5)[0], start.in(5)[0] + 1.0f);
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

}  // namespace
}  // namespace wordmill
