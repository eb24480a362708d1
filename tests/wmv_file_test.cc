// The .wmv shared embedding file and the .npy writer/reader: round trips, the layout promises
// (alignment, index lookups), and every damaged file refused with the file and field named.
#include "formats/wmv_file.h"

#include <xxhash.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "formats/npy_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

EmbeddingMatrix Sample(int rows, int dim, uint32_t seed) {
  EmbeddingMatrix m;
  m.dim = dim;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  for (int r = 0; r < rows; ++r) {
    m.words.push_back(r == 0 ? "naïve" : r == 1 ? "한국어" : "w" + std::to_string(r));
    for (int j = 0; j < dim; ++j) m.values.push_back(normal(rng) * std::pow(10.0f, j % 5 - 2));
  }
  return m;
}

uint32_t LoadU32(const std::string& s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}

// Replaces the header of a .wmv image with `h`, with a valid checksum (the size must not change).
std::string WithHeader(std::string file, const WmvHeader& h) {
  const std::string header = h.SerializeAsString();
  EXPECT_EQ(header.size(), LoadU32(file, 12));
  file.replace(kWmvPreambleBytes, header.size(), header);
  const uint64_t hash = XXH3_64bits(header.data(), header.size());
  std::memcpy(&file[16], &hash, 8);
  return file;
}

WmvHeader HeaderOf(const std::string& file) {
  WmvHeader h;
  EXPECT_TRUE(h.ParseFromArray(file.data() + kWmvPreambleBytes, LoadU32(file, 12)));
  return h;
}

TEST(WmvFileTest, Float32RoundTripAndLookups) {
  testing::TempDir dir;
  const EmbeddingMatrix m = Sample(1000, 13, 1);
  WmvWriteOptions options;
  options.spec_type = "test.Spec";
  options.spec_text = "x: 1";
  options.source = "sample";
  ASSERT_TRUE(WriteWmv(dir.File("v.wmv"), m, options).ok());
  absl::StatusOr<std::unique_ptr<WmvReader>> r = WmvReader::Open(dir.File("v.wmv"));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE((*r)->VerifyChecksums().ok());
  EXPECT_EQ((*r)->rows(), 1000);
  EXPECT_EQ((*r)->dim(), 13);
  EXPECT_EQ((*r)->header().spec_text(), "x: 1");
  EXPECT_EQ((*r)->header().source(), "sample");
  EXPECT_EQ((*r)->header().matrix_offset() % 64, 0u);
  EXPECT_EQ((*r)->header().index_offset() % 64, 0u);
  for (int64_t i = 0; i < m.rows(); ++i) {
    ASSERT_EQ((*r)->Word(i), m.words[i]);
    ASSERT_EQ((*r)->Find(m.words[i]), i);
    absl::Span<const float> row = (*r)->Row(i);
    ASSERT_EQ(row.size(), 13u);
    ASSERT_EQ(std::memcmp(row.data(), m.row(i), 13 * sizeof(float)), 0) << "row " << i;
    // The matrix itself is 64-byte aligned in memory (mmap is page aligned).
    if (i == 0) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(row.data()) % 64, 0u);
    }
  }
  EXPECT_EQ((*r)->Find("absent"), -1);
  EXPECT_EQ((*r)->Find(""), -1);
  EXPECT_EQ((*r)->Find("w1"), -1);  // a prefix of w10..w19, not a word
  EXPECT_TRUE((*r)->RowF16(0).empty());
  const EmbeddingMatrix back = (*r)->ToMatrix();
  EXPECT_EQ(back.words, m.words);
  EXPECT_EQ(back.values, m.values);
}

