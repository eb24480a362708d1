#include "formats/vocab_file.h"

#include <cstdio>
#include <filesystem>
#include <string>

#include "formats/record_file.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::wordmill::testing::ReadFile;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WriteFile;

bool Mentions(const absl::Status& status, const std::string& text) {
  return status.message().find(text) != absl::string_view::npos;
}

Vocabulary SampleVocabulary() {
  return {{"the", 100}, {"of", 50}, {"and", 50}, {"\xC3\xA9t\xC3\xA9", 7},
          {"zebra", 7}, {"a", 3},   {"b", 0}};
}

TEST(VocabularyTest, SortByCountDescendingThenBytes) {
  Vocabulary vocab = SampleVocabulary();
  SortVocabulary(&vocab);
  // Bytes compare unsigned: the UTF-8 lead byte 0xC3 of "été" sorts after ASCII "zebra".
  Vocabulary expected = {
      {"the", 100}, {"and", 50}, {"of", 50}, {"zebra", 7}, {"\xC3\xA9t\xC3\xA9", 7},
      {"a", 3},     {"b", 0}};
  EXPECT_EQ(vocab, expected);
}

TEST(VocabularyTest, ChecksumChangesWithAnyChange) {
  Vocabulary vocab = SampleVocabulary();
  SortVocabulary(&vocab);
  uint64_t base = VocabularyChecksum(vocab);
  EXPECT_EQ(VocabularyChecksum(vocab), base);

  Vocabulary changed = vocab;
  changed[3].count += 1;
  EXPECT_NE(VocabularyChecksum(changed), base);
  changed = vocab;
  changed[2].word = "on";
  EXPECT_NE(VocabularyChecksum(changed), base);
  changed = vocab;
  std::swap(changed[1], changed[2]);
  EXPECT_NE(VocabularyChecksum(changed), base);
  changed = vocab;
  changed.pop_back();
  EXPECT_NE(VocabularyChecksum(changed), base);
  // Moving bytes between a word and the next must not collide.
  EXPECT_NE(VocabularyChecksum({{"ab", 1}, {"c", 1}}), VocabularyChecksum({{"a", 1}, {"bc", 1}}));
  EXPECT_NE(VocabularyChecksum({}), base);
}

TEST(VocabularyTest, ChecksumIsStableAcrossBuilds) {
  // Pinned so that a change of the encoding (and so of every file header) is noticed.
  EXPECT_EQ(VocabularyChecksum({}), 0x2d06800538d394c2ull);
}

Vocabulary SortedSample() {
  Vocabulary vocab = SampleVocabulary();
  SortVocabulary(&vocab);
  return vocab;
}

TEST(VocabTsvTest, RoundTrip) {
  TempDir dir;
  std::string path = dir.File("vocab.tsv");
  Vocabulary vocab = SortedSample();
  ASSERT_TRUE(WriteVocabTsv(path, vocab).ok());
  EXPECT_EQ(ReadFile(path),
            "the\t100\nand\t50\nof\t50\nzebra\t7\n\xC3\xA9t\xC3\xA9\t7\na\t3\nb\t0\n");
  auto read = ReadVocabTsv(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, vocab);
}

TEST(VocabTsvTest, FinalLineWithoutNewline) {
  TempDir dir;
  std::string path = dir.File("vocab.tsv");
  WriteFile(path, "x\t5\ny\t2");
  auto read = ReadVocabTsv(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, (Vocabulary{{"x", 5}, {"y", 2}}));
}

TEST(VocabTsvTest, EmptyFileIsAnError) {
  TempDir dir;
  std::string path = dir.File("vocab.tsv");
  WriteFile(path, "");
  auto read = ReadVocabTsv(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(read.status(), path + ": empty vocabulary")) << read.status();
}

TEST(VocabTsvTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_EQ(ReadVocabTsv(dir.File("nope.tsv")).status().code(), absl::StatusCode::kNotFound);
}

TEST(VocabTsvTest, MalformedLinesNameTheLine) {
  struct Case {
    std::string line;  // becomes line 3, after two good lines
    std::string what;
  };
  const Case cases[] = {
      {"nocount", "no tab"},       {"\t4", "empty word"},
      {"w\t-4", "negative count"}, {"w\tfour", "bad count"},
      {"w\t", "bad count"},        {"w\t+4", "bad count"},
      {"w\t4 ", "bad count"},      {"w\t4\r", "bad count"},
      {"w\t4\t5", "bad count"},    {"w\t99999999999999999999", "out of range"},
      {"a\t3", "duplicate"},       {"w\t10", "out of order"},
      {"0\t3", "out of order"},    {"", "no tab"},
  };
  TempDir dir;
  std::string path = dir.File("vocab.tsv");
  for (const Case& c : cases) {
    WriteFile(path, "b\t9\na\t3\n" + c.line + "\nz\t1\n");
    auto read = ReadVocabTsv(path);
    ASSERT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << c.line;
    EXPECT_TRUE(Mentions(read.status(), path + ":3: ")) << read.status();
    EXPECT_TRUE(Mentions(read.status(), c.what)) << read.status();
  }
}

