#include "workers/word_counter.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "workers/distinct_sketch.h"
#include "workers/progress.h"
#include "workers/wire.h"

namespace wordmill {
namespace {

std::map<std::string, int64_t> Contents(const WordCounter& counter) {
  std::map<std::string, int64_t> out;
  counter.ForEach([&](absl::string_view w, int64_t c) { out[std::string(w)] = c; });
  return out;
}

TEST(WordCounterTest, CountsExactlyWithoutBudget) {
  WordCounter counter;
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < 200000; ++i) {
    const std::string word = absl::StrCat("w", (i * 7919) % 5003);
    counter.Add(word);
    ++expected[word];
  }
  counter.Add("big", int64_t{1} << 40);  // 64-bit counts
  expected["big"] = int64_t{1} << 40;
  EXPECT_EQ(Contents(counter), expected);
  EXPECT_EQ(counter.prune_stats().entries, 0);
}

TEST(WordCounterTest, MergeAddsAndEmptiesTheOther) {
  WordCounter a, b;
  a.Add("x", 2);
  a.Add("y");
  b.Add("y", 5);
  b.Add("z");
  a.MergeFrom(&b);
  EXPECT_EQ(Contents(a), (std::map<std::string, int64_t>{{"x", 2}, {"y", 6}, {"z", 1}}));
  EXPECT_EQ(b.size(), 0u);
}

TEST(WordCounterTest, BudgetPrunesRareWordsAndKeepsFrequentOnesExact) {
  const int64_t budget = 1 << 20;
  WordCounter counter(budget);
  int64_t total = 0;
  // 20 frequent words interleaved with a stream of 300k distinct rare words.
  for (int i = 0; i < 300000; ++i) {
    counter.Add(absl::StrCat("rare-word-number-", i));
    counter.Add(absl::StrCat("frequent", i % 20));
    total += 2;
  }
  EXPECT_LE(counter.memory_bytes(), budget);
  const PruneStats& prune = counter.prune_stats();
  EXPECT_GT(prune.entries, 0);
  EXPECT_GE(prune.threshold, 1);
  int64_t kept = 0;
  for (const auto& [word, count] : Contents(counter)) kept += count;
  // Every token is either still counted or accounted for as pruned.
  EXPECT_EQ(kept + prune.tokens, total);
  // The frequent words lost at most what early prunes removed, never more than a few.
  const auto contents = Contents(counter);
  for (int f = 0; f < 20; ++f) {
    auto it = contents.find(absl::StrCat("frequent", f));
    ASSERT_NE(it, contents.end());
    EXPECT_GE(it->second, 15000 - 100);
  }
  // The sketch still knows about the pruned words.
  EXPECT_NEAR(counter.sketch().Estimate(), 300020, 0.03 * 300020);
}

TEST(DistinctSketchTest, EstimatesAndMergesLikeAUnion) {
  DistinctSketch a, b;
  for (int i = 0; i < 100000; ++i) a.Add(absl::StrCat("a", i));
  for (int i = 0; i < 50000; ++i) b.Add(absl::StrCat("a", i));  // a subset of a
  for (int i = 0; i < 50000; ++i) b.Add(absl::StrCat("b", i));
  EXPECT_NEAR(a.Estimate(), 100000, 3000);
  a.Merge(b);
  EXPECT_NEAR(a.Estimate(), 150000, 4500);
  DistinctSketch small;
  for (int i = 0; i < 100; ++i) small.Add(absl::StrCat(i));
  EXPECT_NEAR(small.Estimate(), 100, 3);
  EXPECT_EQ(DistinctSketch().Estimate(), 0);
}

TEST(WireTest, RoundTripAndMalformedInput) {
  std::string buffer;
  PutBytes(&buffer, "hello");
  PutVarint(&buffer, uint64_t{1} << 62);
  WireReader reader(buffer);
  absl::string_view bytes;
  uint64_t value = 0;
  ASSERT_TRUE(reader.GetBytes(&bytes));
  EXPECT_EQ(bytes, "hello");
  ASSERT_TRUE(reader.GetVarint(&value));
  EXPECT_EQ(value, uint64_t{1} << 62);
  EXPECT_TRUE(reader.done());
  // A length running past the end and an unterminated varint are refused, not read.
  const std::string past_end(
      "\x05"
      "abc",
      4);
  WireReader past(past_end);
  EXPECT_FALSE(past.GetBytes(&bytes));
  const std::string no_end("\xff\xff", 2);
  WireReader unterminated(no_end);
  EXPECT_FALSE(unterminated.GetVarint(&value));
}

TEST(ProgressTest, LineShowsBytesRateTokensAndEta) {
  EXPECT_EQ(ProgressReporter::FormatLine("vocab", 50000000, 200000000, 20000000, 10.0, 2),
            "vocab: 50.0/200.0 MB (25.0%) 5.0 MB/s 2.00 M tokens/s ETA 0:00:30 [rank 0 of 2]");
}

}  // namespace
}  // namespace wordmill
