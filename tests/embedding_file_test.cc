#include "formats/embedding_file.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

EmbeddingMatrix SampleMatrix(int rows, int dim, uint32_t seed) {
  EmbeddingMatrix m;
  m.dim = dim;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  for (int r = 0; r < rows; ++r) {
    m.words.push_back(r == 0 ? "naïve" : r == 1 ? "한국어" : "w" + std::to_string(r));
    for (int j = 0; j < dim; ++j) m.values.push_back(normal(rng) * std::pow(10.0f, j % 7 - 3));
  }
  // Values whose text form is hardest to round-trip.
  const float special[] = {0.1f,   -0.0f,    FLT_MAX,     -FLT_MAX, FLT_MIN,
                           1e-45f, 1.0f / 3, 16777217.0f, 3.4e38f,  -1.17549421e-38f};
  for (size_t i = 0; i < sizeof(special) / sizeof(special[0]) && i < m.values.size(); ++i) {
    m.values[i] = special[i];
  }
  return m;
}

void ExpectIdentical(const EmbeddingMatrix& a, const EmbeddingMatrix& b) {
  ASSERT_EQ(a.words, b.words);
  ASSERT_EQ(a.dim, b.dim);
  ASSERT_EQ(a.values.size(), b.values.size());
  // Bitwise: -0.0 stays -0.0, denormals stay denormals.
  EXPECT_EQ(std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)), 0);
}

TEST(EmbeddingFileTest, RoundTripsAllFormatsExactly) {
  testing::TempDir dir;
  const EmbeddingMatrix m = SampleMatrix(200, 17, 1);
  struct Case {
    const char* name;
    absl::Status (*write)(const std::string&, const EmbeddingMatrix&);
    EmbeddingFormat format;
  } cases[] = {{"w2v.txt", WriteWord2vecText, EmbeddingFormat::kWord2vecText},
               {"w2v.bin", WriteWord2vecBinary, EmbeddingFormat::kWord2vecBinary},
               {"glove.txt", WriteGloveText, EmbeddingFormat::kGloveText},
               {"ft.vec", WriteFasttextVec, EmbeddingFormat::kWord2vecText}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(c.write(dir.File(c.name), m).ok());
    for (EmbeddingFormat f : {EmbeddingFormat::kAuto, c.format}) {
      absl::StatusOr<EmbeddingMatrix> read = ReadEmbeddings(dir.File(c.name), f);
      ASSERT_TRUE(read.ok()) << read.status();
      ExpectIdentical(m, *read);
    }
  }
}

TEST(EmbeddingFileTest, BinaryLayoutIsWord2vecs) {
  testing::TempDir dir;
  EmbeddingMatrix m;
  m.dim = 2;
  m.words = {"a", "bc"};
  m.values = {1.0f, -2.0f, 0.5f, 0.0f};
  ASSERT_TRUE(WriteWord2vecBinary(dir.File("v.bin"), m).ok());
  std::string expected = "2 2\na ";
  expected.append(reinterpret_cast<const char*>(&m.values[0]), 8);
  expected += "\nbc ";
  expected.append(reinterpret_cast<const char*>(&m.values[2]), 8);
  expected += "\n";
  EXPECT_EQ(testing::ReadFile(dir.File("v.bin")), expected);
  ASSERT_TRUE(WriteWord2vecText(dir.File("v.txt"), m).ok());
  EXPECT_EQ(testing::ReadFile(dir.File("v.txt")), "2 2\na 1 -2\nbc 0.5 0\n");
  ASSERT_TRUE(WriteGloveText(dir.File("g.txt"), m).ok());
  EXPECT_EQ(testing::ReadFile(dir.File("g.txt")), "a 1 -2\nbc 0.5 0\n");
  // fastText's saveVectors: a space after every value.
  ASSERT_TRUE(WriteFasttextVec(dir.File("f.vec"), m).ok());
  EXPECT_EQ(testing::ReadFile(dir.File("f.vec")), "2 2\na 1 -2 \nbc 0.5 0 \n");
}