TEST(VocabTsvTest, DuplicateWithDifferentCountIsRejected) {
  TempDir dir;
  std::string path = dir.File("vocab.tsv");
  WriteFile(path, "a\t9\nb\t5\na\t2\n");
  auto read = ReadVocabTsv(path);
  EXPECT_TRUE(Mentions(read.status(), path + ":3: duplicate word")) << read.status();
}

TEST(VocabTsvTest, WriterRefusesWhatTheReaderRejects) {
  TempDir dir;
  std::string path = dir.File("vocab.tsv");
  EXPECT_EQ(WriteVocabTsv(path, {{"b", 1}, {"a", 2}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteVocabTsv(path, {{"a\tb", 1}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteVocabTsv(path, {{"", 1}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteVocabTsv(path, {{"a", 1}, {"a", 1}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(VocabExportTest, GloveAndWord2vecLayouts) {
  TempDir dir;
  Vocabulary vocab = {{"the", 10}, {"cat", 2}};
  ASSERT_TRUE(WriteVocabGlove(dir.File("g.txt"), vocab).ok());
  EXPECT_EQ(ReadFile(dir.File("g.txt")), "the 10\ncat 2\n");
  ASSERT_TRUE(WriteVocabWord2vec(dir.File("w.txt"), vocab, 4).ok());
  EXPECT_EQ(ReadFile(dir.File("w.txt")), "</s> 4\nthe 10\ncat 2\n");
  EXPECT_EQ(WriteVocabGlove(dir.File("bad.txt"), {{"a b", 1}}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VocabRecordsTest, RoundTripWithHeader) {
  TempDir dir;
  std::string path = dir.File("vocab.wmrec");
  Vocabulary vocab = SortedSample();
  ASSERT_TRUE(WriteVocabRecords(path, vocab, "wordmill.VocabCommand", "output_dir: \"o\"").ok());
  auto read = ReadVocabRecords(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, vocab);

  auto reader = RecordReader::Open(path);
  ASSERT_TRUE(reader.ok());
  const RecordFileHeader& header = (*reader)->header();
  EXPECT_EQ(header.record_type(), "wordmill.VocabEntry");
  EXPECT_EQ(header.spec_type(), "wordmill.VocabCommand");
  EXPECT_EQ(header.spec_text(), "output_dir: \"o\"");
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(VocabularyChecksum(vocab)));
  EXPECT_EQ(header.metadata().at("vocab_checksum"), hex);
  EXPECT_EQ(header.metadata().at("words"), "7");
  EXPECT_EQ(header.metadata().at("tokens"), "217");
}

TEST(VocabRecordsTest, EmptyVocabularyRoundTrip) {
  TempDir dir;
  std::string path = dir.File("vocab.wmrec");
  ASSERT_TRUE(WriteVocabRecords(path, {}, "", "").ok());
  auto read = ReadVocabRecords(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->empty());
}

TEST(VocabRecordsTest, ChecksumMismatchIsDataLoss) {
  TempDir dir;
  std::string path = dir.File("vocab.wmrec");
  // A well-formed container whose checksum belongs to another vocabulary.
  RecordWriterOptions options;
  options.record_type = "wordmill.VocabEntry";
  options.metadata["vocab_checksum"] = "0000000000000001";
  auto writer = RecordWriter::Open(path, options);
  ASSERT_TRUE(writer.ok());
  VocabEntry entry;
  entry.set_word("word");
  entry.set_count(3);
  ASSERT_TRUE((*writer)->Append(entry.SerializeAsString()).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto read = ReadVocabRecords(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Mentions(read.status(), path)) << read.status();
  EXPECT_TRUE(Mentions(read.status(), "checksum")) << read.status();
}

TEST(VocabRecordsTest, CorruptContainerIsDataLoss) {
  TempDir dir;
  std::string path = dir.File("vocab.wmrec");
  ASSERT_TRUE(WriteVocabRecords(path, SortedSample(), "", "").ok());
  std::string bytes = ReadFile(path);
  bytes[bytes.size() - 16] ^= 0x04;
  WriteFile(path, bytes);
  EXPECT_EQ(ReadVocabRecords(path).status().code(), absl::StatusCode::kDataLoss);
}

TEST(VocabRecordsTest, OtherRecordTypeIsRejected) {
  TempDir dir;
  std::string path = dir.File("other.wmrec");
  RecordWriterOptions options;
  options.record_type = "wordmill.Cooccurrence";
  auto writer = RecordWriter::Open(path, options);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto read = ReadVocabRecords(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(read.status(), "wordmill.Cooccurrence")) << read.status();
}

}  // namespace
}  // namespace wordmill
