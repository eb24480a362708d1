// workers/rank_word_counter.h: a rank's threads count every word of its units once, with the
// reader and tokenizer totals and the line-final words, however many threads share the units.
#include "workers/rank_word_counter.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cluster/communicator.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "workers/shard_plan.h"

namespace wordmill {
namespace {

TEST(RankWordCounterTest, ThreadsCountEveryWordOnce) {
  testing::TempDir dir;
  std::vector<InputFile> files;
  std::map<std::string, int64_t> expected;
  int64_t tokens = 0;
  for (int f = 0; f < 5; ++f) {
    std::string text;
    for (int line = 0; line < 40; ++line) {
      for (int k = 0; k <= line % 6; ++k) {
        const std::string word = absl::StrCat("w", (f * 7 + line * 3 + k) % 23);
        absl::StrAppend(&text, word, " ");
        ++expected[word];
        ++tokens;
      }
      text += "\n";
    }
    const std::string path = dir.File(absl::StrCat("f", f, ".txt"));
    testing::WriteFile(path, text);
    files.push_back({path, static_cast<int64_t>(text.size()), COMPRESSION_NONE, FORMAT_PLAIN});
  }
  std::unique_ptr<Communicator> comm = CreateLocalCommunicator();
  for (int threads : {1, 3}) {
    VocabCommand spec;
    spec.mutable_input()->set_split_bytes(64);  // many units per file
    absl::StatusOr<std::unique_ptr<UnitQueue>> queue =
        UnitQueue::Create(PlanWorkUnits(files, spec.input().split_bytes(), 1, threads), comm.get());
    ASSERT_TRUE(queue.ok()) << queue.status();
    RankWordCounter counter(spec, files, queue->get(), threads, /*count_line_ends=*/true,
                            (*queue)->progress());
    ASSERT_TRUE(counter.Run().ok());
    EXPECT_EQ((*queue)->progress()->tokens.load(), tokens);
    const absl::flat_hash_map<std::string, int64_t> line_ends = counter.TakeLineEnds();
    int64_t lines_ended = 0;
    for (const auto& [word, count] : line_ends) lines_ended += count;
    EXPECT_EQ(lines_ended, 5 * 40);
    LocalTotals totals;
    WordCounter merged = counter.TakeMerged(&totals);
    std::map<std::string, int64_t> got;
    merged.ForEach([&](absl::string_view word, int64_t count) { got[std::string(word)] = count; });
    EXPECT_EQ(got, expected) << threads << " threads";
    EXPECT_EQ(totals.tokenizer.tokens, tokens);
    EXPECT_EQ(totals.reader.lines, 5 * 40);
  }
}

}  // namespace
}  // namespace wordmill