TEST(EmbeddingFileTest, ReadsForeignTextVariants) {
  testing::TempDir dir;
  // word2vec C's text output ends each value with a space; CRLF line ends; tabs.
  testing::WriteFile(dir.File("c.txt"), "2 3 \r\nx 0.1 0.2 0.3 \r\ny\t1e-3\t-2\t4\r\n");
  absl::StatusOr<EmbeddingMatrix> m = ReadEmbeddings(dir.File("c.txt"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->words, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(m->values, (std::vector<float>{0.1f, 0.2f, 0.3f, 1e-3f, -2.0f, 4.0f}));
  testing::WriteFile(dir.File("blank-end.txt"), "1 2\nx 1 2\n\n\r\n");  // blank lines at the end
  m = ReadEmbeddings(dir.File("blank-end.txt"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->rows(), 1);
  // A binary file without the '\n' after each row (older word2vec versions).
  std::string bin = "2 1\na ";
  const float v[2] = {1.5f, -1.5f};
  bin.append(reinterpret_cast<const char*>(&v[0]), 4);
  bin += "b ";
  bin.append(reinterpret_cast<const char*>(&v[1]), 4);
  testing::WriteFile(dir.File("nonl.bin"), bin);
  m = ReadEmbeddings(dir.File("nonl.bin"), EmbeddingFormat::kWord2vecBinary);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->values, (std::vector<float>{1.5f, -1.5f}));
}

// Writes `contents` and expects ReadEmbeddings(format) to fail with `code` and a message that
// names the file and contains every one of `parts`.
void ExpectBad(const std::string& contents, absl::StatusCode code,
               const std::vector<std::string>& parts,
               EmbeddingFormat format = EmbeddingFormat::kAuto) {
  testing::TempDir dir;
  const std::string path = dir.File("bad.vec");
  testing::WriteFile(path, contents);
  absl::StatusOr<EmbeddingMatrix> m = ReadEmbeddings(path, format);
  ASSERT_FALSE(m.ok()) << "accepted: " << contents.substr(0, 80);
  EXPECT_EQ(m.status().code(), code) << m.status();
  EXPECT_THAT(std::string(m.status().message()), HasSubstr(path));
  for (const std::string& part : parts) {
    EXPECT_THAT(std::string(m.status().message()), HasSubstr(part));
  }
}

// Headers claiming more than the file can hold: nothing beyond the file's size is allocated (a
// reservation of rows * dim floats would throw here), and the error names where the data ends.
TEST(EmbeddingFileTest, RefusesAbsurdHeadersBeforeAllocating) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  ExpectBad("4611686018427387903 3\na 1 2 3\n", absl::StatusCode::kDataLoss,
            {"announces 4611686018427387903 rows", "has 1"});
  ExpectBad("1000000000000 300\na 1 2\n", kInvalid, {":2:", "expected 300"});
  ExpectBad("1 0\na\n", kInvalid, {":1:", "dimension 0"});
  ExpectBad("1 100001\na 1\n", kInvalid, {":1:", "dimension 100001"});
  std::string bin = "4611686018427387903 100\nw ";
  bin += std::string(400, '\0');
  ExpectBad(bin, absl::StatusCode::kDataLoss,
            {"row 1 (byte offset 426)", "4611686018427387903 rows"});
}

TEST(EmbeddingFileTest, RejectsBadTextRowsNamingTheLine) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  ExpectBad("2 3\na 1 2 3\nb 1 2\n", kInvalid, {":3:", "'b' has 2 values, expected 3"});
  ExpectBad("2 3\na 1 2 3\nb 1 2 3 4\n", kInvalid, {":3:", "more than 3"});
  ExpectBad("2 3\na 1 2 3\nb 1 x2 3\n", kInvalid, {":3:", "'x2'"});
  ExpectBad("2 3\na 1 2 3\nb 1 2.5.1 3\n", kInvalid, {":3:", "'2.5.1'"});
  ExpectBad("2 3\na 1 2 3\nb 1 nan 3\n", kInvalid, {":3:", "NaN or infinite"});
  ExpectBad("2 3\na 1 2 3\nb 1 -inf 3\n", kInvalid, {":3:", "NaN or infinite"});
  ExpectBad("2 3\na 1 2 3\nb 1 1e39 3\n", kInvalid, {":3:", "'1e39'"});  // overflows float32
  ExpectBad("3 3\na 1 2 3\nb 1 2 3\na 4 5 6\n", kInvalid, {":4:", "duplicate word 'a'", "line 2"});
  ExpectBad("2 3\na 1 2 3\n\nb 1 2 3\n", kInvalid, {":3:", "empty line"});
  ExpectBad("1 3\na 1 2 3\nb 1 2 3\n", kInvalid, {":3:", "more rows than the header's 1"});
  ExpectBad("3 3\na 1 2 3\nb 1 2 3\n", absl::StatusCode::kDataLoss,
            {"announces 3 rows", "has 2", "truncated"});
  // GloVe (no header): the first line fixes the dimension.
  ExpectBad("a 1 2 3\nb 1 2\n", kInvalid, {":2:", "'b' has 2 values, expected 3"});
  ExpectBad("a 1 2 3\nb 1 2 3\na 1 1 1\n", kInvalid, {":3:", "duplicate word 'a'"});
  ExpectBad("", kInvalid, {"empty file"});
  ExpectBad("a 1 2\n", kInvalid, {":1:", "word2vec header"}, EmbeddingFormat::kWord2vecText);
}

