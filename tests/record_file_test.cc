#include "formats/record_file.h"

#include <unistd.h>
#include <xxhash.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "formats/atomic_file.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::wordmill::testing::ReadFile;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WriteFile;

constexpr size_t kMagicBytes = 8;
constexpr size_t kBlockHeaderBytes = 24;

std::vector<std::string> VariableRecords(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> records;
  for (int i = 0; i < n; ++i) {
    // Mostly short records, some empty and some longer than a 1-byte varint can describe.
    size_t size = i % 17 == 0 ? 0 : (i % 13 == 0 ? 300 + rng() % 700 : rng() % 40);
    std::string record(size, '\0');
    for (char& c : record) c = static_cast<char>(rng() % 7 == 0 ? rng() : 'a' + rng() % 4);
    records.push_back(record);
  }
  return records;
}

absl::Status WriteRecords(const std::string& path, const RecordWriterOptions& options,
                          const std::vector<std::string>& records) {
  auto writer = RecordWriter::Open(path, options);
  if (!writer.ok()) return writer.status();
  for (const std::string& record : records) {
    if (absl::Status status = (*writer)->Append(record); !status.ok()) return status;
  }
  return (*writer)->Close();
}

// Reads every record; the status is the first error, if any.
absl::Status ReadRecords(const std::string& path, std::vector<std::string>* records) {
  auto reader = RecordReader::Open(path);
  if (!reader.ok()) return reader.status();
  absl::string_view record;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&record);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
    records->emplace_back(record);
  }
}

absl::Status ReadAll(const std::string& path) {
  std::vector<std::string> ignored;
  return ReadRecords(path, &ignored);
}

bool Mentions(const absl::Status& status, const std::string& text) {
  return status.message().find(text) != absl::string_view::npos;
}

uint32_t LoadU32(const std::string& bytes, size_t offset) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return value;
}

void StoreU32(uint32_t value, size_t offset, std::string* bytes) {
  for (int i = 0; i < 4; ++i) (*bytes)[offset + i] = static_cast<char>(value >> (8 * i));
}

// Offset of the first block header in a well-formed file.
size_t FirstBlockOffset(const std::string& bytes) {
  return kMagicBytes + 4 + LoadU32(bytes, kMagicBytes) + 8;
}

TEST(RecordFileTest, VariableRecordsRoundTripAcrossBlocks) {
  TempDir dir;
  std::string path = dir.File("v.wmrec");
  RecordWriterOptions options;
  options.record_type = "test.Variable";
  options.block_bytes = 256;
  std::vector<std::string> records = VariableRecords(5000, 1);
  ASSERT_TRUE(WriteRecords(path, options, records).ok());
  EXPECT_FALSE(std::filesystem::exists(AtomicTempPath(path)));

  auto reader = RecordReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->header().record_count(), records.size());
  EXPECT_GT((*reader)->header().block_count(), 50u);
  std::vector<std::string> read;
  ASSERT_TRUE(ReadRecords(path, &read).ok());
  EXPECT_EQ(read, records);
}

TEST(RecordFileTest, FixedSizeRecordsRoundTrip) {
  TempDir dir;
  std::string path = dir.File("f.wmrec");
  RecordWriterOptions options;
  options.record_type = "test.Fixed";
  options.record_size = 12;
  options.block_bytes = 100;
  std::vector<std::string> records;
  for (int i = 0; i < 3000; ++i) {
    std::string record(12, '\0');
    for (int j = 0; j < 12; ++j) record[j] = static_cast<char>(i * 31 + j * 7);
    records.push_back(record);
  }
  ASSERT_TRUE(WriteRecords(path, options, records).ok());
  std::vector<std::string> read;
  absl::Status status = ReadRecords(path, &read);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(read, records);
}

TEST(RecordFileTest, FixedSizeRejectsWrongSize) {
  TempDir dir;
  RecordWriterOptions options;
  options.record_size = 4;
  auto writer = RecordWriter::Open(dir.File("f.wmrec"), options);
  ASSERT_TRUE(writer.ok());
  EXPECT_TRUE((*writer)->Append("abcd").ok());
  EXPECT_EQ((*writer)->Append("abc").code(), absl::StatusCode::kInvalidArgument);
}

