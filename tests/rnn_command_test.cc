// `wordmill rnn train|eval|predict|sample|export` end to end on small synthetic files: the
// outputs and their fields, the three tasks and input formats, resume after a stop, and every
// kind of bad input (exit 2 naming file and line, or 1 for a diverging run, nothing written).
#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include "formats/embedding_file.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill::testing {
namespace {

class RnnCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two topics: even lines (a-words) are `pos`, odd lines (b-words) `neg`.
    std::string pos, neg, tsv;
    int i = 0;
    std::istringstream lines(TopicCorpus(160, 7, 20, 8));
    for (std::string line; std::getline(lines, line); ++i) {
      (i % 2 == 0 ? pos : neg) += line + "\n";
      tsv += (i % 2 == 0 ? "pos\t" : "neg\t") + line + "\n";
    }
    WriteFile(dir_.File("pos.txt"), pos);
    WriteFile(dir_.File("neg.txt"), neg);
    WriteFile(dir_.File("train.tsv"), tsv);
    EmbeddingMatrix m;
    m.dim = 8;
    for (int k = 0; k < 20; ++k) {
      for (const char* p : {"a", "b"}) {
        m.words.push_back(p + std::to_string(k));
        for (int d = 0; d < 8; ++d) {  // the first component tells the topics apart
          m.values.push_back(d == 0 ? (*p == 'a' ? 0.5f : -0.5f)
                                    : ((k * 7 + d * 3) % 11 - 5) / 10.0f);
        }
      }
    }
    ASSERT_TRUE(WriteWord2vecText(dir_.File("vec.txt"), m).ok());
  }

  CommandResult Rnn(const std::string& args) {
    return RunCommand(WordmillBin() + " rnn " + args + " 2>&1");
  }
  std::string Small() const {
    return " --hidden 8 --epochs 3 --batch 8 --threads 1 --progress-seconds 0 --dropout 0 ";
  }
  std::string Classify(const std::string& out) const {
    return "train --task classify --embeddings " + dir_.File("vec.txt") +
           " --train-files pos=" + dir_.File("pos.txt") + ",neg=" + dir_.File("neg.txt") +
           " --output-dir " + dir_.File(out) + Small() + "--lr 0.01 ";
  }
  // metrics.json's number `key`, or -1.
  double Metric(const std::string& out, const std::string& key) {
    std::smatch m;
    const std::string json = ReadFile(dir_.File(out + "/metrics.json"));
    if (!std::regex_search(json, m, std::regex("\"" + key + "\": ([-0-9.e]+)"))) return -1;
    return std::stod(m[1]);
  }
  void ExpectBad(const std::string& args, const std::string& message, int code = 2) {
    const CommandResult r = Rnn(args + " --output-dir " + dir_.File("bad") + Small());
    EXPECT_EQ(r.exit_code, code) << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(dir_.File("bad/metrics.json")));
    EXPECT_FALSE(std::filesystem::exists(dir_.File("bad/model.wmrec")));
  }

  TempDir dir_;
};

TEST_F(RnnCommandTest, ClassifyWithFoldsThenEvalPredictExport) {
  const CommandResult r = Rnn(Classify("cls") + "--folds 2 --bidirectional");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("40 of 40 words (100.0%) found"), std::string::npos) << r.output;
  EXPECT_GT(Metric("cls", "accuracy"), 90);
  EXPECT_GE(Metric("cls", "accuracy_ci95"), 0);
  EXPECT_GT(Metric("cls", "tokens_per_second"), 0);
  const std::string json = ReadFile(dir_.File("cls/metrics.json"));
  EXPECT_EQ(std::count(json.begin(), json.end(), '\n') > 10, true);
  EXPECT_NE(json.find("\"epochs\": [\n    {\"fold\": 1, \"epoch\": 1"), std::string::npos) << json;
  EXPECT_NE(json.find("{\"fold\": 2, \"epoch\": 3"), std::string::npos) << json;

  const std::string model = " --model " + dir_.File("cls/model.wmrec");
  const CommandResult e = Rnn("eval" + model + " --input-files pos=" + dir_.File("pos.txt") +
                              ",neg=" + dir_.File("neg.txt"));
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_NE(e.output.find(" of 160)"), std::string::npos) << e.output;
  WriteFile(dir_.File("new.txt"), "a1 a2 a3 a4\nb5 b6 b7\n");
  const CommandResult p = Rnn("predict" + model + " " + dir_.File("new.txt"));
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_EQ(p.output, "pos\ta1 a2 a3 a4\nneg\tb5 b6 b7\n");
  const CommandResult x = Rnn("export" + model + " --output-dir " + dir_.File("npy"));
  ASSERT_EQ(x.exit_code, 0) << x.output;
  for (const char* f : {"weight_ih_l0.npy", "weight_hh_l0_reverse.npy", "bias_l0.npy",
                        "head.weight.npy", "embedding.npy", "vocab.txt", "classes.txt"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_.File(std::string("npy/") + f))) << f;
  }
}

TEST_F(RnnCommandTest, TsvLinesOneSeededSplitAndTheBaseline) {
  const std::string args = "train --task classify --random-init --dim 8 --train " +
                           dir_.File("train.tsv") + " --folds 1 --test-fraction 0.25" + Small();
  const CommandResult a = Rnn(args + "--output-dir " + dir_.File("s1") + " --cell gru");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_NE(a.output.find("on 40 test texts"), std::string::npos) << a.output;
  const CommandResult b =
      Rnn(args + "--output-dir " + dir_.File("s2") + " --cell average --lr 0.05");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_GT(Metric("s2", "accuracy"), 90);
}