TEST(WmvFileTest, Float16RowsAreRoundedToNearest) {
  testing::TempDir dir;
  EmbeddingMatrix m = Sample(50, 8, 2);
  m.values[0] = 65504.0f;      // largest finite half
  m.values[1] = 1.0f + 1e-4f;  // rounds to 1.0 (half ulp at 1 is 2^-10)
  m.values[2] = 6e-8f;         // a subnormal half
  WmvWriteOptions options;
  options.dtype = WMV_FLOAT16;
  ASSERT_TRUE(WriteWmv(dir.File("h.wmv"), m, options).ok());
  absl::StatusOr<std::unique_ptr<WmvReader>> r = WmvReader::Open(dir.File("h.wmv"));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE((*r)->VerifyChecksums().ok());
  EXPECT_EQ((*r)->header().matrix_bytes(), 50u * 8 * 2);
  EXPECT_TRUE((*r)->Row(0).empty());
  std::vector<float> row(8);
  for (int64_t i = 0; i < m.rows(); ++i) {
    (*r)->CopyRow(i, row.data());
    for (int j = 0; j < 8; ++j) {
      const float x = m.row(i)[j];
      ASSERT_EQ(row[j], HalfToFloat(FloatToHalf(x)));
      ASSERT_EQ((*r)->RowF16(i)[j], FloatToHalf(x));
      // Round to nearest: within half an ulp of binary16 (2^-11 relative, or 2^-25 absolute
      // for subnormals).
      ASSERT_LE(std::fabs(row[j] - x), std::max(std::fabs(x) * 0x1p-11f, 0x1p-25f)) << x;
    }
  }
  EXPECT_EQ(HalfToFloat(FloatToHalf(65504.0f)), 65504.0f);
  EXPECT_EQ(HalfToFloat(FloatToHalf(1.0f + 1e-4f)), 1.0f);
  m.values[5] = 70000.0f;
  absl::Status overflow = WriteWmv(dir.File("o.wmv"), m, options);
  EXPECT_THAT(std::string(overflow.message()),
              AllOf(HasSubstr("o.wmv"), HasSubstr("row 0"), HasSubstr("value 6"),
                    HasSubstr("overflows float16")));
  EXPECT_FALSE(testing::RunCommand("test -e " + dir.File("o.wmv")).exit_code == 0);
}

TEST(WmvFileTest, WriterRefusesDuplicateAndBadWords) {
  testing::TempDir dir;
  EmbeddingMatrix m = Sample(5, 2, 3);
  m.words[3] = m.words[1];
  EXPECT_THAT(std::string(WriteWmv(dir.File("d.wmv"), m, {}).message()),
              AllOf(HasSubstr("duplicate word"), HasSubstr("rows 1 and 3")));
  m.words[3] = "a\nb";
  EXPECT_THAT(std::string(WriteWmv(dir.File("d.wmv"), m, {}).message()), HasSubstr("row 3"));
  EXPECT_NE(testing::RunCommand("ls " + dir.path() + " | grep -q .").exit_code, 0)
      << "no file or temporary file may be left";
}

class WmvDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteWmv(dir_.File("good.wmv"), Sample(40, 5, 4), {}).ok());
    good_ = testing::ReadFile(dir_.File("good.wmv"));
  }
  // Opens `bytes` written as bad.wmv; returns the error message ("" if it opened and verified).
  std::string OpenBytes(const std::string& bytes, bool verify = false) {
    testing::WriteFile(dir_.File("bad.wmv"), bytes);
    absl::StatusOr<std::unique_ptr<WmvReader>> r = WmvReader::Open(dir_.File("bad.wmv"));
    if (!r.ok()) return std::string(r.status().message());
    return verify ? std::string((*r)->VerifyChecksums().message()) : "";
  }
  testing::TempDir dir_;
  std::string good_;
};

TEST_F(WmvDamageTest, EveryTruncationIsRefusedAtOpen) {
  // A small file, so that every prefix can be tried.
  ASSERT_TRUE(WriteWmv(dir_.File("small.wmv"), Sample(4, 2, 5), {}).ok());
  const std::string small = testing::ReadFile(dir_.File("small.wmv"));
  for (size_t n = 0; n < small.size(); ++n) {
    const std::string error = OpenBytes(small.substr(0, n));
    ASSERT_THAT(error, HasSubstr("bad.wmv")) << "prefix of " << n << " bytes";
  }
  EXPECT_THAT(OpenBytes(good_.substr(0, good_.size() - 1)),
              AllOf(HasSubstr("file_size"), HasSubstr("truncated")));
  EXPECT_THAT(OpenBytes(good_ + "x"), HasSubstr("file_size"));
}

