// End-to-end tests of `wordmill tokenizer`: identical models for 1, 2 and 3 ranks, the
// encode/decode round trip on English and Korean Wikipedia samples, id shards under MPI with
// threads, and bad input.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "formats/id_shard.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::wordmill::testing::MpiWordmill;
using ::wordmill::testing::Quote;
using ::wordmill::testing::ReadFile;
using ::wordmill::testing::RunCommand;
using ::wordmill::testing::SharedDir;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WordmillBin;
using ::wordmill::testing::WriteFile;

// Writes lines [first, first + count) of a zstd WikiExtractor shard to `out`.
void Sample(const std::string& shard, int first, int count, const std::string& out) {
  const testing::CommandResult r =
      RunCommand(absl::StrCat("mkdir -p $(dirname ", Quote(out), ") && zstd -dc ", Quote(shard),
                              " | tail -n +", first, " | head -n ", count, " > ", Quote(out)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

class TokenizerCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SharedDir().empty()) GTEST_SKIP() << "../shared (the corpora) not found";
    const std::string en = SharedDir() + "/corpora/enwiki/wiki_00.zst";
    const std::string ko = SharedDir() + "/corpora/kowiki/wiki_00.zst";
    Sample(en, 1, 700, dir_.File("corpus/en_a.txt"));
    Sample(en, 701, 700, dir_.File("corpus/en_b.txt"));
    Sample(ko, 1, 700, dir_.File("corpus/ko.txt"));
  }

  testing::CommandResult Run(const std::string& args, int ranks = 0) {
    return RunCommand(absl::StrCat(ranks > 0 ? MpiWordmill(ranks) : WordmillBin(), " ", args));
  }

  // Trains into dir_/<name> and returns the model path.
  std::string Train(const std::string& name, const std::string& flags, int ranks = 0) {
    const testing::CommandResult r =
        Run(absl::StrCat("tokenizer train ", flags, " --threads 2 --output-dir ", dir_.File(name),
                         " ", dir_.File("corpus")),
            ranks);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return dir_.File(name + "/tokenizer.wmrec");
  }

  TempDir dir_;
};

TEST_F(TokenizerCommandTest, ModelsAreIdenticalForOneTwoAndThreeRanks) {
  for (const std::string flags :
       {"--model bpe --vocab-size 1500", "--model bpe --no-byte-level --vocab-size 3000",
        "--model unigram --vocab-size 2000", "--model wordpiece --vocab-size 3000"}) {
    const std::string one = Train("np1", flags, 1);
    for (int ranks : {2, 3}) {
      if (flags.find("--model bpe --vocab") == std::string::npos && ranks == 2) continue;
      const std::string many = Train(absl::StrCat("np", ranks), flags, ranks);
      EXPECT_EQ(ReadFile(one), ReadFile(many)) << flags << " np " << ranks;
      EXPECT_EQ(ReadFile(dir_.File("np1/vocab.txt")),
                ReadFile(dir_.File(absl::StrCat("np", ranks, "/vocab.txt"))));
    }
  }
  // The vocabulary file lists the tokens by id; the byte-level one shows bytes GPT-2's way.
  const std::vector<std::string> vocab =
      absl::StrSplit(ReadFile(dir_.File("np1/vocab.txt")), '\n', absl::SkipEmpty());
  ASSERT_EQ(vocab.size(), 3000u);
  EXPECT_EQ(vocab[0], "[UNK]");
  EXPECT_EQ(vocab[1], "<s>");
}

