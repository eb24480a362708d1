// formats/vectors.h, the one vectors reader: every format wordmill writes opens with the same
// words and bit-identical rows (format detected from the content, not the name); word lookup;
// float16 .wmv rows converted exactly; .npy words found beside it or given; a file of no known
// format names every format tried; headers that claim more than the file holds are refused
// before anything is allocated.
#include "formats/vectors.h"

#include <cstring>
#include <string>
#include <vector>

#include "formats/embedding_file.h"
#include "formats/npy_file.h"
#include "formats/wmv_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

EmbeddingMatrix Source() {
  EmbeddingMatrix m;
  m.dim = 5;
  for (int r = 0; r < 40; ++r) {
    m.words.push_back(r == 0 ? "naïve" : "w" + std::to_string(r));
    for (int j = 0; j < m.dim; ++j) m.values.push_back(0.25f * (r - 20) + 0.0625f * j);
  }
  m.values[7] = 1e-45f;  // a denormal survives every format bit for bit
  return m;
}

void ExpectSame(const EmbeddingMatrix& want, const Vectors& got) {
  ASSERT_EQ(got.rows(), want.rows());
  ASSERT_EQ(got.dim(), want.dim);
  for (int64_t i = 0; i < want.rows(); ++i) {
    EXPECT_EQ(got.Word(i), want.words[i]) << i;
    EXPECT_EQ(got.Find(want.words[i]), i);
    EXPECT_EQ(std::memcmp(got.Row(i).data(), want.row(i), want.dim * sizeof(float)), 0) << i;
  }
  EXPECT_EQ(got.Find("absent"), -1);
  EXPECT_EQ(std::memcmp(got.Matrix().data(), want.values.data(), want.values.size() * 4), 0);
}

class VectorsTest : public ::testing::Test {
 protected:
  // Writes Source() as `name` in every format, under names that do not give the format away.
  void WriteAll() {
    ASSERT_TRUE(WriteWord2vecText(dir_.File("a"), m_).ok());
    ASSERT_TRUE(WriteWord2vecBinary(dir_.File("b"), m_).ok());
    ASSERT_TRUE(WriteFasttextVec(dir_.File("c"), m_).ok());
    ASSERT_TRUE(WriteGloveText(dir_.File("d"), m_).ok());
    ASSERT_TRUE(WriteNpy(dir_.File("e.npy"), m_).ok());
    ASSERT_TRUE(WriteVocabTxt(dir_.File("e.vocab.txt"), m_).ok());
    ASSERT_TRUE(WriteWmv(dir_.File("f"), m_, WmvWriteOptions()).ok());
  }

  testing::TempDir dir_;
  EmbeddingMatrix m_ = Source();
};

TEST_F(VectorsTest, EveryFormatOpensIdentically) {
  WriteAll();
  const std::vector<std::pair<std::string, VectorsFormat>> cases = {
      {"a", VectorsFormat::kWord2vecText}, {"b", VectorsFormat::kWord2vecBinary},
      {"c", VectorsFormat::kFasttextVec},  {"d", VectorsFormat::kGloveText},
      {"e.npy", VectorsFormat::kNpy},      {"f", VectorsFormat::kWmv}};
  for (const auto& [name, format] : cases) {
    SCOPED_TRACE(name);
    EXPECT_EQ(*DetectVectorsFormat(dir_.File(name)), format);
    absl::StatusOr<std::unique_ptr<Vectors>> v = Vectors::Open(dir_.File(name));
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ((*v)->format(), format);
    EXPECT_EQ((*v)->path(), dir_.File(name));
    ExpectSame(m_, **v);
    absl::StatusOr<EmbeddingMatrix> all = Vectors::ReadAll(dir_.File(name));
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(all->words, m_.words);
    EXPECT_EQ(std::memcmp(all->values.data(), m_.values.data(), m_.values.size() * 4), 0);
  }
}

TEST_F(VectorsTest, Float16WmvConvertedExactly) {
  WmvWriteOptions options;
  options.dtype = WMV_FLOAT16;
  ASSERT_TRUE(WriteWmv(dir_.File("h.wmv"), m_, options).ok());
  absl::StatusOr<std::unique_ptr<Vectors>> v = Vectors::Open(dir_.File("h.wmv"));
  ASSERT_TRUE(v.ok()) << v.status();
  for (int64_t i = 0; i < m_.rows(); ++i) {
    for (int j = 0; j < m_.dim; ++j) {
      EXPECT_EQ((*v)->Row(i)[j], HalfToFloat(FloatToHalf(m_.row(i)[j])));
    }
  }
  EXPECT_EQ(Vectors::ReadAll(dir_.File("h.wmv"))->values,
            std::vector<float>((*v)->Matrix().begin(), (*v)->Matrix().end()));
}