TEST_F(WmvDamageTest, HeaderClaimingMoreRowsThanTheFileHolds) {
  // Headers edited consistently and re-checksummed, so only the layout can tell.
  WmvHeader h = HeaderOf(good_);
  h.set_rows(41);  // same varint size
  EXPECT_THAT(OpenBytes(WithHeader(good_, h)),
              AllOf(HasSubstr("bad.wmv"), HasSubstr("rows = 41"), HasSubstr("matrix_bytes")));
  h.set_matrix_bytes(41 * 5 * 4);  // fits in the padding after the matrix
  EXPECT_THAT(OpenBytes(WithHeader(good_, h)),
              AllOf(HasSubstr("bad.wmv"), HasSubstr("rows = 41"), HasSubstr("word_offsets")));
  h = HeaderOf(good_);
  h.set_rows(100);
  h.set_matrix_bytes(100 * 5 * 4);
  h.set_index_slots(256);
  EXPECT_THAT(OpenBytes(WithHeader(good_, h)),
              AllOf(HasSubstr("rows = 100"), HasSubstr("word_offsets_offset"),
                    HasSubstr("overlaps the matrix section")));
  // The later sections moved behind the larger matrix: they run past the end of the file.
  auto align = [](uint64_t x) { return (x + 63) / 64 * 64; };
  h.set_word_offsets_offset(align(h.matrix_offset() + h.matrix_bytes()));
  h.set_words_offset(align(h.word_offsets_offset() + 101 * 8));
  h.set_index_offset(align(h.words_offset() + h.words_bytes()));
  EXPECT_THAT(OpenBytes(WithHeader(good_, h)),
              AllOf(HasSubstr("rows = 100"), HasSubstr("extends past the end of the file")));
  // scripts/wmv.py applies the same checks to the same file.
  const testing::CommandResult py = testing::RunCommand("/usr/bin/python3 " + testing::SourceDir() +
                                                        "/scripts/wmv.py " + dir_.File("bad.wmv"));
  EXPECT_EQ(py.exit_code, 2);
  EXPECT_THAT(py.output, AllOf(HasSubstr("bad.wmv"), HasSubstr("rows = 100"),
                               HasSubstr("extends past the end of the file")));
  h = HeaderOf(good_);
  h.set_dim(0);
  EXPECT_THAT(OpenBytes(WithHeader(good_, h)), HasSubstr("header field dim = 0"));
  h = HeaderOf(good_);
  h.set_matrix_offset(h.matrix_offset() + 8);
  EXPECT_THAT(OpenBytes(WithHeader(good_, h)), HasSubstr("matrix_offset"));
}

TEST_F(WmvDamageTest, MagicVersionAndChecksums) {
  std::string bad = good_;
  bad[1] = 'X';
  EXPECT_THAT(OpenBytes(bad), AllOf(HasSubstr("bad.wmv"), HasSubstr("bad magic")));
  bad = good_;
  bad[8] = 2;
  EXPECT_THAT(OpenBytes(bad), HasSubstr("format_version 2"));
  bad = good_;
  bad[12] = '\xff', bad[13] = '\xff';
  EXPECT_THAT(OpenBytes(bad), HasSubstr("header_size"));
  // A flipped bit anywhere in the header is caught at open; anywhere in a section by
  // VerifyChecksums, naming that section.
  const WmvHeader h = HeaderOf(good_);
  bad = good_;
  bad[kWmvPreambleBytes + 3] ^= 1;
  EXPECT_THAT(OpenBytes(bad), HasSubstr("header checksum mismatch"));
  struct {
    uint64_t offset;
    const char* field;
  } sections[] = {{h.matrix_offset() + 17, "matrix_xxh3"},
                  {h.words_offset() + 2, "vocab_xxh3"},
                  {h.index_offset() + 9, "index_xxh3"}};
  for (const auto& s : sections) {
    bad = good_;
    bad[s.offset] ^= 0x10;
    EXPECT_THAT(OpenBytes(bad, /*verify=*/true),
                AllOf(HasSubstr("bad.wmv"), HasSubstr("checksum mismatch"), HasSubstr(s.field)));
  }
  EXPECT_THAT(std::string(ReadWmv(dir_.File("bad.wmv")).status().message()),
              HasSubstr("index_xxh3"));
  EXPECT_EQ(OpenBytes(good_, /*verify=*/true), "");
  EXPECT_EQ(WmvReader::Open(dir_.File("missing.wmv")).status().code(), absl::StatusCode::kNotFound);
}