TEST_F(TokenizerCommandTest, DecodeRoundTripsTheNormalizedText) {
  const testing::CommandResult tokenized =
      Run(absl::StrCat("tokenize --output ", dir_.File("tokens.txt"), " ", dir_.File("corpus")));
  ASSERT_EQ(tokenized.exit_code, 0) << tokenized.output;
  const std::string expected = ReadFile(dir_.File("tokens.txt"));
  ASSERT_GT(expected.size(), 100000u);
  for (const std::string flags :
       {"--model bpe --vocab-size 2000", "--model bpe --no-byte-level --vocab-size 4000",
        "--model wordpiece --vocab-size 4000", "--model unigram --vocab-size 4000"}) {
    const std::string model = Train("model", flags);
    const testing::CommandResult encoded =
        Run(absl::StrCat("tokenizer encode --model ", model, " --output ", dir_.File("ids.txt"),
                         " ", dir_.File("corpus")));
    ASSERT_EQ(encoded.exit_code, 0) << encoded.output;
    const testing::CommandResult decoded =
        Run(absl::StrCat("tokenizer decode --model ", model, " --output ", dir_.File("text.txt"),
                         " ", dir_.File("ids.txt")));
    ASSERT_EQ(decoded.exit_code, 0) << decoded.output;
    EXPECT_TRUE(ReadFile(dir_.File("text.txt")) == expected) << flags;
    // Fewer ids than characters: the merges are used.
    const std::vector<absl::string_view> ids =
        absl::StrSplit(ReadFile(dir_.File("ids.txt")), absl::ByAnyChar(" \n"), absl::SkipEmpty());
    const std::vector<absl::string_view> words =
        absl::StrSplit(expected, absl::ByAnyChar(" \n"), absl::SkipEmpty());
    size_t characters = 0;
    for (char c : expected) characters += (c & 0xC0) != 0x80 && c != ' ' && c != '\n';
    EXPECT_LT(ids.size(), characters) << flags;
    EXPECT_GT(ids.size(), words.size()) << flags;
  }
}

TEST_F(TokenizerCommandTest, IdShardsUnderMpiDecodeToTheCorpusWhateverTheThreads) {
  const std::string model = Train("bpe", "--model bpe --vocab-size 1000");
  ASSERT_EQ(
      Run(absl::StrCat("tokenize --output ", dir_.File("tokens.txt"), " ", dir_.File("corpus")))
          .exit_code,
      0);
  std::vector<std::string> expected =
      absl::StrSplit(ReadFile(dir_.File("tokens.txt")), '\n', absl::SkipEmpty());
  std::sort(expected.begin(), expected.end());
  std::string first_run;
  for (int threads : {1, 2}) {
    const std::string shards = dir_.File(absl::StrCat("shards", threads));
    const testing::CommandResult encoded =
        Run(absl::StrCat("tokenizer encode --model ", model, " --threads ", threads,
                         " --split-bytes 100000 --max-sentence-tokens 100000 --output-dir ", shards,
                         " ", dir_.File("corpus")),
            2);
    ASSERT_EQ(encoded.exit_code, 0) << encoded.output;
    EXPECT_NE(encoded.output.find("wrote: " + shards + "/ids-00000-of-00002.wmrec"),
              std::string::npos)
        << encoded.output;
    const testing::CommandResult decoded = Run(absl::StrCat(
        "tokenizer decode --model ", model, " --output ", dir_.File("decoded.txt"), " ", shards));
    ASSERT_EQ(decoded.exit_code, 0) << decoded.output;
    const std::string text = ReadFile(dir_.File("decoded.txt"));
    if (threads == 1) {
      first_run = text;
    } else {
      EXPECT_TRUE(text == first_run) << "the shards depend on the thread count";
    }
    // Ranks hold their units in plan order, not corpus order: compare as multisets.
    std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
    std::sort(lines.begin(), lines.end());
    EXPECT_TRUE(lines == expected);
  }
}

// All ids of a shard, paragraph after paragraph.
std::vector<std::vector<uint32_t>> ReadShard(const std::string& path) {
  std::vector<std::vector<uint32_t>> paragraphs;
  absl::StatusOr<std::unique_ptr<IdShardReader>> reader = IdShardReader::Open(path, 0);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return paragraphs;
  std::vector<uint32_t> ids;
  bool starts = false;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&ids, &starts);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    paragraphs.push_back(ids);
  }
  return paragraphs;
}

