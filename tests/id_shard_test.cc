#include "formats/id_shard.h"

#include <string>
#include <vector>

#include "cluster/communicator.h"
#include "formats/vocab_file.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "workers/id_encoder.h"

namespace wordmill {
namespace {

using testing::TempDir;
using testing::WriteFile;

TEST(IdShardTest, RoundTripWithDocumentFlags) {
  TempDir dir;
  const std::string path = IdShardPath(dir.path(), 1, 3);
  EXPECT_EQ(path, dir.path() + "/ids-00001-of-00003.wmrec");
  auto writer = IdShardWriter::Open(path, 0x1234, 10, 1, 3, "t", "s");
  ASSERT_TRUE(writer.ok()) << writer.status();
  const std::vector<uint32_t> a = {1, 2, 3}, b = {9}, empty;
  ASSERT_TRUE((*writer)->Add(a.data(), a.size(), true).ok());
  ASSERT_TRUE((*writer)->Add(b.data(), b.size(), false).ok());
  ASSERT_TRUE((*writer)->Add(empty.data(), 0, true).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto reader = IdShardReader::Open(path, 0x1234);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->info().vocab_size, 10);
  EXPECT_EQ((*reader)->info().paragraphs, 3);
  std::vector<uint32_t> ids;
  bool starts = false;
  ASSERT_TRUE(*(*reader)->Next(&ids, &starts));
  EXPECT_EQ(ids, a);
  EXPECT_TRUE(starts);
  ASSERT_TRUE(*(*reader)->Next(&ids, &starts));
  EXPECT_EQ(ids, b);
  EXPECT_FALSE(starts);
  ASSERT_TRUE(*(*reader)->Next(&ids, &starts));
  EXPECT_TRUE(ids.empty());
  EXPECT_TRUE(starts);
  EXPECT_FALSE(*(*reader)->Next(&ids, &starts));
}

TEST(IdShardTest, RefusesAnotherVocabularyAndOutOfRangeIds) {
  TempDir dir;
  const std::string path = dir.File("ids.wmrec");
  auto writer = IdShardWriter::Open(path, 0xabc, 5, 0, 1, "t", "s");
  ASSERT_TRUE(writer.ok());
  const std::vector<uint32_t> bad = {4, 5};
  ASSERT_TRUE((*writer)->Add(bad.data(), bad.size(), true).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto other = IdShardReader::Open(path, 0xdef);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find(path), std::string::npos);
  auto reader = IdShardReader::Open(path, 0);
  ASSERT_TRUE(reader.ok());
  std::vector<uint32_t> ids;
  bool starts;
  auto next = (*reader)->Next(&ids, &starts);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(next.status().message().find("outside the vocabulary"), std::string::npos);
}

TEST(IdEncoderTest, EncodesInVocabularyWordsAndCutsLongParagraphs) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "the cat sat\nthe dog\n\nunknown cat cat cat cat cat\n");
  const Vocabulary vocab = {{"cat", 6}, {"the", 2}, {"dog", 1}, {"sat", 1}};
  InputSpec input;
  input.add_input(dir.File("a.txt"));
  IdShardSpec ids_spec;
  ids_spec.set_max_sentence_tokens(3);
  auto comm = CreateLocalCommunicator();
  auto result = EncodeCorpus(input, TokenizerSpec(), ids_spec, RuntimeSpec(), vocab, dir.path(),
                             "t", "s", comm.get());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->tokens, 10);
  EXPECT_EQ(result->dropped, 1);
  auto reader = IdShardReader::Open(result->path, VocabularyChecksum(vocab));
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::vector<std::pair<std::vector<uint32_t>, bool>> paragraphs;
  std::vector<uint32_t> ids;
  bool starts;
  while (*(*reader)->Next(&ids, &starts)) paragraphs.emplace_back(ids, starts);
  const std::vector<std::pair<std::vector<uint32_t>, bool>> expected = {
      {{1, 0, 3}, true}, {{1, 2}, false}, {{0, 0, 0}, true}, {{0, 0}, false}};
  EXPECT_EQ(paragraphs, expected);
}

}  // namespace
}  // namespace wordmill
