// `wordmill run` with a subword tokenizer (Pipeline.tokens): the tokenizer trained as a stage,
// the corpus encoded into id shards, skip-gram and GloVe trained on token ids, and exports with
// one row per token id; the same tokenizer and vocabulary for np = 1 and 2; resume and re-run.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

namespace fs = std::filesystem;
using ::wordmill::testing::MpiWordmill;
using ::wordmill::testing::Quote;
using ::wordmill::testing::ReadFile;
using ::wordmill::testing::RunCommand;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::TopicCorpus;
using ::wordmill::testing::WordmillBin;
using ::wordmill::testing::WriteFile;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// word2vec text: word -> the rest of its line (the values as written), in file order.
struct TextVectors {
  int64_t rows = 0;
  std::vector<std::string> words;
  std::map<std::string, std::string> values;
};

TextVectors ReadTextVectors(const std::string& path) {
  TextVectors v;
  const std::vector<std::string> lines = Lines(ReadFile(path));
  EXPECT_FALSE(lines.empty()) << path;
  if (lines.empty()) return v;
  EXPECT_TRUE(absl::SimpleAtoi(lines[0].substr(0, lines[0].find(' ')), &v.rows)) << lines[0];
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t space = lines[i].find(' ');
    v.words.push_back(lines[i].substr(0, space));
    v.values[v.words.back()] = lines[i].substr(space + 1);
  }
  return v;
}

bool AllZero(const std::string& values) {
  for (absl::string_view f : absl::StrSplit(values, ' ', absl::SkipEmpty())) {
    double x = 1;
    if (!absl::SimpleAtod(f, &x) || x != 0) return false;
  }
  return true;
}

class SubwordPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.File("corpus"));
    WriteFile(dir_.File("corpus/one.txt"), TopicCorpus(300, 1, 40, 16));
    WriteFile(dir_.File("corpus/two.txt"), TopicCorpus(200, 2, 40, 16));
  }

  std::string Config(const std::string& out) {
    const std::string path = dir_.File("subword.textproto");
    WriteFile(
        path,
        absl::StrCat("input { input: \"", dir_.File("corpus"),
                     "\" }\n"
                     "tokens {\n  unit: TOKEN_UNIT_SUBWORD\n"
                     "  subword { model: SUBWORD_BPE vocab_size: 300 }\n}\n"
                     "cooccur { window: 4 memory_mb: 16 }\n"
                     "model {\n  name: \"sg\"\n  sgns { dim: 8 window: 3 epochs: 2 sample: 0 }\n}\n"
                     "model {\n  name: \"gl\"\n  glove { dim: 8 epochs: 3 }\n}\n"
                     "runtime { threads: 1 progress_seconds: 0 }\noutput_dir: \"",
                     out, "\"\n"));
    return path;
  }

  testing::CommandResult Run(int ranks, const std::string& config, const std::string& extra = "") {
    return RunCommand(absl::StrCat(MpiWordmill(ranks), " run ", Quote(config), " ", extra));
  }

  // The status of every stage in report.json, e.g. {"vocab": "skipped", ...}.
  static std::map<std::string, std::string> Statuses(const std::string& out) {
    std::map<std::string, std::string> statuses;
    const std::string json = ReadFile(out + "/report.json");
    size_t at = 0;
    while ((at = json.find("{\"stage\": \"", at)) != std::string::npos) {
      at += 11;
      const std::string name = json.substr(at, json.find('"', at) - at);
      const size_t s = json.find("\"status\": \"", at) + 11;
      statuses[name] = json.substr(s, json.find('"', s) - s);
    }
    return statuses;
  }

  TempDir dir_;
};

