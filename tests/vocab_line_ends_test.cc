// The vocabulary pass's line-end counts (VocabularyOptions::count_line_ends, what Unigram's seed
// uses): how often each word is the last token of a line, counted in the same pass over the
// input, equal to a direct count for every rank and thread count (ranks run as threads of this
// process, tests/in_process_ranks.h), with small split units so lines are cut among workers.
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/in_process_ranks.h"
#include "tests/test_util.h"
#include "workers/vocab_builder.h"

namespace wordmill {
namespace {

using ::wordmill::testing::InProcessRanks;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WriteFile;

TEST(VocabLineEndsTest, EqualADirectCountForEveryRankAndThreadCount) {
  TempDir dir;
  std::mt19937 gen(11);
  std::map<std::string, int64_t> expected;
  std::string a, b;
  for (int line = 0; line < 3000; ++line) {
    std::string text;
    std::string last;
    const int words = static_cast<int>(gen() % 8);  // some lines are empty
    for (int w = 0; w < words; ++w) {
      last = absl::StrCat("w", gen() % 50);
      absl::StrAppend(&text, w > 0 ? " " : "", last);
    }
    if (!last.empty()) ++expected[last];
    absl::StrAppend(line % 2 ? &a : &b, text, "\n");
  }
  WriteFile(dir.File("a.txt"), a);
  WriteFile(dir.File("b.txt"), b);
  for (int ranks : {1, 2, 3}) {
    for (int threads : {1, 2}) {
      VocabCommand spec;
      spec.mutable_input()->add_input(dir.File("a.txt"));
      spec.mutable_input()->add_input(dir.File("b.txt"));
      spec.mutable_input()->set_split_bytes(4096);
      spec.mutable_runtime()->set_threads(threads);
      spec.mutable_runtime()->set_progress_seconds(0);
      spec.mutable_vocabulary()->set_min_count(1);
      VocabularyOptions options;
      options.count_line_ends = true;
      std::map<std::string, int64_t> got;
      InProcessRanks group(ranks);
      group.Run([&](int rank, Communicator* comm) {
        absl::StatusOr<VocabularyResult> result = BuildVocabulary(spec, comm, options);
        ASSERT_TRUE(result.ok()) << result.status();
        if (rank == 0) {
          got.insert(result->line_ends.begin(), result->line_ends.end());
        } else {
          EXPECT_TRUE(result->line_ends.empty());
        }
      });
      EXPECT_EQ(got, expected) << ranks << " ranks x " << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace wordmill
