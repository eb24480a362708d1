// End-to-end tests of `wordmill glove`: one and two ranks agree, resume after a killed run,
// foreign or damaged inputs, and the binary output loads in gensim.
#include <cmath>
#include <filesystem>
#include <random>
#include <regex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::wordmill::testing::MpiWordmill;
using ::wordmill::testing::ReadFile;
using ::wordmill::testing::RunCommand;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WordmillBin;
using ::wordmill::testing::WriteFile;
using ::wordmill::testing::WriteZstdFile;

using ::wordmill::testing::Quote;

// The final cost printed by `wordmill glove`.
double FinalCost(const std::string& output) {
  const size_t at = output.find("final cost ");
  double cost = -1;
  if (at != std::string::npos) {
    absl::SimpleAtod(output.substr(at + 11, output.find(';', at) - at - 11), &cost);
  }
  return cost;
}

// Topic-structured text (words of a topic co-occur), four zstd files.
class GloveCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.File("in"));
    std::mt19937 rng(11);
    for (int f = 0; f < 4; ++f) {
      std::string text;
      for (int doc = 0; doc < 150; ++doc) {
        const int topic = static_cast<int>(rng() % 10);
        for (int t = 0; t < 60; ++t) {
          const int word = rng() % 4 == 0 ? static_cast<int>(rng() % 40)
                                          : 40 + topic * 20 + static_cast<int>(rng() % 20);
          absl::StrAppend(&text, "w", word, t % 15 == 14 ? "\n" : " ");
        }
        text += "\n";
      }
      WriteZstdFile(absl::StrFormat("%s/in/f%d.txt.zst", dir_.path(), f), text);
    }
    Run(absl::StrCat(WordmillBin(), " vocab --min-count 1 --output-dir ", Quote(dir_.File("v")),
                     " ", Quote(dir_.File("in"))));
    Run(absl::StrCat(MpiWordmill(2), " cooccur --vocab ", Quote(Vocab()), " --output-dir ",
                     Quote(dir_.File("c")), " ", Quote(dir_.File("in")), " --threads 1"));
  }
  std::string Vocab() const { return dir_.File("v/vocab.tsv"); }
  testing::CommandResult Run(const std::string& command, int expected_exit = 0) {
    testing::CommandResult result = RunCommand(command + " --progress-seconds 0");
    EXPECT_EQ(result.exit_code, expected_exit) << command << "\n" << result.output;
    return result;
  }
  testing::CommandResult Glove(int ranks, const std::string& out, const std::string& flags,
                               int expected_exit = 0) {
    return Run(absl::StrCat(MpiWordmill(ranks), " glove --cooccur-dir ", Quote(dir_.File("c")),
                            " --vocab ", Quote(Vocab()), " --output-dir ", Quote(out), " --dim 16 ",
                            flags),
               expected_exit);
  }
  TempDir dir_;
};

TEST_F(GloveCommandTest, TwoRanksTrainAsWellAsOne) {
  const double one = FinalCost(Glove(1, dir_.File("g1"), "--epochs 10 --threads 1").output);
  const double two = FinalCost(Glove(2, dir_.File("g2"), "--epochs 10 --threads 1").output);
  const double two_threads = FinalCost(Glove(1, dir_.File("g3"), "--epochs 10 --threads 2").output);
  ASSERT_GT(one, 0);
  std::printf("final cost: np=1 %.5f, np=2 %.5f, threads=2 %.5f\n", one, two, two_threads);
  EXPECT_LT(two, one * 1.02) << one << " vs " << two;
  EXPECT_LT(two_threads, one * 1.1) << one << " vs " << two_threads;
  for (const char* name : {"vectors.txt", "vectors.bin", "vectors.glove.txt"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_.File(absl::StrCat("g2/", name)))) << name;
  }
  const std::string text = ReadFile(dir_.File("g2/vectors.txt"));
  EXPECT_EQ(text.substr(0, text.find('\n')), "240 16");
  EXPECT_FALSE(std::filesystem::exists(dir_.File("g2/glove-tmp-0")));
}

