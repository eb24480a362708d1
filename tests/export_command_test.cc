// `wordmill export` end to end: every format loaded by Debian's gensim and NumPy (and .wmv by
// scripts/wmv.py and the C++ reader) equals the source model; float16 and normalized exports;
// row order by a token list with unknown tokens; bad inputs exit 2 and leave nothing behind.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "formats/embedding_export.h"
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
using ::testing::Not;

EmbeddingMatrix Source() {
  EmbeddingMatrix m;
  m.dim = 9;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0, 1);
  for (int r = 0; r < 60; ++r) {
    m.words.push_back(r == 0 ? "naïve" : r == 1 ? "한국어" : "w" + std::to_string(r));
    for (int j = 0; j < m.dim; ++j) m.values.push_back(normal(rng) * std::pow(10.0f, j % 4 - 2));
  }
  m.values[3] = 1e-45f;  // a denormal must survive every format bit for bit
  return m;
}

// Loads every format with the library a user would use and dumps the rows it got as raw
// float32 (NAME.f32) and the words as lines (NAME.words).
constexpr char kLoadScript[] = R"PY(
import sys
import numpy as np
from gensim.models import KeyedVectors
out, base, scripts = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, scripts)
import wmv

def dump(name, words, matrix):
    np.asarray(matrix, dtype='<f4').tofile(f'{out}/{name}.f32')
    with open(f'{out}/{name}.words', 'w', encoding='utf8') as f:
        f.write(''.join(w + '\n' for w in words))

for name, path, kwargs in [('txt', '.txt', {}), ('bin', '.bin', {'binary': True}),
                           ('vec', '.vec', {}), ('glove', '.glove.txt', {'no_header': True})]:
    try:
        kv = KeyedVectors.load_word2vec_format(base + path, **kwargs)
    except FileNotFoundError:
        continue
    dump(name, kv.index_to_key, kv.vectors)
try:
    a = np.load(base + '.npy', mmap_mode='r')
    assert a.dtype == np.dtype('<f4') and a.flags['C_CONTIGUOUS'] and a.ndim == 2, a.dtype
    with open(base + '.vocab.txt', encoding='utf8') as f:
        dump('npy', f.read().split('\n')[:-1], a)
except FileNotFoundError:
    pass
matrix, index = wmv.open_wmv(base + '.wmv')
assert isinstance(matrix, np.memmap)
words = sorted(index, key=index.get)
assert [index[w] for w in words] == list(range(len(words)))
print('wmv_dtype', matrix.dtype.name)
dump('wmv', words, matrix)
)PY";

class ExportCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(testing::RunCommand("/usr/bin/python3 -c 'import gensim, numpy'").exit_code, 0)
        << "/usr/bin/python3 cannot import gensim and numpy: run scripts/setup.sh";
    source_ = Source();
    ASSERT_TRUE(WriteWord2vecBinary(dir_.File("in.bin"), source_).ok());
    testing::WriteFile(dir_.File("load.py"), kLoadScript);
  }

  testing::CommandResult Export(const std::string& flags) {
    return testing::RunCommand(testing::WordmillBin() + " export --input " + dir_.File("in.bin") +
                               " " + flags);
  }

  // Runs the loader on DIR/vectors.*; returns its output.
  std::string Load(const std::string& out) {
    const testing::CommandResult r =
        testing::RunCommand("/usr/bin/python3 " + dir_.File("load.py") + " " + out + " " + out +
                            "/vectors " + testing::Quote(testing::SourceDir() + "/scripts"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  // What the loader dumped for `name`.
  EmbeddingMatrix Loaded(const std::string& out, const std::string& name) {
    EmbeddingMatrix m;
    m.dim = source_.dim;
    const std::string raw = testing::ReadFile(out + "/" + name + ".f32");
    m.values.resize(raw.size() / sizeof(float));
    std::memcpy(m.values.data(), raw.data(), raw.size());
    std::string words = testing::ReadFile(out + "/" + name + ".words");
    for (size_t start = 0, end; (end = words.find('\n', start)) != std::string::npos;
         start = end + 1) {
      m.words.push_back(words.substr(start, end - start));
    }
    return m;
  }

  std::string Listing(const std::string& d) {
    return testing::RunCommand("ls -A " + d + " | sort | tr '\\n' ' '").output;
  }

  testing::TempDir dir_;
  EmbeddingMatrix source_;
};

TEST_F(ExportCommandTest, EveryFormatLoadsInGensimAndNumpyBitForBit) {
  const std::string out = dir_.File("out");
  const testing::CommandResult r = Export("--output-dir " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("60 rows x 9 dimensions"), HasSubstr("vectors.wmv")));
  EXPECT_EQ(Listing(out),
            "vectors.bin vectors.glove.txt vectors.npy vectors.txt vectors.vec vectors.vocab.txt "
            "vectors.wmv ");
  EXPECT_THAT(Load(out), HasSubstr("wmv_dtype float32"));
  for (const char* name : {"txt", "bin", "vec", "glove", "npy", "wmv"}) {
    SCOPED_TRACE(name);
    const EmbeddingMatrix got = Loaded(out, name);
    EXPECT_EQ(got.words, source_.words);
    ASSERT_EQ(got.values.size(), source_.values.size());
    EXPECT_EQ(std::memcmp(got.values.data(), source_.values.data(),
                          source_.values.size() * sizeof(float)),
              0);
  }
  // fastText's .vec layout: a space before every line end.
  const std::string vec = testing::ReadFile(out + "/vectors.vec");
  EXPECT_EQ(vec.substr(0, 5), "60 9\n");
  EXPECT_EQ(vec.substr(vec.size() - 2), " \n");
  // The C++ reader on the same file; and a .wmv is itself an accepted input.
  absl::StatusOr<EmbeddingMatrix> wmv = ReadWmv(out + "/vectors.wmv");
  ASSERT_TRUE(wmv.ok()) << wmv.status();
  EXPECT_EQ(wmv->values, source_.values);
  const testing::CommandResult again = testing::RunCommand(
      testing::WordmillBin() + " export --input " + out + "/vectors.wmv --output-dir " +
      dir_.File("again") + " --formats word2vec_binary");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(testing::ReadFile(dir_.File("again/vectors.bin")),
            testing::ReadFile(dir_.File("in.bin")));
}

TEST_F(ExportCommandTest, Float16AndNormalizedRows) {
  const std::string out = dir_.File("out");
  const testing::CommandResult r = Export("--output-dir " + out +
                                          " --formats wmv --formats numpy --dtype float16 "
                                          "--normalize");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Listing(out), "vectors.npy vectors.vocab.txt vectors.wmv ");
  EXPECT_THAT(Load(out), HasSubstr("wmv_dtype float16"));
  const EmbeddingMatrix npy = Loaded(out, "npy");
  const EmbeddingMatrix half = Loaded(out, "wmv");
  ASSERT_EQ(npy.words, source_.words);
  ASSERT_EQ(half.words, source_.words);
  for (int64_t i = 0; i < source_.rows(); ++i) {
    double norm = 0, npy_norm = 0, half_norm = 0;
    for (int j = 0; j < source_.dim; ++j) norm += std::pow(double{source_.row(i)[j]}, 2);
    norm = std::sqrt(norm);
    for (int j = 0; j < source_.dim; ++j) {
      const float x = npy.row(i)[j];
      ASSERT_NEAR(x, source_.row(i)[j] / norm, 1e-7) << "row " << i;
      // float16 = the normalized float32 value rounded to nearest binary16.
      ASSERT_EQ(half.row(i)[j], HalfToFloat(FloatToHalf(x))) << "row " << i;
      ASSERT_LE(std::fabs(half.row(i)[j] - x), std::max(std::fabs(x) * 0x1p-11f, 0x1p-25f));
      npy_norm += double{x} * x;
      half_norm += double{half.row(i)[j]} * half.row(i)[j];
    }
    ASSERT_NEAR(std::sqrt(npy_norm), 1.0, 1e-6) << "row " << i;
    ASSERT_NEAR(std::sqrt(half_norm), 1.0, 2e-3) << "row " << i;
  }
  absl::StatusOr<std::unique_ptr<WmvReader>> reader = WmvReader::Open(out + "/vectors.wmv");
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_TRUE((*reader)->normalized());
  EXPECT_EQ((*reader)->dtype(), WMV_FLOAT16);
  EXPECT_EQ((*reader)->header().spec_type(), "wordmill.ExportCommand");
  EXPECT_THAT((*reader)->header().spec_text(), HasSubstr("normalize: true"));
}