TEST_F(SubwordPipelineTest, RowsAreTokenIdsAndRerunsFollowTheTokenizer) {
  const std::string out = dir_.File("out1");
  const std::string config = Config(out);
  auto r = Run(1, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wordmill run: 7 stage(s), 7 run, 0 skipped"), std::string::npos)
      << r.output;
  const std::vector<std::string> pieces = Lines(ReadFile(out + "/work/tokenizer/vocab.txt"));
  ASSERT_EQ(pieces.size(), 300u);
  // The manifests name the spec message of their stage.
  EXPECT_NE(ReadFile(out + "/work/tokenizer/MANIFEST.textproto")
                .find("spec_type: \"wordmill.TokenizerTrainCommand\""),
            std::string::npos);

  // The vocabulary: the tokens that occur, with their counts in the encoded corpus, which
  // `wordmill tokenizer encode` gives independently.
  std::map<std::string, int64_t> counts;
  for (const std::string& line : Lines(ReadFile(out + "/work/vocab/vocab.tsv"))) {
    const std::vector<std::string> f = absl::StrSplit(line, '\t');
    ASSERT_EQ(f.size(), 2u) << line;
    ASSERT_TRUE(absl::SimpleAtoi(f[1], &counts[f[0]])) << line;
    EXPECT_GT(counts[f[0]], 0) << line;
  }
  const std::string ids = dir_.File("ids.txt");
  r = RunCommand(absl::StrCat(WordmillBin(), " tokenizer encode --model ",
                              Quote(out + "/work/tokenizer/tokenizer.wmrec"), " --output ",
                              Quote(ids), " ", Quote(dir_.File("corpus"))));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, int64_t> encoded;
  for (const std::string& line : Lines(ReadFile(ids))) {
    for (absl::string_view id : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      size_t k = 0;
      ASSERT_TRUE(absl::SimpleAtoi(id, &k) && k < pieces.size()) << id;
      ++encoded[pieces[k]];
    }
  }
  EXPECT_EQ(counts, encoded);
  ASSERT_LT(counts.size(), pieces.size());  // the specials and most bytes never occur

  // Every export: exactly one row per token id, row k = piece k; an occurring token's row is
  // its trained vector, one that never occurs is zero (ExportSpec's default rule).
  for (const char* model : {"sg", "gl"}) {
    const TextVectors exported = ReadTextVectors(absl::StrCat(out, "/", model, "/vectors.txt"));
    const TextVectors trained =
        ReadTextVectors(absl::StrCat(out, "/work/model-", model, "/vectors.txt"));
    EXPECT_EQ(exported.rows, static_cast<int64_t>(pieces.size())) << model;
    EXPECT_EQ(exported.words, pieces) << model;
    EXPECT_EQ(trained.rows, static_cast<int64_t>(counts.size())) << model;
    for (const std::string& piece : pieces) {
      if (counts.count(piece)) {
        EXPECT_EQ(exported.values.at(piece), trained.values.at(piece)) << model << " " << piece;
        EXPECT_FALSE(AllZero(exported.values.at(piece))) << model << " " << piece;
      } else {
        EXPECT_TRUE(AllZero(exported.values.at(piece))) << model << " " << piece;
      }
    }
    EXPECT_EQ(Lines(ReadFile(absl::StrCat(out, "/", model, "/vectors.vocab.txt"))), pieces);
  }

  // np = 2: the same tokenizer and vocabulary.
  const std::string out2 = dir_.File("out2");
  r = Run(2, config, "--set " + Quote("output_dir=" + out2));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(out2 + "/work/tokenizer/tokenizer.wmrec"),
            ReadFile(out + "/work/tokenizer/tokenizer.wmrec"));
  EXPECT_EQ(ReadFile(out2 + "/work/vocab/vocab.tsv"), ReadFile(out + "/work/vocab/vocab.tsv"));
  EXPECT_EQ(ReadFile(out2 + "/sg/vectors.vocab.txt"), ReadFile(out + "/sg/vectors.vocab.txt"));
  EXPECT_TRUE(fs::exists(out2 + "/work/vocab/ids/ids-00001-of-00002.wmrec"));
  const std::string never = absl::StrCat(pieces.size() - counts.size(), " tokens never occurred");
  EXPECT_NE(r.output.find(never), std::string::npos) << r.output;

  // A rerun skips every stage; another number of ranks re-encodes (one shard per rank).
  r = Run(1, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("7 stage(s), 0 run, 7 skipped"), std::string::npos) << r.output;
  r = Run(2, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Statuses(out)["tokenizer"], "skipped");
  EXPECT_EQ(Statuses(out)["vocab"], "redone");
  EXPECT_EQ(ReadFile(out + "/work/vocab/vocab.tsv"), ReadFile(out2 + "/work/vocab/vocab.tsv"));

  // A tokenizer option: the tokenizer stage and everything after it run again.
  r = Run(2, config, "--set tokens.subword.vocab_size=290");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::map<std::string, std::string> statuses = Statuses(out);
  EXPECT_EQ(statuses.size(), 7u);
  for (const auto& [stage, status] : statuses) EXPECT_EQ(status, "redone") << stage;
  EXPECT_EQ(Lines(ReadFile(out + "/work/tokenizer/vocab.txt")).size(), 290u);
  EXPECT_EQ(ReadTextVectors(out + "/gl/vectors.txt").rows, 290);
}

TEST_F(SubwordPipelineTest, ExistingModelFileAndBadConfigs) {
  // A model trained by `wordmill tokenizer train` (WordPiece), given as model_file: no
  // tokenizer stage; the export rows follow its ids.
  const std::string model_dir = dir_.File("tok");
  auto r = RunCommand(absl::StrCat(WordmillBin(),
                                   " tokenizer train --model wordpiece --vocab-size 120 "
                                   "--output-dir ",
                                   Quote(model_dir), " ", Quote(dir_.File("corpus"))));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string out = dir_.File("out");
  const std::string config = Config(out);
  const std::string model_file =
      "--set " + Quote("tokens.model_file=" + model_dir + "/tokenizer.wmrec");
  r = Run(1, config, model_file + " --set model[1].glove.epochs=1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wordmill run: 6 stage(s), 6 run, 0 skipped"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out + "/work/tokenizer"));
  const std::vector<std::string> pieces = Lines(ReadFile(model_dir + "/vocab.txt"));
  EXPECT_EQ(ReadTextVectors(out + "/gl/vectors.txt").words, pieces);
  EXPECT_EQ(Lines(ReadFile(out + "/work/vocab/tokens.txt")), pieces);

  // The model's word tokenizer differs from the pipeline's: an error that says so.
  r = Run(1, config, model_file + " --set tokenizer.fold_digits=true");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the model was trained with another word tokenizer"), std::string::npos)
      << r.output;
  // A missing model file and a bad training spec name the file and field.
  r = Run(1, config, "--set " + Quote("tokens.model_file=" + dir_.File("none.wmrec")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(dir_.File("none.wmrec")), std::string::npos) << r.output;
  r = Run(1, config, "--set tokens.subword.vocab_size=0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("subword.vocab_size must be positive"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace wordmill
