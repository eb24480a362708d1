// One reader everywhere: `wordmill eval`, `neighbors` and `export` accept every vectors format
// (detected from the content; file names here do not give it away) and give the same answers
// for each; a file of no known format exits 2 naming the formats tried.
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "formats/embedding_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// Four words on two axes: king - man + woman = queen exactly.
constexpr char kGlove[] =
    "king 1 1 0.5\n"
    "queen 1 -1 0.5\n"
    "man 0.2 1 -0.3\n"
    "woman 0.2 -1 -0.3\n"
    "apple -1 0.1 0.9\n";
constexpr char kAnalogies[] = ": family\nman woman king queen\nking queen man woman\n";
constexpr char kSimilarity[] = "king\tqueen\t8\nman\twoman\t7\napple\tking\t1\n";

// The lines of `output` after the first (which names the file and its format).
std::string AfterFirstLine(const std::string& output) {
  return output.substr(output.find('\n') + 1);
}

class VectorsCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_.File("in.txt"), kGlove);
    testing::WriteFile(dir_.File("q.txt"), kAnalogies);
    testing::WriteFile(dir_.File("s.txt"), kSimilarity);
    testing::CommandResult r = Run("export --input " + dir_.File("in.txt") + " --output-dir " +
                                   dir_.File("all") + " --basename v");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // Every format under a name without its extension (the .npy keeps its vocab.txt beside it).
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"v.txt", "w2v-text"},
                                                          {"v.bin", "w2v-binary"},
                                                          {"v.vec", "fasttext"},
                                                          {"v.glove.txt", "glove"},
                                                          {"v.wmv", "shared"},
                                                          {"v.npy", "numpy.npy"},
                                                          {"v.vocab.txt", "numpy.vocab.txt"}}) {
      ASSERT_EQ(std::rename(dir_.File("all/" + from).c_str(), dir_.File(to).c_str()), 0) << from;
    }
  }

  testing::CommandResult Run(const std::string& args) {
    return testing::RunCommand(testing::WordmillBin() + " " + args + " 2>&1");
  }

  const std::vector<std::pair<std::string, std::string>> formats_ = {
      {"w2v-text", "word2vec text"},
      {"w2v-binary", "word2vec binary"},
      {"fasttext", "fastText vec"},
      {"glove", "GloVe text"},
      {"shared", "wmv"},
      {"numpy.npy", "npy"}};
  testing::TempDir dir_;
};

TEST_F(VectorsCommandsTest, EvalGivesTheSameScoresForEveryFormat) {
  std::string first;
  for (const auto& [file, format] : formats_) {
    SCOPED_TRACE(file);
    testing::CommandResult r = Run("eval --vectors " + dir_.File(file) + " --analogy " +
                                   dir_.File("q.txt") + " --similarity " + dir_.File("s.txt"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("5 words x 3 dimensions (" + format + ")"));
    EXPECT_THAT(r.output, HasSubstr("100.00%"));  // both analogies answered right
    // Timings aside, the tables are identical.
    std::vector<std::string> lines = absl::StrSplit(AfterFirstLine(r.output), '\n');
    std::string table;
    for (const std::string& line : lines) {
      if (line.find(" s") == std::string::npos || line.find("coverage") == std::string::npos) {
        table += line + "\n";
      }
    }
    if (first.empty()) first = table;
    EXPECT_EQ(table, first);
  }
}

TEST_F(VectorsCommandsTest, NeighborsGivesTheSameListForEveryFormat) {
  std::string first;
  for (const auto& [file, format] : formats_) {
    SCOPED_TRACE(file);
    testing::CommandResult r = Run("neighbors --vectors " + dir_.File(file) + " --k 2 king");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("(" + format + ")"));
    if (first.empty()) first = AfterFirstLine(r.output);
    EXPECT_EQ(AfterFirstLine(r.output), first);
  }
  EXPECT_THAT(first, HasSubstr("king:"));
}

TEST_F(VectorsCommandsTest, ExportWritesIdenticalFilesFromEveryFormat) {
  const std::string want = testing::ReadFile(dir_.File("w2v-binary"));
  for (const auto& [file, format] : formats_) {
    SCOPED_TRACE(file);
    const std::string out = dir_.File("re-" + file);
    testing::CommandResult r = Run("export --input " + dir_.File(file) + " --output-dir " + out +
                                   " --formats word2vec_binary");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(testing::ReadFile(out + "/vectors.bin"), want);
  }
}

TEST_F(VectorsCommandsTest, UnknownFormatExits2NamingTheFormatsTried) {
  testing::WriteFile(dir_.File("junk"), "PK\x03\x04 a zip file\n");
  for (const std::string& command : std::vector<std::string>{
           "eval --similarity " + dir_.File("s.txt") + " --vectors ", "neighbors king --vectors ",
           "export --output-dir " + dir_.File("x") + " --input "}) {
    SCOPED_TRACE(command);
    testing::CommandResult r = Run(command + dir_.File("junk"));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, AllOf(HasSubstr(dir_.File("junk")), HasSubstr("unknown vectors format"),
                                HasSubstr(".wmv"), HasSubstr(".npy"), HasSubstr("word2vec binary"),
                                HasSubstr("GloVe text")));
  }
}

}  // namespace
}  // namespace wordmill