TEST_F(ExportCommandTest, RowOrderByTokenListWithUnknownTokens) {
  // Tokens: some input words in another order, two the input lacks; input rows not listed are
  // dropped.
  const std::vector<std::string> tokens = {"w5", "unknown-a", "naïve", "w59", "unknown-b", "w2"};
  std::string list;
  for (const std::string& t : tokens) list += t + "\n";
  testing::WriteFile(dir_.File("tokens.txt"), list);
  std::vector<double> mean(source_.dim, 0.0);
  for (int64_t i = 0; i < source_.rows(); ++i) {
    for (int j = 0; j < source_.dim; ++j) mean[j] += source_.row(i)[j] / 60.0;
  }
  for (const char* rule : {"zero", "mean", "random"}) {
    SCOPED_TRACE(rule);
    const std::string out = dir_.File(std::string("out-") + rule);
    const testing::CommandResult r =
        Export("--output-dir " + out + " --formats wmv --formats numpy --row-order " +
               dir_.File("tokens.txt") + " --unknown-rows " + rule + " --seed 11");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, AllOf(HasSubstr("6 rows x 9 dimensions"),
                                HasSubstr("2 tokens missing from the input"),
                                HasSubstr("56 input rows dropped")));
    absl::StatusOr<EmbeddingMatrix> npy =
        ReadNpyEmbeddings(out + "/vectors.npy", out + "/vectors.vocab.txt");
    ASSERT_TRUE(npy.ok()) << npy.status();
    EXPECT_EQ(npy->words, tokens);
    absl::StatusOr<std::unique_ptr<WmvReader>> wmv = WmvReader::Open(out + "/vectors.wmv");
    ASSERT_TRUE(wmv.ok()) << wmv.status();
    for (int64_t k = 0; k < 6; ++k) {
      EXPECT_EQ((*wmv)->Find(tokens[k]), k);
      EXPECT_EQ(std::vector<float>((*wmv)->Row(k).begin(), (*wmv)->Row(k).end()),
                std::vector<float>(npy->row(k), npy->row(k) + 9));
    }
    const int known[] = {0, 2, 3, 5};
    const int source_row[] = {5, 0, 59, 2};
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(std::memcmp(npy->row(known[i]), source_.row(source_row[i]), 9 * sizeof(float)), 0);
    }
    for (int k : {1, 4}) {
      for (int j = 0; j < 9; ++j) {
        const float v = npy->row(k)[j];
        if (std::string(rule) == "zero") {
          EXPECT_EQ(v, 0.0f);
        } else if (std::string(rule) == "mean") {
          EXPECT_NEAR(v, mean[j], 1e-6 * std::max(1.0, std::fabs(mean[j])));
        } else {
          EXPECT_GE(v, -0.5f / 9);
          EXPECT_LT(v, 0.5f / 9);
        }
      }
    }
    if (std::string(rule) == "random") {
      // Seeded per token id: different rows, the same on a rerun, different for another seed.
      EXPECT_NE(std::memcmp(npy->row(1), npy->row(4), 9 * sizeof(float)), 0);
      ASSERT_EQ(Export("--output-dir " + out + "2 --formats numpy --row-order " +
                       dir_.File("tokens.txt") + " --unknown-rows random --seed 11")
                    .exit_code,
                0);
      EXPECT_EQ(testing::ReadFile(out + "2/vectors.npy"), testing::ReadFile(out + "/vectors.npy"));
      ASSERT_EQ(Export("--output-dir " + out + "3 --formats numpy --row-order " +
                       dir_.File("tokens.txt") + " --unknown-rows random --seed 12")
                    .exit_code,
                0);
      EXPECT_NE(testing::ReadFile(out + "3/vectors.npy"), testing::ReadFile(out + "/vectors.npy"));
    }
  }
  // A vocab.tsv gives the same order as the plain list.
  std::string tsv;
  for (size_t k = 0; k < tokens.size(); ++k)
    tsv += tokens[k] + "\t" + std::to_string(10 - k) + "\n";
  testing::WriteFile(dir_.File("vocab.tsv"), tsv);
  ASSERT_EQ(Export("--output-dir " + dir_.File("tsv") + " --formats numpy --row-order " +
                   dir_.File("vocab.tsv"))
                .exit_code,
            0);
  EXPECT_EQ(testing::ReadFile(dir_.File("tsv/vectors.vocab.txt")), list);
}

