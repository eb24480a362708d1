#include "workers/word_counter.h"

#include <sys/mman.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "workers/distinct_sketch.h"
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

// Entries set to 0 (as the vocabulary exchange leaves the words it sent away) stay until a prune
// removes them, which does not count them as pruned; the other counts are untouched.
TEST(WordCounterTest, ZeroedEntriesArePrunedUncounted) {
  WordCounter counter(1 << 20);
  for (int i = 0; i < 1000; ++i) counter.Add(absl::StrCat("zeroed-long-word-", i), 7);
  counter.Add("kept", 1000);
  counter.ForEachMutable([](absl::string_view word, int64_t& count) {
    if (word != "kept") count = 0;
  });
  EXPECT_EQ(counter.size(), 1001u);
  EXPECT_EQ(counter.prune_stats().entries, 0);
  // Rare words until the budget forces prunes: only they are counted as pruned.
  int64_t added = 0;
  for (int i = 0; counter.prune_stats().entries == 0; ++i) {
    counter.Add(absl::StrCat("rare-word-number-", i));
    ++added;
  }
  const PruneStats& prune = counter.prune_stats();
  int64_t kept_rare = 0;
  for (const auto& [word, count] : Contents(counter)) {
    EXPECT_NE(count, 0) << word;  // every zeroed entry went in the prune
    if (word != "kept") kept_rare += count;
  }
  EXPECT_EQ(Contents(counter).at("kept"), 1000);
  EXPECT_EQ(prune.tokens + kept_rare, added);
  EXPECT_EQ(prune.entries, prune.tokens);  // rare words have count 1; zeroed ones add nothing
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

// A stream of words of 1..60 bytes (any byte values, many repeats), each placed in memory
// either at random or so that it ends right before an inaccessible page (where
// PipelinedWordCounter must not read past it): counted token by token with Add, with
// PipelinedWordCounter, and in a std::map, with and without a budget small enough to prune.
// Pruning depends on the order of additions, so equal results mean the order was kept.
TEST(WordCounterTest, PipelinedCounterMatchesAddExactly) {
  std::mt19937 random(7);
  std::vector<std::string> words;
  for (int i = 0; i < 3000; ++i) {
    const size_t length = 1 + random() % (i % 10 == 0 ? 60 : 18);
    std::string word;
    for (size_t k = 0; k < length; ++k) {
      word += static_cast<char>(i % 3 == 0 ? random() % 256 : 'a' + random() % 4);
    }
    words.push_back(word);
  }
  constexpr size_t kPage = 4096;
  // Three pages and an inaccessible fourth: reading past a word that ends at the guard crashes.
  void* mapped =
      mmap(nullptr, 4 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mapped, MAP_FAILED);
  char* pages = static_cast<char*>(mapped);
  ASSERT_EQ(mprotect(pages + 3 * kPage, kPage, PROT_NONE), 0);
  for (int64_t budget : {int64_t{0}, int64_t{64} << 10}) {
    WordCounter plain(budget), pipelined_target(budget);
    std::map<std::string, int64_t> expected;
    {
      PipelinedWordCounter pipelined(&pipelined_target);
      for (int i = 0; i < 200000; ++i) {
        // Zipf-like: low indexes far more often.
        const size_t index = static_cast<size_t>(
            words.size() * std::pow(static_cast<double>(random() % 1000000) / 1e6, 3));
        const std::string& word = words[index];
        plain.Add(word);
        ++expected[word];
        const size_t offset = i % 2 ? kPage - word.size() : random() % (3 * kPage - word.size());
        std::memcpy(pages + offset, word.data(), word.size());
        pipelined.Add(absl::string_view(pages + offset, word.size()));
        std::memset(pages + offset, 0xAB, word.size());  // the counter must have copied it
      }
      pipelined.Flush();
    }
    EXPECT_EQ(Contents(pipelined_target), Contents(plain)) << budget;
    EXPECT_EQ(pipelined_target.prune_stats().entries, plain.prune_stats().entries);
    EXPECT_EQ(pipelined_target.prune_stats().tokens, plain.prune_stats().tokens);
    EXPECT_EQ(pipelined_target.size(), plain.size());
    if (budget == 0) {
      EXPECT_EQ(Contents(plain), expected);
    } else {
      EXPECT_GT(plain.prune_stats().entries, 0);
    }
  }
  munmap(mapped, 4 * kPage);
}

// The table grows from its smallest size, keeps every word (including the empty word and
// words of every length around the 16-byte inline limit) and iterates each exactly once.
// The load-based short-word packing equals the zero-padded copy for every length, and reads
// nothing past the word (each word is placed to end at the end of its own heap block, which
// AddressSanitizer would flag if it were read past).
TEST(ShortWordTest, LoadsEqualThePaddedCopyForEveryLength) {
  std::mt19937 gen(3);
  for (size_t n = 0; n <= ShortWord::kMaxBytes; ++n) {
    for (int trial = 0; trial < 50; ++trial) {
      std::unique_ptr<char[]> block(new char[n == 0 ? 1 : n]);
      for (size_t i = 0; i < n; ++i) block[i] = static_cast<char>(gen());
      const absl::string_view word(block.get(), n);
      const ShortWord a = ShortWord::From(word), b = ShortWord::FromLoads(word);
      EXPECT_EQ(a.lo, b.lo) << n;
      EXPECT_EQ(a.hi, b.hi) << n;
      EXPECT_EQ(a.size, b.size) << n;
    }
  }
}

TEST(WordTableTest, GrowsAndIteratesEveryWordOnce) {
  WordCounter counter;
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < 50000; ++i) {
    const std::string word = std::string(i % 40, 'x') + absl::StrCat(i % 20000);
    counter.Add(word, i + 1);
    expected[word] += i + 1;
  }
  counter.Add("", 3);
  expected[""] = 3;
  EXPECT_EQ(counter.size(), expected.size());
  std::map<std::string, int64_t> seen;
  for (const auto& entry : counter) {
    EXPECT_TRUE(seen.emplace(std::string(entry.first.view()), entry.second).second);
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(WordHash()(absl::string_view("abc")), WordHash()(ShortWord::From("abc")));
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

}  // namespace
}  // namespace wordmill
