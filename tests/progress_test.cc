#include "base/progress.h"

#include "gtest/gtest.h"

namespace wordmill {
namespace {

TEST(ProgressTest, OneLineFormat) {
  EXPECT_EQ(FormatProgressLine("glove", "epoch 2/15 10.0% 1.20 M records/s", 75, RankZeroScope(2)),
            "glove: epoch 2/15 10.0% 1.20 M records/s ETA 0:01:15 [rank 0 of 2]");
  EXPECT_EQ(FormatProgressLine("sgns", "epoch 1/5", -1, "ranks 0-1 of 2 on this host"),
            "sgns: epoch 1/5 ETA --:-- [ranks 0-1 of 2 on this host]");
}

TEST(ProgressTest, ReadingStageLine) {
  EXPECT_EQ(ProgressReporter::FormatLine("vocab", 50000000, 200000000, 20000000, 10.0, 2),
            "vocab: 50.0/200.0 MB (25.0%) 5.0 MB/s 2.00 M tokens/s ETA 0:00:30 [rank 0 of 2]");
  // Counters shared by the ranks of a host name their scope instead.
  EXPECT_EQ(ProgressReporter::FormatLine("vocab", 50000000, 200000000, 20000000, 10.0, 4,
                                         "2 ranks on rank 0's host, of 4"),
            "vocab: 50.0/200.0 MB (25.0%) 5.0 MB/s 2.00 M tokens/s ETA 0:00:30 [2 ranks on rank "
            "0's host, of 4]");
  EXPECT_EQ(ProgressReporter::FormatLine("encode", 0, 1000000, 0, 0.0, 1),
            "encode: 0.0/1.0 MB (0.0%) 0.0 MB/s 0 tokens/s ETA --:-- [rank 0 of 1]");
  EXPECT_EQ(ProgressReporter::FormatLine("encode", 1000000, 1000000, 5000, 2.0, 3),
            "encode: 1.0/1.0 MB (100.0%) 0.5 MB/s 2.5 k tokens/s ETA 0:00:00 [rank 0 of 3]");
  EXPECT_EQ(ProgressReporter::FormatLine("vocab", 0, 0, 0, 1.0, 1),
            "vocab: 0.0/0.0 MB (100.0%) 0.0 MB/s 0 tokens/s ETA 0:00:00 [rank 0 of 1]");
}

// interval 0 disables the line: no thread, nothing printed, the formatter is never called.
TEST(ProgressTest, DisabledLineNeverFormats) {
  int calls = 0;
  {
    ProgressLine line(0, /*print_final=*/true, [&](double) {
      ++calls;
      return std::string("x");
    });
  }
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace wordmill