TEST_F(ExportCommandTest, WmvScriptPrintsNeighboursLikeWordmill) {
  const std::string out = dir_.File("out");
  ASSERT_EQ(Export("--output-dir " + out + " --formats wmv --formats word2vec_text").exit_code, 0);
  const testing::CommandResult py =
      testing::RunCommand("/usr/bin/python3 " + testing::SourceDir() + "/scripts/wmv.py " + out +
                          "/vectors.wmv w7 --k 3");
  ASSERT_EQ(py.exit_code, 0) << py.output;
  const testing::CommandResult cc = testing::RunCommand(
      testing::WordmillBin() + " neighbors --vectors " + out + "/vectors.txt --k 3 w7");
  ASSERT_EQ(cc.exit_code, 0) << cc.output;
  // Same three words in the same order, same cosines to 4 digits.
  std::vector<std::string> py_lines, cc_lines;
  for (const std::string* text : {&py.output, &cc.output}) {
    std::vector<std::string>& lines = text == &py.output ? py_lines : cc_lines;
    size_t at = text->find("w7:\n");
    ASSERT_NE(at, std::string::npos) << *text;
    for (size_t start = at + 4, end;
         (end = text->find('\n', start)) != std::string::npos && lines.size() < 3;
         start = end + 1) {
      std::string line = text->substr(start, end - start);
      line.erase(0, line.find_first_not_of(' '));
      line.erase(line.find(' '), line.find_last_of(' ') - line.find(' ') + 1);
      lines.push_back(line);
    }
  }
  EXPECT_EQ(py_lines, cc_lines);
  EXPECT_EQ(py_lines.size(), 3u);
  const testing::CommandResult vector =
      testing::RunCommand("/usr/bin/python3 " + testing::SourceDir() + "/scripts/wmv.py " + out +
                          "/vectors.wmv --vector naïve");
  ASSERT_EQ(vector.exit_code, 0) << vector.output;
  // The row exactly (Python prints the float32 values as doubles, which parse back exactly).
  ASSERT_EQ(vector.output.rfind("naïve ", 0), 0u) << vector.output;
  std::vector<float> row;
  for (const char* p = vector.output.c_str() + std::strlen("naïve "); *p != '\n' && *p;) {
    char* end;
    row.push_back(static_cast<float>(std::strtod(p, &end)));
    if (end == p) break;
    p = end;
  }
  EXPECT_EQ(row, std::vector<float>(source_.row(0), source_.row(0) + source_.dim));
}