// Four ranks: the default sync (row owner: no conflicting updates) trains as well as one rank;
// averaging the context rows' changes (--sync average) stays stable (on enwiki it falls behind,
// bench/RESULTS.md; this toy problem is too easy to show it).
TEST_F(GloveCommandTest, FourRanksConverge) {
  Run(absl::StrCat(MpiWordmill(4), " cooccur --vocab ", Quote(Vocab()), " --output-dir ",
                   Quote(dir_.File("c4")), " ", Quote(dir_.File("in")), " --threads 1"));
  const double one = FinalCost(Glove(1, dir_.File("f1"), "--epochs 10 --threads 1").output);
  auto four_ranks = [&](const std::string& out, const std::string& flags) {
    return FinalCost(
        Run(absl::StrCat(MpiWordmill(4), " glove --cooccur-dir ", Quote(dir_.File("c4")),
                         " --vocab ", Quote(Vocab()), " --output-dir ", Quote(dir_.File(out)),
                         " --dim 16 --epochs 10 --threads 1 ", flags))
            .output);
  };
  const double four = four_ranks("f4", "");
  const double average = four_ranks("a4", "--sync average");
  std::printf("final cost: np=1 %.5f, np=4 %.5f (average %.5f)\n", one, four, average);
  ASSERT_GT(one, 0);
  EXPECT_LT(four, one * 1.02) << one << " vs " << four;
  EXPECT_LT(average, one * 1.5) << one << " vs " << average;
}

TEST_F(GloveCommandTest, ResumeAfterAKilledRunProducesACompleteModel) {
  const std::string out = dir_.File("r");
  // Killed (SIGKILL) in the middle of a long run: the last complete checkpoint survives.
  RunCommand(absl::StrCat("timeout -s KILL 3 ", WordmillBin(), " glove --cooccur-dir ",
                          Quote(dir_.File("c")), " --vocab ", Quote(Vocab()), " --output-dir ",
                          Quote(out), " --dim 16 --epochs 100000 --threads 1"));
  ASSERT_FALSE(std::filesystem::exists(out + "/vectors.bin"));
  auto inspect =
      RunCommand(absl::StrCat(WordmillBin(), " inspect ", Quote(out + "/glove-checkpoint.wmrec")));
  const size_t at = inspect.output.find("epochs_done: ");
  ASSERT_NE(at, std::string::npos) << inspect.output;
  int done = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      inspect.output.substr(at + 13, inspect.output.find('\n', at) - at - 13), &done));
  ASSERT_GE(done, 1);
  auto resumed = Glove(2, out, absl::StrCat("--epochs ", done + 2, " --resume --threads 1"));
  EXPECT_NE(resumed.output.find(absl::StrCat("epochs ", done + 1, "..", done + 2)),
            std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find(absl::StrCat("epoch ", done + 2, "/", done + 2)), std::string::npos)
      << resumed.output;
  EXPECT_TRUE(std::filesystem::exists(out + "/vectors.bin"));
  // A damaged checkpoint is a clear error with --resume.
  std::string bytes = ReadFile(out + "/glove-checkpoint.wmrec");
  bytes[bytes.size() / 2] ^= 0x55;
  WriteFile(out + "/glove-checkpoint.wmrec", bytes);
  auto damaged = Glove(1, out, absl::StrCat("--epochs ", done + 3, " --resume"), 2);
  EXPECT_NE(damaged.output.find("glove-checkpoint.wmrec"), std::string::npos) << damaged.output;
}