TEST_F(RnnCommandTest, TaggingBrownAndConll) {
  WriteFile(dir_.File("brown1"),
            "\n\tThe/at dog/nn barked/vbd ./.\n\n\tA/at cat/nn-tl slept/vbd ./.\n\n"
            "\tThe/at cat/nn barked/vbd-hl ./.\n");
  WriteFile(dir_.File("brown2"), "\tA/at dog/nn slept/vbd ./.\n");
  const std::string common =
      " --task tag --bidirectional --random-init --dim 8 --lr 0.05 --epochs 30" +
      std::string(" --hidden 8 --batch 2 --threads 1 --progress-seconds 0 --dropout 0");
  const CommandResult r =
      RunCommand(WordmillBin() + " rnn train" + common + " --train " + dir_.File("brown1") +
                 " --test " + dir_.File("brown2") + " --output-dir " + dir_.File("tag") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Metric("tag", "accuracy"), 100) << r.output;
  WriteFile(dir_.File("s.txt"), "the cat slept .\n");
  const CommandResult p =
      Rnn("predict --model " + dir_.File("tag/model.wmrec") + " " + dir_.File("s.txt"));
  EXPECT_EQ(p.output, "the/DET cat/NOUN slept/VERB\n") << p.output;

  WriteFile(dir_.File("train.conll"), "the\tD\ndog\tN\n\nthe\tD\ncat\tN\n\n");
  WriteFile(dir_.File("test.conll"), "a\tD\ncat\tZZ\n");
  const CommandResult c = RunCommand(
      WordmillBin() + " rnn train" + common + " --train " + dir_.File("train.conll") + " --test " +
      dir_.File("test.conll") + " --output-dir " + dir_.File("bad") + " 2>&1");
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("test.conll:1: tag 'ZZ' does not occur in the training data"),
            std::string::npos)
      << c.output;
}

TEST_F(RnnCommandTest, LanguageModelTiedAndSampling) {
  WriteFile(dir_.File("corpus.txt"), TopicCorpus(100, 3, 10, 6));
  const CommandResult r =
      Rnn("train --task lm --random-init --dim 8 --tie-embeddings --train " +
          dir_.File("corpus.txt") + " --output-dir " + dir_.File("lm") + Small() + "--lr 0.02");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const double ppl = Metric("lm", "perplexity");
  EXPECT_GT(ppl, 1);
  EXPECT_LT(ppl, 22) << "22 words (20 + <unk> + </s>): better than uniform";
  const std::string sample =
      "sample --model " + dir_.File("lm/model.wmrec") + " --words 6 --seed 4";
  const CommandResult a = Rnn(sample), b = Rnn(sample);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_EQ(a.output, b.output);
}

TEST_F(RnnCommandTest, ResumeAfterAStopEqualsAnUninterruptedRun) {
  ASSERT_EQ(Rnn(Classify("full") + "--folds 2").exit_code, 0);
  const CommandResult stop = Rnn(Classify("part") + "--folds 2 --stop-after-epochs 4");
  ASSERT_EQ(stop.exit_code, 0) << stop.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("part/model.wmrec")));
  const CommandResult resumed = Rnn(Classify("part") + "--folds 2 --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(ReadFile(dir_.File("part/model.wmrec")), ReadFile(dir_.File("full/model.wmrec")));
  EXPECT_EQ(Metric("part", "accuracy"), Metric("full", "accuracy"));
}

TEST_F(RnnCommandTest, BadInput) {
  const std::string vec = " --embeddings " + dir_.File("vec.txt");
  WriteFile(dir_.File("empty.tsv"), "\n\n");
  ExpectBad("train --train " + dir_.File("empty.tsv") + vec, "no training examples");
  ExpectBad("train --train-files pos=" + dir_.File("pos.txt") + vec, "only one class ('pos')");
  WriteFile(dir_.File("notab.tsv"), "pos\ta1 a2\nneg b1 b2\n");
  ExpectBad("train --train " + dir_.File("notab.tsv") + vec, "notab.tsv:2: no tab");
  WriteFile(dir_.File("nolabel.tsv"), "pos\ta1 a2\n\tb1 b2\n");
  ExpectBad("train --train " + dir_.File("nolabel.tsv") + vec, "nolabel.tsv:2: empty label");
  WriteFile(dir_.File("other.tsv"), "pos\ta1\nmaybe\ta2\n");
  ExpectBad("train --train " + dir_.File("train.tsv") + vec + " --test " + dir_.File("other.tsv"),
            "other.tsv:2: label 'maybe' does not occur in the training data");
  ExpectBad("train --train " + dir_.File("train.tsv") + vec + " --dim 5",
            "vec.txt: vectors of dimension 8, but --dim is 5");
  WriteFile(dir_.File("corrupt.txt"), "3 8\na1 0.1 0.2\n");
  ExpectBad("train --train " + dir_.File("train.tsv") + " --embeddings " + dir_.File("corrupt.txt"),
            "corrupt.txt");
  ExpectBad("train --train " + dir_.File("train.tsv") + vec + " --freeze --fine-tune",
            "contradict");
  ExpectBad("train --train " + dir_.File("train.tsv") + vec +
                " --lr 1e30 --clip 0 --optimizer sgd --epochs 3",
            "NaN or infinite in epoch", 1);
}

}  // namespace
}  // namespace wordmill::testing