TEST_F(ExportCommandTest, BadInputsExit2AndLeaveNothingBehind) {
  const std::string out = dir_.File("out");
  ASSERT_EQ(Export("--output-dir " + out + " --formats word2vec_text").exit_code, 0);
  const std::string before = testing::ReadFile(out + "/vectors.txt");
  // Input missing.
  testing::CommandResult r =
      testing::RunCommand(testing::WordmillBin() + " export --input " + dir_.File("nope.bin") +
                          " --output-dir " + dir_.File("out2"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr("nope.bin"), HasSubstr("No such file")));
  EXPECT_EQ(Listing(dir_.path()), "in.bin load.py out ");
  // Output directory that is a file.
  testing::WriteFile(dir_.File("file"), "keep");
  r = Export("--output-dir " + dir_.File("file"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr("file: output_dir exists and is not a directory")));
  EXPECT_EQ(testing::ReadFile(dir_.File("file")), "keep");
  // A value that overflows float16 fails the last format: nothing in out changes, no staging.
  EmbeddingMatrix big = source_;
  big.values[20] = 1e6f;
  ASSERT_TRUE(WriteWord2vecBinary(dir_.File("big.bin"), big).ok());
  r = testing::RunCommand(testing::WordmillBin() + " export --input " + dir_.File("big.bin") +
                          " --output-dir " + out + " --dtype float16");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr("vectors.wmv"), HasSubstr("overflows float16")));
  EXPECT_EQ(Listing(out), "vectors.txt ");
  EXPECT_EQ(testing::ReadFile(out + "/vectors.txt"), before);
  // A damaged .wmv input (truncated; one bit flipped in the matrix).
  ASSERT_EQ(Export("--output-dir " + dir_.File("w") + " --formats wmv").exit_code, 0);
  const std::string wmv = testing::ReadFile(dir_.File("w/vectors.wmv"));
  testing::WriteFile(dir_.File("trunc.wmv"), wmv.substr(0, wmv.size() - 100));
  std::string flipped = wmv;
  flipped[flipped.size() / 3] ^= 4;
  testing::WriteFile(dir_.File("flip.wmv"), flipped);
  for (const char* name : {"trunc.wmv", "flip.wmv"}) {
    r = testing::RunCommand(testing::WordmillBin() + " export --input " + dir_.File(name) +
                            " --output-dir " + out);
    EXPECT_EQ(r.exit_code, 2) << name;
    EXPECT_THAT(r.output, HasSubstr(name));
  }
  EXPECT_EQ(Listing(out), "vectors.txt ");
  // scripts/wmv.py refuses the same files, naming the field.
  testing::WriteFile(dir_.File("magic.wmv"), "WMV" + wmv.substr(3));
  struct {
    const char* name;
    const char* error;
  } py_cases[] = {{"trunc.wmv", "header field file_size"}, {"magic.wmv", "bad magic"}};
  for (const auto& c : py_cases) {
    r = testing::RunCommand("/usr/bin/python3 " + testing::SourceDir() + "/scripts/wmv.py " +
                            dir_.File(c.name) + " w3");
    EXPECT_EQ(r.exit_code, 2) << c.name;
    EXPECT_THAT(r.output, AllOf(HasSubstr(c.name), HasSubstr(c.error)));
  }
  // A row order with a repeated token; an unknown format; a bad dtype.
  testing::WriteFile(dir_.File("dup.txt"), "w1\nw2\nw1\n");
  r = Export("--output-dir " + out + " --row-order " + dir_.File("dup.txt"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr("dup.txt:3"), HasSubstr("repeats line 1")));
  EXPECT_EQ(Export("--output-dir " + out + " --formats parquet").exit_code, 2);
  EXPECT_EQ(Export("--output-dir " + out + " --dtype float64").exit_code, 2);
  EXPECT_EQ(Listing(out), "vectors.txt ");
  EXPECT_EQ(testing::ReadFile(out + "/vectors.txt"), before);
}

TEST_F(ExportCommandTest, StagingLeftByAKilledExportIsRemoved) {
  const std::string out = dir_.File("out");
  // The pid of a process that has exited.
  const std::string dead = testing::RunCommand("sh -c 'echo $$'").output;
  const std::string stale = out + "/.export.tmp." + dead.substr(0, dead.find('\n'));
  ASSERT_EQ(testing::RunCommand("mkdir -p " + stale).exit_code, 0);
  testing::WriteFile(stale + "/vectors.txt", "60 9\nhalf a fi");
  const testing::CommandResult r = Export("--output-dir " + out + " --formats word2vec_text");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Listing(out), "vectors.txt ");
}

}  // namespace
}  // namespace wordmill