TEST_F(VectorsTest, NpyWordsBesideOrGiven) {
  ASSERT_TRUE(WriteNpy(dir_.File("m.npy"), m_).ok());
  absl::Status missing = Vectors::Open(dir_.File("m.npy")).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.message()),
              AllOf(HasSubstr("m.vocab.txt"), HasSubstr("/vocab.txt")));
  ASSERT_TRUE(WriteVocabTxt(dir_.File("vocab.txt"), m_).ok());
  absl::StatusOr<std::unique_ptr<Vectors>> v = Vectors::Open(dir_.File("m.npy"));
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectSame(m_, **v);
  testing::WriteFile(dir_.File("short.txt"), "a\nb\n");
  VectorsOptions options;
  options.npy_vocab = dir_.File("short.txt");
  EXPECT_THAT(std::string(Vectors::Open(dir_.File("m.npy"), options).status().message()),
              AllOf(HasSubstr("short.txt"), HasSubstr("2 words"), HasSubstr("(40, 5)")));
}

TEST_F(VectorsTest, UnknownFormatNamesTheFormatsTried) {
  testing::WriteFile(dir_.File("junk"), std::string("\x1f\x8b\x08\x00junk\n", 9));
  testing::WriteFile(dir_.File("empty"), "");
  testing::WriteFile(dir_.File("words"), "the\nof\n");
  for (const char* name : {"junk", "empty", "words"}) {
    absl::Status s = Vectors::Open(dir_.File(name)).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(
        std::string(s.message()),
        AllOf(HasSubstr(dir_.File(name)), HasSubstr("unknown vectors format"), HasSubstr(".wmv"),
              HasSubstr(".npy"), HasSubstr("word2vec binary"), HasSubstr("word2vec text"),
              HasSubstr("fastText .vec"), HasSubstr("GloVe text")));
  }
  EXPECT_THAT(std::string(Vectors::Open(dir_.File("junk")).status().message()),
              HasSubstr("first bytes 1F 8B 08 00"));
  EXPECT_EQ(Vectors::Open(dir_.File("nothing")).status().code(), absl::StatusCode::kNotFound);
}

// Headers that claim a matrix far beyond the file (400 TB) fail with an error naming the file,
// without trying to allocate it (that would throw std::bad_alloc and end the test).
TEST_F(VectorsTest, HeaderSizesCheckedAgainstTheFile) {
  const std::string float_bytes(8, '\x01');
  testing::WriteFile(dir_.File("bin"), "1000000000000 100\nw " + float_bytes + "\n");
  testing::WriteFile(dir_.File("txt"), "1000000000000 100\nw 1 2\n");
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 100), }";
  dict.append(64 - (10 + dict.size() + 1) % 64, ' ');
  dict += '\n';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8);
  npy += static_cast<char>(dict.size() & 0xff);
  npy += static_cast<char>(dict.size() >> 8);
  testing::WriteFile(dir_.File("big.npy"), npy + dict + std::string(400, '\0'));
  testing::WriteFile(dir_.File("big.vocab.txt"), "w\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bin", "has only 9 of 400 vector bytes"},
      {"txt", ":2: word 'w' has 2 values, expected 100"},
      {"big.npy", "shape (1000000000000, 100) needs"}};
  for (const auto& [name, message] : cases) {
    absl::Status s = Vectors::Open(dir_.File(name)).status();
    EXPECT_FALSE(s.ok()) << name;
    EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr(dir_.File(name)), HasSubstr(message)));
  }
  // A .wmv whose header claims more rows than its sections hold (WmvReader checks it).
  ASSERT_TRUE(WriteWmv(dir_.File("f.wmv"), m_, WmvWriteOptions()).ok());
  std::string wmv = testing::ReadFile(dir_.File("f.wmv"));
  wmv.resize(wmv.size() - 64);
  testing::WriteFile(dir_.File("cut.wmv"), wmv);
  absl::Status cut = Vectors::Open(dir_.File("cut.wmv")).status();
  EXPECT_EQ(cut.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(cut.message()), HasSubstr("cut.wmv"));
}

}  // namespace
}  // namespace wordmill