TEST(NpyFileTest, RoundTripAndLayout) {
  testing::TempDir dir;
  const EmbeddingMatrix m = Sample(30, 7, 5);
  ASSERT_TRUE(WriteNpy(dir.File("v.npy"), m).ok());
  ASSERT_TRUE(WriteVocabTxt(dir.File("v.vocab.txt"), m).ok());
  const std::string bytes = testing::ReadFile(dir.File("v.npy"));
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t data = bytes.size() - 30 * 7 * 4;
  EXPECT_EQ(data % 64, 0u);
  EXPECT_EQ(bytes.substr(10, data - 10)
                .find("{'descr': '<f4', 'fortran_order': False, "
                      "'shape': (30, 7), }"),
            0u);
  EXPECT_EQ(bytes[data - 1], '\n');
  absl::StatusOr<EmbeddingMatrix> back =
      ReadNpyEmbeddings(dir.File("v.npy"), dir.File("v.vocab.txt"));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->words, m.words);
  EXPECT_EQ(back->values, m.values);
}

TEST(NpyFileTest, WrongShapeDtypeOrderAndMagicAreNamed) {
  testing::TempDir dir;
  const EmbeddingMatrix m = Sample(30, 7, 6);
  ASSERT_TRUE(WriteNpy(dir.File("v.npy"), m).ok());
  const std::string good = testing::ReadFile(dir.File("v.npy"));
  auto read = [&](std::string bytes) {
    testing::WriteFile(dir.File("bad.npy"), bytes);
    return std::string(ReadNpy(dir.File("bad.npy")).status().message());
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  EXPECT_THAT(read(replace("(30, 7)", "(31, 7)")),
              AllOf(HasSubstr("bad.npy"), HasSubstr("shape (31, 7)"), HasSubstr("840")));
  EXPECT_THAT(read(replace("(30, 7)", "(30,  8)")), HasSubstr("shape"));
  EXPECT_THAT(read(replace("(30, 7)", "(210,) ")),
              AllOf(HasSubstr("shape"), HasSubstr("(rows, dim)")));
  EXPECT_THAT(read(replace("<f4", "<f8")),
              AllOf(HasSubstr("bad.npy"), HasSubstr("descr"), HasSubstr("'<f8'")));
  EXPECT_THAT(read(replace("False", "True ")), HasSubstr("fortran_order"));
  EXPECT_THAT(read("PK\x03\x04 not numpy"), HasSubstr("bad magic"));
  EXPECT_THAT(read(good.substr(0, good.size() - 4)), HasSubstr("shape (30, 7)"));
  EXPECT_THAT(read(good.substr(0, 40)), HasSubstr("header length"));
  // A vocabulary with the wrong number of lines.
  testing::WriteFile(dir.File("short.txt"), "a\nb\n");
  EXPECT_THAT(
      std::string(ReadNpyEmbeddings(dir.File("v.npy"), dir.File("short.txt")).status().message()),
      AllOf(HasSubstr("short.txt"), HasSubstr("2 words"), HasSubstr("(30, 7)")));
}

}  // namespace
}  // namespace wordmill