std::string BinaryFile(const std::vector<std::pair<std::string, std::vector<float>>>& rows,
                       int announced_rows, int dim) {
  std::string s = std::to_string(announced_rows) + " " + std::to_string(dim) + "\n";
  for (const auto& [word, values] : rows) {
    s += word + " ";
    s.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    s += "\n";
  }
  return s;
}

TEST(EmbeddingFileTest, RejectsBadBinaryNamingRowAndOffset) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::string good = BinaryFile({{"a", {1, 2}}, {"b", {3, 4}}}, 2, 2);
  // Truncated anywhere inside the rows: DataLoss naming a row and byte offset.
  for (size_t cut = good.find('\n') + 2; cut < good.size() - 1; ++cut) {
    SCOPED_TRACE(cut);
    ExpectBad(good.substr(0, cut), absl::StatusCode::kDataLoss, {"row ", "byte offset"},
              EmbeddingFormat::kWord2vecBinary);
  }
  ExpectBad(BinaryFile({{"a", {1, 2}}, {"b", {3, 4}}}, 3, 2), absl::StatusCode::kDataLoss,
            {"row 2 (byte offset 26)", "truncated"}, EmbeddingFormat::kWord2vecBinary);
  ExpectBad(BinaryFile({{"a", {1, 2}}, {"b", {nan, 4}}}, 2, 2), absl::StatusCode::kInvalidArgument,
            {"row 1 (byte offset 15)", "NaN or infinite"});
  ExpectBad(BinaryFile({{"a", {1, inf}}, {"b", {3, 4}}}, 2, 2), absl::StatusCode::kInvalidArgument,
            {"row 0", "NaN or infinite"});
  ExpectBad(BinaryFile({{"a", {1, 2}}, {"a", {3, 4}}}, 2, 2), absl::StatusCode::kInvalidArgument,
            {"row 1", "duplicate word 'a'", "first in row 0"});
  ExpectBad(good + "junk", absl::StatusCode::kInvalidArgument, {"bytes after the 2 announced rows"},
            EmbeddingFormat::kWord2vecBinary);
}

TEST(EmbeddingFileTest, WritersRefuseUnreadableMatrices) {
  testing::TempDir dir;
  EmbeddingMatrix m;
  m.dim = 1;
  m.words = {"two words"};
  m.values = {1};
  absl::Status s = WriteWord2vecText(dir.File("x.txt"), m);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("x.txt"), HasSubstr("whitespace")));
  m.words = {"a"};
  m.values = {1, 2};
  EXPECT_EQ(WriteWord2vecBinary(dir.File("x.bin"), m).code(), absl::StatusCode::kInvalidArgument);
  m.values = {1};
  EXPECT_FALSE(WriteGloveText(dir.File("missing-dir/x.txt"), m).ok());
  absl::StatusOr<EmbeddingMatrix> read = ReadEmbeddings(dir.File("nope.bin"));
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("nope.bin"));
}

}  // namespace
}  // namespace wordmill
