// End-to-end tests of `wordmill sgns`: reproducibility, resume, np = 2 with gensim, bad input.
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::wordmill::testing::MpiWordmill;
using ::wordmill::testing::ReadFile;
using ::wordmill::testing::RunCommand;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::TopicCorpus;
using ::wordmill::testing::WordmillBin;
using ::wordmill::testing::WriteFile;

// Small, fast settings; one thread so that runs are bit-identical.
std::string Flags(const std::string& out) {
  return absl::StrCat(" sgns --output-dir ", out,
                      " --dim 16 --window 3 --epochs 3 --min-count 1 --sample 0 --threads 1"
                      " --progress-seconds 0 --seed 5 ");
}

// The rows of DIR/metrics.tsv after its header, split at tabs.
std::vector<std::vector<std::string>> MetricsRows(const std::string& dir) {
  const std::vector<std::string> lines =
      absl::StrSplit(ReadFile(dir + "/metrics.tsv"), '\n', absl::SkipEmpty());
  EXPECT_FALSE(lines.empty());
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 1; i < lines.size(); ++i) rows.push_back(absl::StrSplit(lines[i], '\t'));
  return rows;
}

class SgnsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteFile(corpus_, TopicCorpus(1200, 1)); }
  testing::CommandResult Sgns(const std::string& flags) {
    return RunCommand(WordmillBin() + flags + " " + corpus_);
  }
  TempDir dir_;
  std::string corpus_ = dir_.File("corpus.txt");
};

TEST_F(SgnsCommandTest, OneThreadRunsAreBitIdenticalPerSeed) {
  const std::string a = dir_.File("a"), b = dir_.File("b"), c = dir_.File("c");
  for (const std::string& out : {a, b}) {
    testing::CommandResult r = Sgns(Flags(out));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  EXPECT_EQ(ReadFile(a + "/vectors.bin"), ReadFile(b + "/vectors.bin"));
  EXPECT_EQ(ReadFile(a + "/vectors.txt"), ReadFile(b + "/vectors.txt"));
  testing::CommandResult r = Sgns(Flags(c) + " --seed 6");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(ReadFile(a + "/vectors.bin"), ReadFile(c + "/vectors.bin"));
}

TEST_F(SgnsCommandTest, ResumeContinuesExactlyAndRefusesOtherSettingsAndCorruption) {
  const std::string full = dir_.File("full"), part = dir_.File("part");
  ASSERT_EQ(Sgns(Flags(full)).exit_code, 0);
  testing::CommandResult r = Sgns(Flags(part) + " --stop-after-epochs 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("continue with --resume"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(part + "/vectors.bin"));
  const std::string checkpoint = part + "/checkpoint/model.ckpt";
  ASSERT_TRUE(std::filesystem::exists(checkpoint));
  const std::string saved = ReadFile(checkpoint);

  r = Sgns(Flags(part) + " --resume --dim 17");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("other settings"), std::string::npos) << r.output;

  std::string damaged = saved;
  damaged[damaged.size() / 2] ^= 0x40;
  WriteFile(checkpoint, damaged);
  r = Sgns(Flags(part) + " --resume");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("corrupt checkpoint"), std::string::npos) << r.output;

  WriteFile(checkpoint, saved);
  r = Sgns(Flags(part) + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("from epoch 2"), std::string::npos) << r.output;
  EXPECT_EQ(ReadFile(full + "/vectors.bin"), ReadFile(part + "/vectors.bin"));
  // metrics.tsv: one row per epoch (no progress lines), the resumed run's the same as the
  // uninterrupted one's but for the timings, and the last loss is the summary's.
  const std::vector<std::vector<std::string>> rows = MetricsRows(full), resumed = MetricsRows(part);
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_EQ(resumed.size(), 3u);
  for (int e = 0; e < 3; ++e) {
    ASSERT_EQ(rows[e].size(), 9u);
    EXPECT_EQ(rows[e][0], "word2vec");
    EXPECT_EQ(rows[e][1], std::to_string(e + 1));
    EXPECT_EQ(rows[e][2], "epoch");
    EXPECT_EQ(rows[e][3], e == 0 ? "0.333333" : e == 1 ? "0.666667" : "1.000000");
    EXPECT_EQ(rows[e][7], "words");
    EXPECT_GT(std::stod(rows[e][4]), 0);
    for (int column : {0, 1, 2, 3, 4, 5, 7}) EXPECT_EQ(rows[e][column], resumed[e][column]);
  }
  EXPECT_LT(std::stod(rows[2][4]), std::stod(rows[0][4]));  // the loss falls
  EXPECT_GT(std::stod(rows[0][5]), std::stod(rows[2][5]));  // and so does the learning rate
  const size_t at = r.output.find("last epoch's loss ");
  ASSERT_NE(at, std::string::npos) << r.output;
  EXPECT_NEAR(std::stod(r.output.substr(at + 18, 6)), std::stod(rows[2][4]), 0.51e-4);

  r = Sgns(Flags(dir_.File("none")) + " --resume");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no checkpoint"), std::string::npos) << r.output;
}

