// Merging the skip-gram / CBOW replicas of several ranks, with the ranks run as threads of this
// process (tests/in_process_ranks.h): the touched-rows merge gives exactly the result of the
// whole-matrix merge, replicas stay identical, the byte and row counters are exact; balancing
// the ranks' corpora keeps every paragraph, in order. (Training across ranks with both merges:
// word2vec_trainer_test.cc.)
#include "embeddings/word2vec_sync.h"

#include <algorithm>
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
