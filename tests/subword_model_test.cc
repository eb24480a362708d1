// The subword models on hand-worked examples: BPE merges (character and byte level), WordPiece
// training scores and longest-match encoding, decoding, the model file and bad input.
#include "tokenizers/subword_model.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/record_file.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tokenizers/word_tokenizer.h"

namespace wordmill {
namespace {

using testing::TempDir;

// The textbook counts of the issue.
WordCounts TextbookWords() { return {{"dab", 5}, {"adab", 4}, {"aab", 7}, {"bub", 9}, {"bun", 2}}; }

SubwordSpec Spec(SubwordModelType type, int vocab_size) {
  SubwordSpec spec;
  spec.set_model(type);
  spec.set_vocab_size(vocab_size);
  spec.set_min_pair_count(1);
  return spec;
}

std::unique_ptr<SubwordModel> Train(const SubwordSpec& spec, WordCounts words) {
  absl::StatusOr<std::unique_ptr<SubwordModel>> model =
      TrainSubwordModel(spec, TokenizerSpec(), std::move(words));
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : nullptr;
}

std::vector<std::string> MergeStrings(const SubwordModel& model) {
  std::vector<std::string> out;
  for (const SubwordMerge& m : model.data().merges) {
    out.push_back(model.pieces()[m.left].piece + "+" + model.pieces()[m.right].piece);
  }
  return out;
}

// Pieces of one paragraph given as words.
std::vector<std::string> EncodePieces(const SubwordModel& model, std::vector<std::string> words) {
  TokenList list;
  for (const std::string& w : words) list.Add(w);
  std::vector<uint32_t> ids;
  model.NewEncoder()->Encode(list, &ids);
  std::vector<std::string> out;
  for (uint32_t id : ids) out.push_back(model.pieces()[id].piece);
  return out;
}

std::string Decode(const SubwordModel& model, std::vector<std::string> words) {
  TokenList list;
  for (const std::string& w : words) list.Add(w);
  std::vector<uint32_t> ids;
  model.NewEncoder()->Encode(list, &ids);
  std::string text;
  EXPECT_TRUE(model.Decode(ids, &text).ok());
  return text;
}

TEST(BpeTest, CharacterLevelTextbookMerges) {
  SubwordSpec spec = Spec(SUBWORD_BPE, 100);
  spec.set_byte_level(false);
  std::unique_ptr<SubwordModel> model = Train(spec, TextbookWords());
  ASSERT_NE(model, nullptr);
  // a+b</w> 16; b+u 11; then two pairs of 9, (bu, b</w>) before (d, ab</w>) by bytes; a+ab</w>
  // 7; a+dab</w> 4; bu+n</w> 2.
  EXPECT_EQ(MergeStrings(*model),
            (std::vector<std::string>{"a+b</w>", "b+u", "bu+b</w>", "d+ab</w>", "a+ab</w>",
                                      "a+dab</w>", "bu+n</w>"}));
  // 4 special tokens, the alphabet a b b</w> d n</w> u, then one piece per merge.
  ASSERT_EQ(model->pieces().size(), 4u + 6u + 7u);
  EXPECT_EQ(model->pieces()[0].piece, "<unk>");
  EXPECT_EQ(model->pieces()[3].piece, "<pad>");
  EXPECT_EQ(model->pieces()[4].piece, "a");
  EXPECT_EQ(model->pieces()[6].piece, "b</w>");
  EXPECT_EQ(model->pieces()[10].piece, "ab</w>");
}

TEST(BpeTest, VocabSizeStopsMergesAndEncodingAppliesThemByRank) {
  SubwordSpec spec = Spec(SUBWORD_BPE, 4 + 6 + 3);
  spec.set_byte_level(false);
  std::unique_ptr<SubwordModel> model = Train(spec, TextbookWords());
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(MergeStrings(*model), (std::vector<std::string>{"a+b</w>", "b+u", "bu+b</w>"}));
  EXPECT_EQ(EncodePieces(*model, {"adab", "bun", "bub"}),
            (std::vector<std::string>{"a", "d", "ab</w>", "bu", "n</w>", "bub</w>"}));
  // An unseen character is the unknown token; it decodes as a word of its own.
  EXPECT_EQ(EncodePieces(*model, {"dzb"}), (std::vector<std::string>{"d", "<unk>", "b</w>"}));
  EXPECT_EQ(Decode(*model, {"adab", "bun", "bub"}), "adab bun bub");
}

TEST(BpeTest, ByteLevelTextbookMerges) {
  std::unique_ptr<SubwordModel> model = Train(Spec(SUBWORD_BPE, 4 + 256 + 4), TextbookWords());
  ASSERT_NE(model, nullptr);
  // Words are " dab" ...: a+b 16, then three pairs of 11: " "+a, " "+b, b+u (bytes order),
  // then " b"+u 11.
  EXPECT_EQ(MergeStrings(*model), (std::vector<std::string>{"a+b", " +a", " +b", " b+u"}));
  EXPECT_EQ(EncodePieces(*model, {"aab", "bun", "xy"}),
            (std::vector<std::string>{" a", "ab", " bu", "n", " ", "x", "y"}));
  EXPECT_EQ(Decode(*model, {"aab", "bun", "xy"}), "aab bun xy");
}

TEST(BpeTest, ByteLevelTakesAnyBytesAndRoundTripsThem) {
  const std::string invalid = "a\xff\xc3(b";  // not UTF-8
  std::unique_ptr<SubwordModel> model = Train(Spec(SUBWORD_BPE, 300), {{invalid, 3}, {"ok", 2}});
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(Decode(*model, {"ok", invalid, "zz"}), "ok " + invalid + " zz");
}

TEST(BpeTest, CharacterLevelRejectsInvalidUtf8AndEncodesItAsUnknown) {
  SubwordSpec spec = Spec(SUBWORD_BPE, 100);
  spec.set_byte_level(false);
  absl::StatusOr<std::unique_ptr<SubwordModel>> bad =
      TrainSubwordModel(spec, TokenizerSpec(), {{"a\xff", 1}});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_NE(bad.status().message().find("invalid UTF-8 at byte 1"), std::string::npos);
  std::unique_ptr<SubwordModel> model = Train(spec, TextbookWords());
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(EncodePieces(*model, {"d\xff"
                                  "ab"}),
            (std::vector<std::string>{"d", "<unk>", "ab</w>"}));
}

TEST(BpeTest, VocabSizeBelowAlphabetAndEmptyCorpusAreErrors) {
  absl::StatusOr<std::unique_ptr<SubwordModel>> small =
      TrainSubwordModel(Spec(SUBWORD_BPE, 200), TokenizerSpec(), TextbookWords());
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.status().message().find(
                "--vocab-size 200 is smaller than the 4 special tokens plus the base alphabet "
                "of 256 bytes"),
            std::string::npos)
      << small.status();
  SubwordSpec chars = Spec(SUBWORD_WORDPIECE, 8);
  absl::StatusOr<std::unique_ptr<SubwordModel>> small_chars =
      TrainSubwordModel(chars, TokenizerSpec(), TextbookWords());
  ASSERT_FALSE(small_chars.ok());
  EXPECT_NE(small_chars.status().message().find("base alphabet of 8 characters"), std::string::npos)
      << small_chars.status();
  absl::StatusOr<std::unique_ptr<SubwordModel>> empty =
      TrainSubwordModel(Spec(SUBWORD_BPE, 1000), TokenizerSpec(), {});
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(empty.status()));
}