// gensim (Debian's python3-gensim) loads vectors.bin with the values of vectors.txt (and the
// output vectors likewise), and the topics are separated: most of the 5 nearest neighbours of every
// word share its topic.
constexpr char kGensimCheck[] = R"(
import sys
import numpy as np
from gensim.models import KeyedVectors
b = KeyedVectors.load_word2vec_format(sys.argv[1] + '/vectors.bin', binary=True)
t = KeyedVectors.load_word2vec_format(sys.argv[1] + '/vectors.txt', binary=False)
assert b.index_to_key == t.index_to_key
assert np.array_equal(b.vectors, t.vectors), np.abs(b.vectors - t.vectors).max()
# Under mpirun the files are written by different ranks (file k by rank k mod P): equal values
# also mean the replicas are identical.
ob = KeyedVectors.load_word2vec_format(sys.argv[1] + '/vectors.out.bin', binary=True)
ot = KeyedVectors.load_word2vec_format(sys.argv[1] + '/vectors.out.txt', binary=False)
assert np.array_equal(ob.vectors, ot.vectors)
assert not np.array_equal(ob.vectors, b.vectors)
own = total = 0
for w in b.index_to_key:
    for n, _ in b.most_similar(w, topn=5):
        own += n[0] == w[0]
        total += 1
print('own-topic fraction %.3f' % (own / total))
assert own / total >= 0.9
print('gensim ok', b.vectors.shape)
)";

TEST_F(SgnsCommandTest, TwoRanksTrainAndGensimLoadsTheOutput) {
  // scripts/setup.sh installs python3-gensim for Debian's /usr/bin/python3.
  ASSERT_EQ(RunCommand("/usr/bin/python3 -c 'import gensim'").exit_code, 0)
      << "gensim is not importable by /usr/bin/python3: run scripts/setup.sh";
  const std::string out = dir_.File("np2");
  testing::CommandResult r = RunCommand(MpiWordmill(2) + Flags(out) +
                                        " --sync-words 5000 --save-output-vectors " + corpus_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 rank(s)"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out + "/vectors.out.bin"));
  const std::string script = dir_.File("check.py");
  WriteFile(script, kGensimCheck);
  r = RunCommand("/usr/bin/python3 " + script + " " + out);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("gensim ok (60, 16)"), std::string::npos) << r.output;
}

