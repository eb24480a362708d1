// The co-occurrence building blocks: radix sort and combine, the dense region, row ownership.
#include "workers/cooccur_accumulator.h"

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "workers/cooccur_record.h"

namespace wordmill {
namespace {

TEST(SortAndCombineTest, MatchesAMapForSmallAndLargeVocabularies) {
  // 2 radix passes (V <= 2^16), 3 passes (odd: the result is copied back) and 4.
  for (int64_t vocab : {int64_t{7}, int64_t{60000}, int64_t{300000}, int64_t{1} << 31}) {
    std::mt19937_64 rng(vocab);
    std::vector<CooccurRecord> records, scratch(20000);
    std::map<std::pair<int32_t, int32_t>, double> expected;
    for (int k = 0; k < 20000; ++k) {
      const int32_t i = static_cast<int32_t>(rng() % std::min<int64_t>(vocab, 50));
      const int32_t j = static_cast<int32_t>(rng() % vocab);
      records.push_back({i, j, 0.25 * (k % 5)});
      expected[{i, j}] += 0.25 * (k % 5);
    }
    const size_t n = SortAndCombine(records.data(), scratch.data(), records.size(), vocab);
    ASSERT_EQ(n, expected.size()) << vocab;
    size_t k = 0;
    for (const auto& [key, x] : expected) {
      EXPECT_EQ(records[k].i, key.first) << vocab;
      EXPECT_EQ(records[k].j, key.second) << vocab;
      EXPECT_DOUBLE_EQ(records[k].x, x) << vocab;
      ++k;
    }
  }
}

TEST(CooccurAccumulatorTest, DenseRegionHasGloveLookupShapeAndEmitsInOrder) {
  EXPECT_EQ(CooccurAccumulator::DenseEntries(100, 10), 10 + 5 + 3 + 2 + 2 + 1 + 1 + 1 + 1 + 1);
  const int64_t product = CooccurAccumulator::DenseProductForBytes(1000, 8000);
  EXPECT_LE(CooccurAccumulator::DenseEntries(1000, product), 1000);
  EXPECT_GT(CooccurAccumulator::DenseEntries(1000, product + 1), 1000);

  CooccurAccumulator a(100, 10, 64);
  a.Add(0, 9, 1.0);   // dense: 1 * 10 <= 10
  a.Add(1, 4, 2.0);   // dense: 2 * 5 <= 10
  a.Add(1, 5, 3.0);   // sparse: 2 * 6 > 10
  a.Add(50, 0, 4.0);  // sparse: row 50 has no dense columns
  EXPECT_EQ(a.buffer_size(), 2u);
  CooccurAccumulator b(100, 10, 64);
  b.Add(0, 9, 0.5);
  a.AddDense(b);
  a.ClearBuffer();
  int64_t cursor = 0;
  EXPECT_FALSE(a.EmitDense(&cursor));
  ASSERT_EQ(a.buffer_size(), 2u);
  EXPECT_EQ(a.buffer()[0].i, 0);
  EXPECT_EQ(a.buffer()[0].j, 9);
  EXPECT_DOUBLE_EQ(a.buffer()[0].x, 1.5);
  EXPECT_EQ(a.buffer()[1].i, 1);
  EXPECT_EQ(a.buffer()[1].j, 4);
}

TEST(AssignRowOwnersTest, BalancesExpectedPairs) {
  std::vector<int64_t> counts;
  for (int i = 0; i < 50000; ++i) counts.push_back(1000000 / (i + 1) + 5);  // Zipf
  for (int ranks : {2, 3, 4}) {
    const std::vector<int32_t> owners = AssignRowOwners(counts, 10, ranks);
    std::vector<double> load(ranks, 0);
    for (size_t i = 0; i < counts.size(); ++i) {
      ASSERT_GE(owners[i], 0);
      ASSERT_LT(owners[i], ranks);
      load[owners[i]] += std::min<double>(counts[i] * 20.0, counts.size());
    }
    const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
    EXPECT_LT(*hi / *lo, 1.01) << ranks;
  }
}

}  // namespace
}  // namespace wordmill