TEST_F(TokenizerCommandTest, SampledUnigramShardsDependOnTheSeedNotOnThreads) {
  const std::string model = Train("uni", "--model unigram --vocab-size 2000");
  auto encode = [&](const std::string& name, const std::string& flags) {
    const testing::CommandResult r = Run(absl::StrCat("tokenizer encode --model ", model, " ",
                                                      flags, " --split-bytes 100000 --output-dir ",
                                                      dir_.File(name), " ", dir_.File("corpus")));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return ReadShard(dir_.File(name + "/ids-00000-of-00001.wmrec"));
  };
  const auto viterbi = encode("viterbi", "--threads 2");
  const auto one = encode("one", "--threads 1 --sample-alpha 0.3 --sample-seed 5");
  const auto two = encode("two", "--threads 2 --sample-alpha 0.3 --sample-seed 5");
  const auto other = encode("other", "--threads 2 --sample-alpha 0.3 --sample-seed 6");
  ASSERT_FALSE(one.empty());
  EXPECT_TRUE(one == two);
  EXPECT_FALSE(one == viterbi);
  EXPECT_FALSE(one == other);
  EXPECT_EQ(one.size(), viterbi.size());
}

TEST_F(TokenizerCommandTest, BadInputGivesClearErrors) {
  // An empty corpus.
  ASSERT_EQ(RunCommand("mkdir -p " + Quote(dir_.File("empty"))).exit_code, 0);
  WriteFile(dir_.File("empty/a.txt"), "\n\n");
  testing::CommandResult r =
      Run(absl::StrCat("tokenizer train --output-dir ", dir_.File("e"), " ", dir_.File("empty")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("the corpus has no words"), std::string::npos) << r.output;
  // A vocabulary smaller than the alphabet.
  r = Run(absl::StrCat("tokenizer train --vocab-size 100 --output-dir ", dir_.File("s"), " ",
                       dir_.File("corpus")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--vocab-size 100 is smaller than the 4 special tokens plus the base "
                          "alphabet of 256 bytes"),
            std::string::npos)
      << r.output;
  // A truncated model, and a file that is no model.
  const std::string model = Train("bpe", "--model bpe --vocab-size 400");
  const std::string bytes = ReadFile(model);
  WriteFile(dir_.File("cut.wmrec"), bytes.substr(0, bytes.size() / 2));
  r = Run(absl::StrCat("tokenizer encode --model ", dir_.File("cut.wmrec"), " --output ",
                       dir_.File("x.txt"), " ", dir_.File("corpus")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(dir_.File("cut.wmrec")), std::string::npos) << r.output;
  r = Run(absl::StrCat("tokenizer export --model ", dir_.File("corpus/ko.txt"), " --out ",
                       dir_.File("x.json")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(dir_.File("corpus/ko.txt")), std::string::npos) << r.output;
  // Ids that are not ids or are outside the vocabulary.
  WriteFile(dir_.File("ids.txt"), "5 6 7\n1 x\n");
  r = Run(absl::StrCat("tokenizer decode --model ", model, " --output ", dir_.File("d.txt"), " ",
                       dir_.File("ids.txt")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(dir_.File("ids.txt") + ": line 2: 'x' is not a token id"),
            std::string::npos)
      << r.output;
  WriteFile(dir_.File("ids.txt"), "5 400\n");
  r = Run(absl::StrCat("tokenizer decode --model ", model, " --output ", dir_.File("d.txt"), " ",
                       dir_.File("ids.txt")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(": line 1: token 1: id 400 is outside the vocabulary of 400 tokens"),
            std::string::npos)
      << r.output;
  // Sampling is for Unigram only.
  r = Run(absl::StrCat("tokenizer encode --model ", model, " --sample-alpha 0.1 --output ",
                       dir_.File("x.txt"), " ", dir_.File("corpus")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--sample-alpha needs a unigram model"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace wordmill