TEST_F(GloveCommandTest, ForeignVocabularyAndTruncatedShardAreErrors) {
  WriteFile(dir_.File("other.tsv"), "w1\t5\nw2\t3\n");
  auto result = Run(absl::StrCat(MpiWordmill(2), " glove --cooccur-dir ", Quote(dir_.File("c")),
                                 " --vocab ", Quote(dir_.File("other.tsv")), " --output-dir ",
                                 Quote(dir_.File("x")), " --dim 8"),
                    2);
  EXPECT_NE(result.output.find("another vocabulary"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("cooccur-00000-of-00002.wmrec"), std::string::npos) << result.output;
  const std::string shard = dir_.File("c/cooccur-00001-of-00002.wmrec");
  const std::string bytes = ReadFile(shard);
  WriteFile(shard, bytes.substr(0, bytes.size() * 2 / 3));
  result = Glove(2, dir_.File("y"), "--epochs 1", 2);
  EXPECT_NE(result.output.find("cooccur-00001-of-00002.wmrec"), std::string::npos) << result.output;
  std::filesystem::remove(shard);
  result = Glove(1, dir_.File("z"), "--epochs 1", 2);
  EXPECT_NE(result.output.find("missing"), std::string::npos) << result.output;
}

// Rank 0 prints progress lines during training (epoch, share done, records/s, cost, ETA). The
// interval is tiny so that lines appear; their format is checked, not their timing.
TEST_F(GloveCommandTest, ProgressLinesShowEpochRateCostAndEta) {
  auto result =
      RunCommand(absl::StrCat(MpiWordmill(2), " glove --cooccur-dir ", Quote(dir_.File("c")),
                              " --vocab ", Quote(Vocab()), " --output-dir ", Quote(dir_.File("p")),
                              " --dim 16 --epochs 20 --threads 1 --progress-seconds "
                              "0.000001"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::regex line(
      R"(glove: epoch (\d+)/20 +(\d+\.\d)% \d+\.\d\d M records/s cost (\d+\.\d+) ETA (\d+:\d\d:\d\d|--:--) \[rank 0 of 2\])");
  int lines = 0;
  for (absl::string_view text : absl::StrSplit(result.output, '\n')) {
    if (!absl::StartsWith(text, "glove: epoch")) continue;
    std::smatch match;
    const std::string s(text);
    ASSERT_TRUE(std::regex_match(s, match, line)) << s;
    const int epoch = std::stoi(match[1]);
    const double percent = std::stod(match[2]);
    EXPECT_GE(epoch, 1);
    EXPECT_LE(epoch, 20);
    EXPECT_GE(percent, 5.0 * (epoch - 1) - 0.05) << s;  // 20 epochs: 5% each
    EXPECT_LE(percent, 5.0 * epoch + 0.05) << s;
    ++lines;
  }
  EXPECT_GT(lines, 0) << result.output;
  // metrics.tsv holds a row per progress line and one per epoch with the epoch's cost.
  const std::vector<std::string> rows =
      absl::StrSplit(ReadFile(dir_.File("p/metrics.tsv")), '\n', absl::SkipEmpty());
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0],
            "trainer\tepoch\tkind\tfraction\tloss\tlearning_rate\titems_per_second\tunit\tseconds");
  int progress_rows = 0, epoch_rows = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::vector<std::string> cells = absl::StrSplit(rows[i], '\t');
    ASSERT_EQ(cells.size(), 9u) << rows[i];
    EXPECT_EQ(cells[0], "glove");
    EXPECT_EQ(cells[5], "0.05");  // eta
    EXPECT_EQ(cells[7], "records");
    EXPECT_GE(std::stod(cells[6]), 0) << rows[i];  // 0 before the first read of a rank
    if (cells[2] == "progress") {
      ++progress_rows;
      continue;
    }
    ASSERT_EQ(cells[2], "epoch");
    ++epoch_rows;
    EXPECT_GT(std::stod(cells[6]), 0) << rows[i];
    EXPECT_EQ(cells[1], std::to_string(epoch_rows));
    EXPECT_DOUBLE_EQ(std::stod(cells[3]), epoch_rows / 20.0);
    const std::string printed = absl::StrCat("wordmill glove: epoch ", epoch_rows, "/20 cost ");
    const size_t at = result.output.find(printed);
    ASSERT_NE(at, std::string::npos) << printed;
    EXPECT_NEAR(std::stod(result.output.substr(at + printed.size(), 8)), std::stod(cells[4]), 1e-6);
  }
  EXPECT_EQ(progress_rows, lines);
  EXPECT_EQ(epoch_rows, 20);
  // Without --progress-seconds (0 in Run) there are none.
  result = Glove(1, dir_.File("q"), "--epochs 2 --threads 1");
  EXPECT_EQ(result.output.find("\nglove: epoch"), std::string::npos) << result.output;
  EXPECT_FALSE(absl::StartsWith(result.output, "glove: epoch")) << result.output;
}

TEST_F(GloveCommandTest, BinaryLoadsInGensim) {
  // scripts/setup.sh installs python3-gensim for Debian's /usr/bin/python3.
  ASSERT_EQ(RunCommand("/usr/bin/python3 -c 'import gensim'").exit_code, 0)
      << "gensim is not importable by /usr/bin/python3: run scripts/setup.sh";
  const std::string out = dir_.File("gs");
  Glove(1, out, "--epochs 2");
  auto result = RunCommand(absl::StrCat(
      "/usr/bin/python3 -c \"from gensim.models import KeyedVectors as K; "
      "kv = K.load_word2vec_format('",
      out, "/vectors.bin', binary=True); t = K.load_word2vec_format('", out,
      "/vectors.txt'); print(len(kv), kv.vector_size, abs(kv['w3'] - t['w3']).max() < 1e-4)\""));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("240 16 True"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace wordmill
