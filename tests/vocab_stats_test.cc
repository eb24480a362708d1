// workers/vocab_stats.h: the ranks' figures summed into identical CorpusStats on every rank.
#include "workers/vocab_stats.h"

#include <vector>

#include "gtest/gtest.h"
#include "tests/in_process_ranks.h"

namespace wordmill {
namespace {

TEST(VocabStatsTest, TotalsAddUpAndEveryRankHoldsTheSameStats) {
  const int ranks = 3;
  testing::InProcessRanks group(ranks);
  std::vector<CorpusStats> stats(ranks);
  group.Run([&](int rank, Communicator* comm) {
    LocalTotals totals;
    ReaderCounters reader;
    reader.stored_bytes = 100 * (rank + 1);
    reader.uncompressed_bytes = 300 * (rank + 1);
    reader.lines = 10 + rank;
    reader.documents = 2;
    reader.long_lines_skipped = rank;
    TokenizerCounters tokenizer;
    tokenizer.tokens = 1000 + rank;
    tokenizer.invalid_utf8_sequences = rank == 2 ? 4 : 0;
    tokenizer.long_tokens_dropped = 1;
    totals.Add(reader, tokenizer);
    totals.Add(reader, TokenizerCounters());  // a second thread's reader figures
    WordCounter local;
    local.Add("x");
    const WordCounter owned;
    ASSERT_TRUE(ReduceStats(totals, local, owned, /*distinct=*/5 + rank, /*files=*/7,
                            /*seconds=*/0.5 * rank, comm, &stats[rank])
                    .ok());
  });
  const CorpusStats& s = stats[0];
  EXPECT_EQ(s.files(), 7);
  EXPECT_EQ(s.bytes(), 2 * 600);
  EXPECT_EQ(s.uncompressed_bytes(), 2 * 1800);
  EXPECT_EQ(s.lines(), 2 * 33);
  EXPECT_EQ(s.documents(), 12);
  EXPECT_EQ(s.long_lines_skipped(), 2 * 3);
  EXPECT_EQ(s.tokens(), 3003);
  EXPECT_EQ(s.invalid_utf8_sequences(), 4);
  EXPECT_EQ(s.long_tokens_dropped(), 3);
  EXPECT_EQ(s.distinct_words(), 18);
  EXPECT_EQ(s.pruned_entries(), 0);
  EXPECT_EQ(s.distinct_words_before_pruning(), 18);  // exact without pruning
  EXPECT_FALSE(s.distinct_words_estimated());
  ASSERT_EQ(s.rank_seconds_size(), ranks);
  for (int r = 0; r < ranks; ++r) EXPECT_EQ(s.rank_seconds(r), 0.5 * r);
  for (int r = 1; r < ranks; ++r) EXPECT_EQ(stats[r].SerializeAsString(), s.SerializeAsString());
}

}  // namespace
}  // namespace wordmill