TEST(BpeTest, TrainingDoesNotDependOnInputOrder) {
  WordCounts reversed = TextbookWords();
  std::reverse(reversed.begin(), reversed.end());
  std::unique_ptr<SubwordModel> a = Train(Spec(SUBWORD_BPE, 270), TextbookWords());
  std::unique_ptr<SubwordModel> b = Train(Spec(SUBWORD_BPE, 270), reversed);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(MergeStrings(*a), MergeStrings(*b));
}

TEST(WordPieceTest, TrainingScoresPairsByCountOverProductOfCounts) {
  // Symbols a (4), b (1), ##b (3), ##c (2). (b, ##c) scores 1/(1*2) and beats the more frequent
  // (a, ##b) at 3/(4*3); then (a, ##b) and (a, ##c) tie at 1/4 and the higher count wins; then
  // (a, ##c) scores 1/(1*1).
  std::unique_ptr<SubwordModel> model =
      Train(Spec(SUBWORD_WORDPIECE, 4 + 4 + 3), {{"ab", 3}, {"ac", 1}, {"bc", 1}});
  ASSERT_NE(model, nullptr);
  std::vector<std::string> pieces;
  for (const SubwordPiece& p : model->pieces()) pieces.push_back(p.piece);
  EXPECT_EQ(pieces, (std::vector<std::string>{"[UNK]", "<s>", "</s>", "<pad>", "##b", "##c", "a",
                                              "b", "bc", "ab", "ac"}));
}

std::unique_ptr<SubwordModel> WordPieceFromPieces(const std::vector<std::string>& pieces) {
  SubwordModelData data;
  data.spec.set_model(SUBWORD_WORDPIECE);
  data.pieces.push_back({"[UNK]", 0, true});
  for (const std::string& p : pieces) data.pieces.push_back({p, 0, false});
  absl::StatusOr<std::unique_ptr<SubwordModel>> model = CreateSubwordModel(std::move(data));
  EXPECT_TRUE(model.ok()) << model.status();
  return std::move(*model);
}

TEST(WordPieceTest, LongestMatchFirst) {
  // The vocabulary: from the left, `ab` is the longest match, then `##cd`.
  std::unique_ptr<SubwordModel> model =
      WordPieceFromPieces({"a", "##b", "##c", "##d", "ab", "##cd", "##bcd"});
  EXPECT_EQ(EncodePieces(*model, {"abcd"}), (std::vector<std::string>{"ab", "##cd"}));
  EXPECT_EQ(EncodePieces(*model, {"acd"}), (std::vector<std::string>{"a", "##cd"}));
  // Without `ab`, the longest piece after `a` is `##bcd`.
  std::unique_ptr<SubwordModel> without_ab =
      WordPieceFromPieces({"a", "##b", "##c", "##d", "##cd", "##bcd"});
  EXPECT_EQ(EncodePieces(*without_ab, {"abcd"}), (std::vector<std::string>{"a", "##bcd"}));
  // A word that cannot be covered is one unknown token.
  EXPECT_EQ(EncodePieces(*model, {"ab", "abx", "ba"}),
            (std::vector<std::string>{"ab", "[UNK]", "[UNK]"}));
  EXPECT_EQ(Decode(*model, {"abcd", "acd", "ab"}), "abcd acd ab");
}

