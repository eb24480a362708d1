// workers/vocab_exchange.h: the (word, count) wire encoding, and both exchanges leaving every
// word on its owner rank with its count summed over the ranks, in one round or many.
#include "workers/vocab_exchange.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/in_process_ranks.h"

namespace wordmill {
namespace {

TEST(VocabExchangeTest, WordCountsRoundTripAndMalformedBytesAreAnError) {
  const Vocabulary words = {{"the", 1LL << 40}, {"", 0}, {"ünï", 7}};
  Vocabulary back = {{"kept", 1}};
  ASSERT_TRUE(DecodeWordCountsInto(EncodeWordCounts(words), &back).ok());
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back[0].word, "kept");
  for (size_t i = 0; i < words.size(); ++i) {
    EXPECT_EQ(back[i + 1].word, words[i].word);
    EXPECT_EQ(back[i + 1].count, words[i].count);
  }
  const std::string bytes = EncodeWordCounts(words);
  Vocabulary ignored;
  EXPECT_EQ(DecodeWordCountsInto(bytes.substr(0, bytes.size() - 1), &ignored).code(),
            absl::StatusCode::kInternal);
}

TEST(VocabExchangeTest, OwnersSpreadOverTheRanks) {
  std::vector<int> owned(5, 0);
  for (int i = 0; i < 5000; ++i) {
    const int owner = OwnerOf(absl::StrCat("w", i), 5);
    ASSERT_GE(owner, 0);
    ASSERT_LT(owner, 5);
    ++owned[owner];
  }
  for (int n : owned) EXPECT_GT(n, 800);
  EXPECT_EQ(OwnerOf("anything", 1), 0);
}

// Rank r counts words w0..w(199) with count (i % 7) + r + 1 for i % (r + 2) != 0.
WordCounter RankTable(int rank, int64_t budget) {
  WordCounter table(budget);
  for (int i = 0; i < 200; ++i) {
    if (i % (rank + 2) != 0) table.Add(absl::StrCat("w", i), i % 7 + rank + 1);
  }
  return table;
}

std::map<std::string, int64_t> Expected(int ranks) {
  std::map<std::string, int64_t> sum;
  for (int r = 0; r < ranks; ++r) {
    for (int i = 0; i < 200; ++i) {
      if (i % (r + 2) != 0) sum[absl::StrCat("w", i)] += i % 7 + r + 1;
    }
  }
  return sum;
}

std::map<std::string, int64_t> NonZero(const WordCounter& table) {
  std::map<std::string, int64_t> m;
  table.ForEach([&](absl::string_view word, int64_t count) {
    if (count != 0) m[std::string(word)] = count;
  });
  return m;
}

TEST(VocabExchangeTest, BothExchangesLeaveEachWordOnItsOwnerWithTheSummedCount) {
  const int ranks = 3;
  const std::map<std::string, int64_t> expected = Expected(ranks);
  for (int64_t batch_bytes : {int64_t{1} << 20, int64_t{40}}) {  // one round; many
    for (bool in_place : {true, false}) {
      testing::InProcessRanks group(ranks);
      std::vector<std::map<std::string, int64_t>> got(ranks);
      group.Run([&](int rank, Communicator* comm) {
        WordCounter table = RankTable(rank, 0);
        if (in_place) {
          ASSERT_TRUE(ExchangeInPlace(&table, batch_bytes, comm).ok());
          got[rank] = NonZero(table);
        } else {
          absl::StatusOr<WordCounter> owned = ExchangeByOwner(table, 1 << 20, batch_bytes, comm);
          ASSERT_TRUE(owned.ok()) << owned.status();
          got[rank] = NonZero(*owned);
        }
      });
      std::map<std::string, int64_t> all;
      for (int r = 0; r < ranks; ++r) {
        for (const auto& [word, count] : got[r]) {
          EXPECT_EQ(OwnerOf(word, ranks), r) << word;
          EXPECT_TRUE(all.emplace(word, count).second) << word << " on two ranks";
        }
      }
      EXPECT_EQ(all, expected) << "batch " << batch_bytes << (in_place ? " in place" : " owner");
    }
  }
}

}  // namespace
}  // namespace wordmill