TEST(RecordFileTest, EmptyFileRoundTrip) {
  TempDir dir;
  std::string path = dir.File("empty.wmrec");
  ASSERT_TRUE(WriteRecords(path, RecordWriterOptions(), {}).ok());
  auto reader = RecordReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->header().record_count(), 0u);
  EXPECT_EQ((*reader)->header().block_count(), 0u);
  absl::string_view record;
  auto more = (*reader)->Next(&record);
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_FALSE(*more);
  // Calling again after the end stays at the end.
  more = (*reader)->Next(&record);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST(RecordFileTest, HeaderCarriesSpecMetadataAndCounts) {
  TempDir dir;
  std::string path = dir.File("h.wmrec");
  RecordWriterOptions options;
  options.record_type = "wordmill.Thing";
  options.spec_type = "wordmill.VocabCommand";
  options.spec_text = "output_dir: \"out\"\nvocabulary { min_count: 3 }\n";
  options.metadata = {{"vocab_checksum", "0123456789abcdef"}, {"words", "42"}};
  options.block_bytes = 64;
  ASSERT_TRUE(WriteRecords(path, options, VariableRecords(200, 2)).ok());
  auto reader = RecordReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  const RecordFileHeader& header = (*reader)->header();
  EXPECT_EQ(header.format_version(), kRecordFormatVersion);
  EXPECT_EQ(header.record_type(), "wordmill.Thing");
  EXPECT_EQ(header.spec_type(), "wordmill.VocabCommand");
  EXPECT_EQ(header.spec_text(), options.spec_text);
  EXPECT_EQ(header.record_count(), 200u);
  EXPECT_GT(header.block_count(), 1u);
  EXPECT_EQ(header.record_size(), 0u);
  ASSERT_EQ(header.metadata().size(), 2u);
  EXPECT_EQ(header.metadata().at("vocab_checksum"), "0123456789abcdef");
  EXPECT_EQ(header.metadata().at("words"), "42");
  EXPECT_EQ((*reader)->path(), path);
}

TEST(RecordFileTest, WriterWithoutCloseLeavesNoFile) {
  TempDir dir;
  std::string path = dir.File("abandoned.wmrec");
  {
    auto writer = RecordWriter::Open(path, RecordWriterOptions());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("record").ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(RecordFileTest, AppendAfterCloseFails) {
  TempDir dir;
  auto writer = RecordWriter::Open(dir.File("c.wmrec"), RecordWriterOptions());
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Close().ok());
  EXPECT_EQ((*writer)->Append("x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Close().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RecordFileTest, MissingFileIsNotFound) {
  TempDir dir;
  auto reader = RecordReader::Open(dir.File("missing.wmrec"));
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kNotFound);
}

// A small multi-block file shared by the corruption tests.
std::string WriteSmallFile(const TempDir& dir, std::string* bytes) {
  std::string path = dir.File("small.wmrec");
  RecordWriterOptions options;
  options.record_type = "test.Small";
  options.spec_text = "min_count: 1";
  options.block_bytes = 40;
  EXPECT_TRUE(WriteRecords(path, options, VariableRecords(40, 3)).ok());
  *bytes = ReadFile(path);
  return path;
}

TEST(RecordFileTest, EveryFlippedByteIsDataLoss) {
  TempDir dir;
  std::string original;
  std::string path = WriteSmallFile(dir, &original);
  ASSERT_TRUE(ReadAll(path).ok());
  size_t first_block = FirstBlockOffset(original);
  for (size_t i = 0; i < original.size(); ++i) {
    std::string corrupt = original;
    corrupt[i] ^= 0x20;
    WriteFile(path, corrupt);
    absl::Status status = ReadAll(path);
    ASSERT_EQ(status.code(), absl::StatusCode::kDataLoss) << "byte " << i << ": " << status;
    ASSERT_TRUE(Mentions(status, path)) << status;
    if (i < first_block) {
      EXPECT_TRUE(Mentions(status, ": header: ")) << "byte " << i << ": " << status;
    } else {
      EXPECT_TRUE(Mentions(status, ": block ")) << "byte " << i << ": " << status;
      EXPECT_TRUE(Mentions(status, " at byte offset ")) << "byte " << i << ": " << status;
    }
  }
}

TEST(RecordFileTest, CorruptBlockNamesBlockAndOffset) {
  TempDir dir;
  std::string original;
  std::string path = WriteSmallFile(dir, &original);
  // Walk to the third block (index 2) through the block headers.
  size_t offset = FirstBlockOffset(original);
  for (int block = 0; block < 2; ++block) {
    offset += kBlockHeaderBytes + LoadU32(original, offset + 4);
  }
  std::string corrupt = original;
  corrupt[offset + kBlockHeaderBytes + 1] ^= 0x01;  // inside the payload
  WriteFile(path, corrupt);
  absl::Status status = ReadAll(path);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Mentions(status, path + ": block 2 at byte offset " + std::to_string(offset) + ":"))
      << status;
  EXPECT_TRUE(Mentions(status, "hash")) << status;
}

TEST(RecordFileTest, RecordsOfEarlierBlocksAreDeliveredBeforeTheError) {
  TempDir dir;
  std::string original;
  std::string path = WriteSmallFile(dir, &original);
  std::string corrupt = original;
  corrupt[corrupt.size() - 20] ^= 0x01;  // in the last block
  WriteFile(path, corrupt);
  std::vector<std::string> read;
  EXPECT_EQ(ReadRecords(path, &read).code(), absl::StatusCode::kDataLoss);
  EXPECT_GT(read.size(), 0u);
  EXPECT_LT(read.size(), 40u);
}

TEST(RecordFileTest, EveryTruncationIsDataLoss) {
  TempDir dir;
  std::string original;
  std::string path = WriteSmallFile(dir, &original);
  for (size_t length = 0; length < original.size(); ++length) {
    WriteFile(path, original.substr(0, length));
    absl::Status status = ReadAll(path);
    ASSERT_EQ(status.code(), absl::StatusCode::kDataLoss) << "length " << length << ": " << status;
    ASSERT_TRUE(Mentions(status, path)) << status;
  }
}

TEST(RecordFileTest, TrailingBytesAreDataLoss) {
  TempDir dir;
  std::string original;
  std::string path = WriteSmallFile(dir, &original);
  WriteFile(path, original + "x");
  EXPECT_EQ(ReadAll(path).code(), absl::StatusCode::kDataLoss);
}

TEST(RecordFileTest, AbsurdHeaderSizeIsRejectedWithoutAllocating) {
  TempDir dir;
  std::string original;
  std::string path = WriteSmallFile(dir, &original);
  for (uint32_t size : {0xFFFFFFFFu, 64u << 20 | 1, static_cast<uint32_t>(original.size())}) {
    std::string corrupt = original;
    StoreU32(size, kMagicBytes, &corrupt);
    WriteFile(path, corrupt);
    auto reader = RecordReader::Open(path);
    ASSERT_EQ(reader.status().code(), absl::StatusCode::kDataLoss) << size;
    EXPECT_TRUE(Mentions(reader.status(), path + ": header: header size")) << reader.status();
  }
}

TEST(RecordFileTest, AbsurdBlockSizesAreRejected) {
  TempDir dir;
  std::string original;
  std::string path = WriteSmallFile(dir, &original);
  size_t block = FirstBlockOffset(original);
  for (size_t field : {4, 8}) {  // stored_size, raw_size
    std::string corrupt = original;
    StoreU32(0xFFFFFFF0u, block + field, &corrupt);
    WriteFile(path, corrupt);
    absl::Status status = ReadAll(path);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(Mentions(status, "block 0 at byte offset " + std::to_string(block))) << status;
  }
}

TEST(RecordFileTest, WrongMagicIsDataLoss) {
  TempDir dir;
  std::string path = dir.File("not.wmrec");
  WriteFile(path, "this is a plain text file, not a record file\n");
  auto reader = RecordReader::Open(path);
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Mentions(reader.status(), "magic")) << reader.status();
}