TEST(UnigramAdapterTest, MarksWordsFusesUnknownsAndSamplesReproducibly) {
  SubwordSpec spec = Spec(SUBWORD_UNIGRAM, 4 + 12);
  std::unique_ptr<SubwordModel> model = Train(spec, TextbookWords());
  ASSERT_NE(model, nullptr);
  // The special tokens, then pieces that carry the U+2581 word marker where a word starts.
  EXPECT_EQ(model->pieces()[0].piece, "<unk>");
  EXPECT_FALSE(model->pieces()[4].special);
  const std::vector<std::string> pieces = EncodePieces(*model, {"bub", "dab"});
  ASSERT_FALSE(pieces.empty());
  EXPECT_EQ(pieces[0].rfind("\xE2\x96\x81", 0), 0u) << pieces[0];
  EXPECT_EQ(Decode(*model, {"bub", "dab", "adab"}), "bub dab adab");
  // Two unseen characters in a row are one unknown token.
  const std::vector<std::string> unknown = EncodePieces(*model, {"bxyb"});
  EXPECT_EQ(std::count(unknown.begin(), unknown.end(), "<unk>"), 1) << unknown.size();
  // Sampling: the same seed gives the same ids; sampling is refused by the other models.
  TokenList words;
  std::string expected;
  for (int i = 0; i < 50; ++i) {
    words.Add(i % 2 ? "adab" : "bub");
    expected += std::string(i ? " " : "") + (i % 2 ? "adab" : "bub");
  }
  std::vector<uint32_t> a, b, viterbi;
  (*model->NewEncoder(0.5, 7))->Encode(words, &a);
  (*model->NewEncoder(0.5, 7))->Encode(words, &b);
  model->NewEncoder()->Encode(words, &viterbi);
  EXPECT_EQ(a, b);
  std::string text;
  ASSERT_TRUE(model->Decode(a, &text).ok());
  EXPECT_EQ(text, expected);
  std::unique_ptr<SubwordModel> bpe = Train(Spec(SUBWORD_BPE, 300), TextbookWords());
  EXPECT_FALSE(bpe->NewEncoder(0.5, 7).ok());
}

TEST(ModelFileTest, RoundTripAndBadFiles) {
  TempDir dir;
  SubwordSpec spec = Spec(SUBWORD_BPE, 4 + 6 + 3);
  spec.set_byte_level(false);
  spec.add_user_token("<mask>");
  std::unique_ptr<SubwordModel> model = Train(spec, TextbookWords());
  ASSERT_NE(model, nullptr);
  const std::string path = dir.File("tokenizer.wmrec");
  ASSERT_TRUE(WriteSubwordModel(path, *model).ok());
  absl::StatusOr<std::unique_ptr<SubwordModel>> read = ReadSubwordModel(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ((*read)->pieces().size(), model->pieces().size());
  EXPECT_EQ((*read)->pieces()[4].piece, "<mask>");
  EXPECT_EQ(MergeStrings(**read), MergeStrings(*model));
  EXPECT_EQ(EncodePieces(**read, {"adab"}), EncodePieces(*model, {"adab"}));

  // Truncated: the container notices and names the file.
  const std::string bytes = testing::ReadFile(path);
  const std::string truncated = dir.File("truncated.wmrec");
  testing::WriteFile(truncated, bytes.substr(0, bytes.size() - 20));
  absl::StatusOr<std::unique_ptr<SubwordModel>> cut = ReadSubwordModel(truncated);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find(truncated), std::string::npos) << cut.status();

  // Another model version.
  RecordWriterOptions options;
  options.record_type = "wordmill.SubwordModelRecord";
  options.spec_type = "wordmill.SubwordModelHeader";
  options.spec_text = "version: 2";
  options.metadata["subword_model_version"] = "2";
  const std::string future = dir.File("future.wmrec");
  {
    auto writer = RecordWriter::Open(future, options);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  absl::StatusOr<std::unique_ptr<SubwordModel>> v2 = ReadSubwordModel(future);
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.status().message(),
            future +
                ": tokenizer model version 2; this wordmill reads version 1 (retrain the "
                "tokenizer)");

  // Some other record file.
  options.record_type = "wordmill.VocabEntry";
  const std::string vocab = dir.File("vocab.wmrec");
  {
    auto writer = RecordWriter::Open(vocab, options);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  absl::StatusOr<std::unique_ptr<SubwordModel>> other = ReadSubwordModel(vocab);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().message(),
            vocab + ": not a tokenizer model (it holds wordmill.VocabEntry records)");
}

}  // namespace
}  // namespace wordmill