// Two ranks sharing one model: stopped after an epoch and resumed (the host's first rank reads
// the checkpoint into the shared model), the run completes from epoch 2 and learns the topics;
// a damaged checkpoint is refused on every rank.
TEST_F(SgnsCommandTest, SharedModelResumesAndRefusesADamagedCheckpoint) {
  const std::string out = dir_.File("shared");
  testing::CommandResult r = RunCommand(MpiWordmill(2) + Flags(out) +
                                        " --save-output-vectors --stop-after-epochs 1 " + corpus_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("one model shared by 2 ranks"), std::string::npos) << r.output;
  const std::string checkpoint = out + "/checkpoint/model.ckpt";
  const std::string saved = ReadFile(checkpoint);
  std::string damaged = saved;
  damaged[damaged.size() / 2] ^= 0x40;
  WriteFile(checkpoint, damaged);
  r = RunCommand(MpiWordmill(2) + Flags(out) + " --save-output-vectors --resume " + corpus_);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("corrupt checkpoint"), std::string::npos) << r.output;
  WriteFile(checkpoint, saved);
  r = RunCommand(MpiWordmill(2) + Flags(out) + " --save-output-vectors --resume " + corpus_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(from epoch 2)"), std::string::npos) << r.output;
  const std::string script = dir_.File("check.py");
  WriteFile(script, kGensimCheck);
  r = RunCommand("/usr/bin/python3 " + script + " " + out);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(SgnsCommandTest, ReadVocabularyAppliesMinCountAndRefusesAForeignOne) {
  const std::string vocab_dir = dir_.File("vocab");
  testing::CommandResult r =
      RunCommand(WordmillBin() + " vocab --min-count 1 --output-dir " + vocab_dir + " " + corpus_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string out = dir_.File("withvocab");
  r = Sgns(Flags(out) + " --vocab " + vocab_dir + "/vocab.wmrec --max-size 40");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("vocabulary 40 words"), std::string::npos) << r.output;

  const std::string foreign = dir_.File("foreign.tsv");
  WriteFile(foreign, "zebra\t10\nquokka\t9\nnarwhal\t8\n");
  r = Sgns(Flags(dir_.File("foreign")) + " --vocab " + foreign + " --negative 2");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no words of the vocabulary"), std::string::npos) << r.output;
  r = Sgns(Flags(dir_.File("missing")) + " --vocab " + dir_.File("nope.tsv"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST_F(SgnsCommandTest, BadInputExitsTwoWithAClearMessage) {
  const std::string out = dir_.File("bad");
  const std::pair<std::string, std::string> cases[] = {
      {"--dim 0", "--dim must be between 1 and 10000"},
      {"--dim 20000", "--dim must be between 1 and 10000"},
      {"--window 0", "--window must be between 1 and 1000"},
      {"--negative -1", "--negative must be between 0 and 1000"},
      {"--epochs 0", "--epochs must be between 1 and 100000"},
      {"--sample -1", "--sample must be between 0 and 1"},
      {"--alpha -0.1", "--alpha must be between 0 and 10"},
      {"--model word2vec", "model"},
  };
  for (const auto& [flags, message] : cases) {
    testing::CommandResult r = Sgns(Flags(out) + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << flags << "\n" << r.output;
  }
  const std::string empty = dir_.File("empty.txt");
  WriteFile(empty, "");
  testing::CommandResult r = RunCommand(WordmillBin() + Flags(out) + empty);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("vocabulary of the corpus is empty"), std::string::npos) << r.output;

  const std::string tiny = dir_.File("tiny.txt");
  WriteFile(tiny, "one two three one two three\n");
  r = RunCommand(WordmillBin() + Flags(out) + " --negative 5 " + tiny);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("too few to train"), std::string::npos) << r.output;

  // Under mpirun the error is reported once and both ranks exit 2.
  r = RunCommand(MpiWordmill(2) + Flags(out) + empty);
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST_F(SgnsCommandTest, DivergenceIsReportedNamingTheEpoch) {
  // Divergence needs the exact gradient: skipping the saturated pairs (the default) keeps even
  // alpha 10 finite.
  testing::CommandResult r =
      Sgns(Flags(dir_.File("nan")) + " --alpha 10 --negative 20 --skip-saturated=false");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("training diverged in epoch"), std::string::npos) << r.output;
  // Across ranks the merges check the rows they merge (instead of scanning the model after
  // every merge), with both precisions; no vectors are written.
  for (const char* precision : {"int16", "float32"}) {
    const std::string out = dir_.File(absl::StrCat("nan-", precision));
    r = RunCommand(MpiWordmill(2) + Flags(out) + " --alpha 10 --negative 20 --sync-words 200" +
                   " --skip-saturated=false --share-model none --sync-precision " + precision +
                   " " + corpus_);
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("training diverged in epoch"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(out + "/vectors.bin")) << precision;
  }
}

}  // namespace
}  // namespace wordmill