TEST(RecordFileTest, WrongVersionIsRejected) {
  TempDir dir;
  std::string original;
  std::string path = WriteSmallFile(dir, &original);
  // Re-encode the header with another version and a matching hash: only the version is wrong.
  uint32_t header_size = LoadU32(original, kMagicBytes);
  RecordFileHeader header;
  ASSERT_TRUE(header.ParseFromArray(original.data() + 12, header_size));
  header.set_format_version(kRecordFormatVersion + 1);
  std::string serialized = header.SerializeAsString();
  ASSERT_EQ(serialized.size(), header_size);
  uint64_t hash = XXH3_64bits(serialized.data(), serialized.size());
  std::string corrupt = original;
  corrupt.replace(12, header_size, serialized);
  for (int i = 0; i < 8; ++i) corrupt[12 + header_size + i] = static_cast<char>(hash >> (8 * i));
  WriteFile(path, corrupt);
  auto reader = RecordReader::Open(path);
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Mentions(reader.status(), "format version 2")) << reader.status();
}

TEST(RecordFileTest, LargeRecordsSpanOwnBlocks) {
  TempDir dir;
  std::string path = dir.File("large.wmrec");
  RecordWriterOptions options;
  options.block_bytes = 1000;
  std::vector<std::string> records = {std::string(5000, 'a'), "b", std::string(70000, 'c'), ""};
  ASSERT_TRUE(WriteRecords(path, options, records).ok());
  std::vector<std::string> read;
  ASSERT_TRUE(ReadRecords(path, &read).ok());
  EXPECT_EQ(read, records);
}

}  // namespace
}  // namespace wordmill
