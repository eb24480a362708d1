#include "embeddings/evaluation.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "embeddings/eval_data.h"
#include "formats/embedding_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::testing::HasSubstr;

EmbeddingMatrix Matrix(const std::vector<std::pair<std::string, std::vector<float>>>& rows) {
  EmbeddingMatrix m;
  m.dim = static_cast<int>(rows[0].second.size());
  for (const auto& [word, values] : rows) {
    m.words.push_back(word);
    m.values.insert(m.values.end(), values.begin(), values.end());
  }
  return m;
}

// Reads `contents` with `read` from a temporary file and expects InvalidArgument naming the file
// and `where` (e.g. ":3:").
template <typename Reader>
void ExpectBadFile(Reader read, const std::string& contents, const std::string& where) {
  testing::TempDir dir;
  const std::string path = dir.File("data.txt");
  testing::WriteFile(path, contents);
  auto result = read(path);
  ASSERT_FALSE(result.ok()) << contents;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(path + where));
}

TEST(EvalDataTest, ReadsAnalogySections) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("q.txt"),
                     ": capital-common-countries\nAthens Greece Baghdad Iraq\r\n\n"
                     ": gram1-adjective-to-adverb\namazing amazingly apparent apparently\n");
  absl::StatusOr<std::vector<AnalogySection>> s = ReadAnalogyFile(dir.File("q.txt"));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].name, "capital-common-countries");
  EXPECT_FALSE((*s)[0].syntactic());
  EXPECT_TRUE((*s)[1].syntactic());
  EXPECT_EQ((*s)[0].questions[0][3], "Iraq");
  EXPECT_EQ((*s)[1].questions[0][2], "apparent");
}

TEST(EvalDataTest, MalformedAnalogyLinesNameFileAndLine) {
  ExpectBadFile(ReadAnalogyFile, ": s\na b c d\na b c\n", ":3:");
  ExpectBadFile(ReadAnalogyFile, ": s\na b c d e\n", ":2:");
  ExpectBadFile(ReadAnalogyFile, "a b c d\n: s\n", ":1:");
  absl::StatusOr<std::vector<AnalogySection>> missing = ReadAnalogyFile("/nonexistent/q.txt");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/nonexistent/q.txt"));
}

TEST(EvalDataTest, ReadsSimilarityPairsLikeGensim) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("s.txt"), "# comment\nlove\tsex\t6.77\r\n\ntiger\tcat\t7.35\n");
  absl::StatusOr<std::vector<SimilarityPair>> p = ReadSimilarityFile(dir.File("s.txt"));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].word2, "sex");
  EXPECT_DOUBLE_EQ((*p)[0].score, 6.77);
  EXPECT_EQ((*p)[1].word1, "tiger");
  ExpectBadFile(ReadSimilarityFile, "a\tb\t1\nc\td\tmany\n", ":2:");
  ExpectBadFile(ReadSimilarityFile, "a\tb\n", ":1:");
  ExpectBadFile(ReadSimilarityFile, "a\tb\t1\tx\n", ":1:");
  ExpectBadFile(ReadSimilarityFile, "a\tb\tnan\n", ":1:");
}

TEST(EvalDataTest, FoldCaseUpperCasesUnicode) {
  EXPECT_EQ(FoldCase("Athens"), "ATHENS");
  EXPECT_EQ(FoldCase("naïve"), "NAÏVE");
  EXPECT_EQ(FoldCase("straße"), "STRAßE");  // simple mapping: ß has no single upper case
  EXPECT_EQ(FoldCase("한국"), "한국");
  EXPECT_EQ(FoldCase(std::string("a\xff", 2)), std::string("A\xff", 2));
}

// king - man + woman = queen, in a space where both methods must find it.
EmbeddingMatrix RoyalEmbedding() {
  return Matrix({{"man", {1, 0, 0, 0.1f}},
                 {"woman", {1, 1, 0, 0.1f}},
                 {"king", {1, 0, 1, 0}},
                 {"queen", {1, 1, 1, 0}},
                 {"apple", {0, 0, 0, 1}},
                 {"Paris", {0, 0.2f, 0, 1}},
                 {"paris", {5, 5, 5, 5}},
                 {"rare", {1, 1, 1, 0.1f}}});
}

std::vector<AnalogySection> Sections(
    const std::vector<std::pair<std::string, std::vector<std::array<std::string, 4>>>>& s) {
  std::vector<AnalogySection> out;
  for (const auto& [name, questions] : s) out.push_back({name, questions});
  return out;
}

TEST(EvaluationTest, SolvesAKnownAnalogyWithBothMethods) {
  const EmbeddingMatrix m = RoyalEmbedding();
  const NormalizedVocab vocab(m, 7, /*case_insensitive=*/true);
  const AnalogyResult r = EvaluateAnalogies(
      vocab,
      Sections(
          {{"family", {{"man", "woman", "king", "queen"}, {"MAN", "King", "woman", "queen"}}},
           {"gram-x", {{"king", "queen", "man", "woman"}, {"man", "woman", "king", "rare"}}}}));
  ASSERT_EQ(r.sections.size(), 2u);
  EXPECT_EQ(r.sections[0].answered, 2);
  EXPECT_EQ(r.sections[0].correct_add, 2);
  EXPECT_EQ(r.sections[0].correct_mul, 2);
  // "rare" is row 7, outside restrict_vocab = 7: skipped and counted.
  EXPECT_EQ(r.sections[1].questions, 2);
  EXPECT_EQ(r.sections[1].answered, 1);
  EXPECT_EQ(r.sections[1].correct_add, 1);
  EXPECT_EQ(r.semantic.answered, 2);
  EXPECT_EQ(r.syntactic.answered, 1);
  EXPECT_EQ(r.total.correct_add, 3);
  EXPECT_DOUBLE_EQ(r.coverage(), 3.0 / 4);
  EXPECT_DOUBLE_EQ(r.total.accuracy_mul(), 1.0);
}

TEST(EvaluationTest, CaseFoldingUsesTheFirstRowLikeGensim) {
  const EmbeddingMatrix m = RoyalEmbedding();
  const NormalizedVocab folded(m, 0, true);
  EXPECT_EQ(folded.Find("PARIS"), 5);
  EXPECT_EQ(folded.Find("paris"), 5);
  EXPECT_EQ(folded.canonical(6), 5);
  const NormalizedVocab exact(m, 0, false);
  EXPECT_EQ(exact.Find("paris"), 6);
  EXPECT_EQ(exact.Find("PARIS"), -1);
}

TEST(EvaluationTest, SpearmanAveragesTiedRanks) {
  EXPECT_EQ(AverageRanks({10, 20, 20, 5, 20}), (std::vector<double>{2, 4, 4, 1, 4}));
  // Ranks x = (1, 2.5, 2.5, 4), y = (1, 3, 2, 4): rho = 4.5 / sqrt(4.5 * 5).
  EXPECT_NEAR(SpearmanCorrelation({1, 2, 2, 3}, {1, 3, 2, 4}), 4.5 / std::sqrt(22.5), 1e-12);
  EXPECT_NEAR(SpearmanCorrelation({1, 2, 3}, {30, 20, 10}), -1.0, 1e-12);
  EXPECT_TRUE(std::isnan(SpearmanCorrelation({1, 1, 1}, {1, 2, 3})));
}

TEST(EvaluationTest, SimilaritySkipsAndCountsUnknownPairs) {
  const EmbeddingMatrix m = RoyalEmbedding();
  const NormalizedVocab vocab(m, 0, true);
  absl::StatusOr<SimilarityScore> s = EvaluateSimilarity(
      vocab, {{"king", "queen", 9}, {"man", "apple", 1}, {"WOMAN", "queen", 8}, {"x", "king", 3}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->pairs, 4);
  EXPECT_EQ(s->oov, 1);
  EXPECT_DOUBLE_EQ(s->oov_share(), 0.25);
  // Cosines: king-queen 0.816, man-apple 0.0995, woman-queen 0.814: same order as the scores.
  EXPECT_NEAR(s->spearman, 1.0, 1e-12);
  EXPECT_FALSE(EvaluateSimilarity(vocab, {{"x", "y", 1}}).ok());
}

TEST(EvaluationTest, NeighborsExcludeTheWordItself) {
  const EmbeddingMatrix m = RoyalEmbedding();
  const NormalizedVocab vocab(m, 0, false);
  absl::StatusOr<std::vector<Neighbor>> n = NearestNeighbors(vocab, "king", 2);
  ASSERT_TRUE(n.ok()) << n.status();
  ASSERT_EQ(n->size(), 2u);
  EXPECT_EQ((*n)[0].word, "queen");
  EXPECT_NEAR((*n)[0].cosine, 2 / std::sqrt(6.0), 1e-6);
  EXPECT_EQ((*n)[1].word, "rare");
  EXPECT_EQ(NearestNeighbors(vocab, "nope", 3).status().code(), absl::StatusCode::kNotFound);
}

// A straightforward double-precision reimplementation, question by question.
std::pair<int, int> NaiveAnalogies(const EmbeddingMatrix& m, int64_t limit,
                                   const std::vector<std::array<int, 4>>& questions) {
  std::vector<std::vector<double>> unit(limit, std::vector<double>(m.dim));
  for (int64_t r = 0; r < limit; ++r) {
    double norm = 0;
    for (int j = 0; j < m.dim; ++j) norm += double(m.row(r)[j]) * m.row(r)[j];
    for (int j = 0; j < m.dim; ++j) unit[r][j] = m.row(r)[j] / std::sqrt(norm);
  }
  auto cos = [&](int64_t x, int64_t y) {
    double s = 0;
    for (int j = 0; j < m.dim; ++j) s += unit[x][j] * unit[y][j];
    return s;
  };
  int add_correct = 0, mul_correct = 0;
  for (const auto& q : questions) {
    double best_add = -1e300, best_mul = -1e300;
    int64_t arg_add = -1, arg_mul = -1;
    for (int64_t d = 0; d < limit; ++d) {
      if (d == q[0] || d == q[1] || d == q[2]) continue;
      const double ca = cos(d, q[0]), cb = cos(d, q[1]), cc = cos(d, q[2]);
      const double add = cb - ca + cc;
      const double mul = (cb + 1) / 2 * (cc + 1) / 2 / ((ca + 1) / 2 + 1e-3);
      if (add > best_add) best_add = add, arg_add = d;
      if (mul > best_mul) best_mul = mul, arg_mul = d;
    }
    add_correct += arg_add == q[3];
    mul_correct += arg_mul == q[3];
  }
  return {add_correct, mul_correct};
}

TEST(EvaluationTest, BatchedAnalogiesEqualANaiveImplementation) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0, 1);
  EmbeddingMatrix m;
  m.dim = 16;
  for (int r = 0; r < 400; ++r) {
    m.words.push_back("w" + std::to_string(r));
    for (int j = 0; j < m.dim; ++j) m.values.push_back(normal(rng));
  }
  // Plant an offset for half of the pairs so that both methods get some right.
  std::vector<float> offset(m.dim);
  for (float& x : offset) x = normal(rng);
  for (int r = 0; r < 100; r += 2) {
    for (int j = 0; j < m.dim; ++j) {
      m.mutable_row(r + 1)[j] = m.row(r)[j] + offset[j] + 0.8f * normal(rng);
    }
  }
  std::vector<std::array<int, 4>> questions;
  AnalogySection section{"planted", {}};
  std::uniform_int_distribution<int> pair(0, 49);
  for (int i = 0; i < 600; ++i) {
    const int p = pair(rng) * 2, q = pair(rng) * 2;
    if (p == q) continue;
    questions.push_back({p, p + 1, q, q + 1});
    section.questions.push_back({m.words[p], m.words[p + 1], m.words[q], m.words[q + 1]});
  }
  const NormalizedVocab vocab(m, 300, false);
  const AnalogyResult r = EvaluateAnalogies(vocab, {section});
  const auto [add, mul] = NaiveAnalogies(m, 300, questions);
  EXPECT_EQ(r.total.answered, static_cast<int64_t>(questions.size()));
  EXPECT_EQ(r.total.correct_add, add);
  EXPECT_EQ(r.total.correct_mul, mul);
  EXPECT_GT(add, 0);
  EXPECT_LT(add, static_cast<int>(questions.size()));
}

// --- Agreement with gensim ------------------------------------------------------------------

// Reads gensim's results: lines `key value...`.
std::map<std::string, std::vector<std::string>> ParseKeyValues(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, value;
    fields >> key;
    while (fields >> value) out[key].push_back(value);
  }
  return out;
}

constexpr char kGensimScript[] = R"(
import sys
import numpy as np
from gensim.models import KeyedVectors
binary, text, questions, pairs, restrict, out = sys.argv[1:7]
b = KeyedVectors.load_word2vec_format(binary, binary=True)
t = KeyedVectors.load_word2vec_format(text, binary=False)
same = b.index_to_key == t.index_to_key and np.array_equal(b.vectors, t.vectors)
b.vectors.astype('<f4').tofile(out + '/gensim.f32')
with open(out + '/gensim.words', 'w', encoding='utf8') as f:
    f.write('\n'.join(b.index_to_key) + '\n')
score, sections = b.evaluate_word_analogies(questions, restrict_vocab=int(restrict))
pearson, spearman, oov = b.evaluate_word_pairs(pairs)
print('binary_equals_text', int(same))
print('analogy_total', score)
for s in sections:
    print('section_' + s['section'].replace(' ', '_'), len(s['correct']), len(s['incorrect']))
print('spearman', float(spearman[0]))
print('oov_percent', float(oov))
)";

// Words of the analogy and WS-353 sets, some lower-cased duplicates (so case folding matters),
// and fillers, in a random order; random vectors with a planted offset per analogy section for
// most of its pairs, so that accuracy is neither 0 nor 100%.
EmbeddingMatrix StructuredEmbedding(const std::vector<AnalogySection>& sections,
                                    const std::vector<SimilarityPair>& pairs) {
  std::vector<std::string> words;
  std::set<std::string> seen;
  auto add = [&](const std::string& w) {
    if (seen.insert(w).second) words.push_back(w);
  };
  for (const auto& s : sections) {
    for (const auto& q : s.questions) {
      for (const std::string& w : q) add(w);
    }
  }
  // Every 8th WS-353 pair loses its second word: out-of-vocabulary pairs to skip and count.
  std::set<std::string> dropped;
  for (size_t i = 0; i < pairs.size(); i += 8) dropped.insert(pairs[i].word2);
  for (const auto& p : pairs) {
    if (!dropped.count(p.word1)) add(p.word1);
    if (!dropped.count(p.word2)) add(p.word2);
  }
  std::mt19937 rng(2024);
  for (size_t i = 0, n = words.size(); i < n; i += 17) {
    std::string lower = words[i];
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    add(lower);
  }
  for (int i = 0; words.size() < 3000; ++i) add("filler" + std::to_string(i));
  std::shuffle(words.begin(), words.end(), rng);
  EmbeddingMatrix m;
  m.dim = 48;
  m.words = words;
  std::normal_distribution<float> normal(0, 1);
  for (size_t i = 0; i < words.size() * m.dim; ++i) m.values.push_back(normal(rng));
  std::map<std::string, int> row;
  for (size_t r = 0; r < words.size(); ++r) row[words[r]] = static_cast<int>(r);
  std::bernoulli_distribution plant(0.6);
  for (const auto& s : sections) {
    std::vector<float> offset(m.dim);
    for (float& x : offset) x = 1.2f * normal(rng);
    std::set<std::pair<std::string, std::string>> decided;  // each pair once
    for (const auto& q : s.questions) {
      if (!decided.insert({q[0], q[1]}).second || !plant(rng)) continue;
      const float* a = m.row(row[q[0]]);
      float* b = m.mutable_row(row[q[1]]);
      for (int j = 0; j < m.dim; ++j) b[j] = a[j] + offset[j] + 0.9f * normal(rng);
    }
  }
  // Similar pairs (by the human score) move towards each other: a positive rho.
  for (const auto& p : pairs) {
    auto a = row.find(p.word1), b = row.find(p.word2);
    if (a == row.end() || b == row.end() || a->second == b->second) continue;
    const float alpha = static_cast<float>(p.score) / 25;
    for (int j = 0; j < m.dim; ++j) {
      m.mutable_row(b->second)[j] += alpha * (m.row(a->second)[j] - m.row(b->second)[j]);
    }
  }
  return m;
}

TEST(GensimAgreementTest, AnalogiesSimilarityAndFilesMatchGensim) {
  const std::string shared = testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "shared data not found (../shared or $WORDMILL_SHARED)";
  const std::string questions = shared + "/eval/analogy/questions-words.txt";
  const std::string ws353 = shared + "/eval/similarity/EN-WS-353-ALL.txt";
  if (!std::ifstream(questions) || !std::ifstream(ws353)) {
    GTEST_SKIP() << "missing " << questions << " or " << ws353;
  }
  // scripts/setup.sh installs python3-gensim for Debian's /usr/bin/python3.
  ASSERT_EQ(testing::RunCommand("/usr/bin/python3 -c 'import gensim, scipy'").exit_code, 0)
      << "/usr/bin/python3 cannot import gensim: run scripts/setup.sh";
  absl::StatusOr<std::vector<AnalogySection>> sections = ReadAnalogyFile(questions);
  absl::StatusOr<std::vector<SimilarityPair>> pairs = ReadSimilarityFile(ws353);
  ASSERT_TRUE(sections.ok() && pairs.ok());
  const EmbeddingMatrix m = StructuredEmbedding(*sections, *pairs);
  testing::TempDir dir;
  ASSERT_TRUE(WriteWord2vecBinary(dir.File("v.bin"), m).ok());
  ASSERT_TRUE(WriteWord2vecText(dir.File("v.txt"), m).ok());
  testing::WriteFile(dir.File("eval.py"), kGensimScript);
  constexpr int kRestrict = 2500;
  const testing::CommandResult gensim =
      testing::RunCommand("/usr/bin/python3 " + dir.File("eval.py") + " " + dir.File("v.bin") +
                          " " + dir.File("v.txt") + " " + questions + " " + ws353 + " " +
                          std::to_string(kRestrict) + " " + dir.path() + " 2>/dev/null");
  ASSERT_EQ(gensim.exit_code, 0) << gensim.output;
  auto g = ParseKeyValues(gensim.output);

  // gensim reads our binary and text files to the same, bit-identical matrix.
  EXPECT_EQ(g["binary_equals_text"], std::vector<std::string>{"1"});
  const std::string raw = testing::ReadFile(dir.File("gensim.f32"));
  ASSERT_EQ(raw.size(), m.values.size() * sizeof(float));
  EXPECT_EQ(std::memcmp(raw.data(), m.values.data(), raw.size()), 0);
  std::string words;
  for (const std::string& w : m.words) words += w + "\n";
  EXPECT_EQ(testing::ReadFile(dir.File("gensim.words")), words);

  const NormalizedVocab vocab(m, kRestrict, /*case_insensitive=*/true);
  const AnalogyResult r = EvaluateAnalogies(vocab, *sections);
  for (const AnalogyScore& s : r.sections) {
    const auto& counts = g["section_" + s.name];
    ASSERT_EQ(counts.size(), 2u) << s.name;
    EXPECT_EQ(s.answered, std::stoll(counts[0]) + std::stoll(counts[1])) << s.name;
  }
  const double gensim_accuracy = std::stod(g["analogy_total"].at(0));
  std::printf(
      "analogy 3CosAdd total: wordmill %.4f%% (%lld/%lld answered, 3CosMul %.4f%%), "
      "gensim %.4f%%\n",
      100 * r.total.accuracy_add(), static_cast<long long>(r.total.correct_add),
      static_cast<long long>(r.total.answered), 100 * r.total.accuracy_mul(),
      100 * gensim_accuracy);
  EXPECT_NEAR(100 * r.total.accuracy_add(), 100 * gensim_accuracy, 0.1);
  EXPECT_GT(r.total.accuracy_add(), 0.05);
  EXPECT_LT(r.total.accuracy_add(), 0.95);
  EXPECT_LT(r.coverage(), 1.0);

  const NormalizedVocab similarity_vocab(m, 300000, /*case_insensitive=*/true);
  absl::StatusOr<SimilarityScore> sim = EvaluateSimilarity(similarity_vocab, *pairs);
  ASSERT_TRUE(sim.ok()) << sim.status();
  const double gensim_rho = std::stod(g["spearman"].at(0));
  std::printf("WS-353 Spearman: wordmill %.6f gensim %.6f; OOV wordmill %.4f%% gensim %s%%\n",
              sim->spearman, gensim_rho, 100 * sim->oov_share(), g["oov_percent"].at(0).c_str());
  EXPECT_NEAR(100 * sim->spearman, 100 * gensim_rho, 0.1);
  EXPECT_NEAR(100 * sim->oov_share(), std::stod(g["oov_percent"].at(0)), 1e-9);
  EXPECT_GT(sim->oov, 0);
  EXPECT_GT(sim->spearman, 0.1);
}

// 19,544 questions against a 30,000 x 100 restricted matrix: seconds, on one core.
TEST(EvaluationPerformanceTest, GoogleSizedAnalogySetIsFast) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0, 1);
  EmbeddingMatrix m;
  m.dim = 100;
  for (int r = 0; r < 30000; ++r) m.words.push_back("w" + std::to_string(r));
  m.values.resize(m.words.size() * m.dim);
  for (float& x : m.values) x = normal(rng);
  // Google-like: sections of questions built from ~900 distinct words.
  std::uniform_int_distribution<int> word(0, 899);
  std::vector<AnalogySection> sections(14);
  for (int i = 0; i < 19544; ++i) {
    AnalogySection& s = sections[i % 14];
    s.name = "section" + std::to_string(i % 14);
    s.questions.push_back(
        {m.words[word(rng)], m.words[word(rng)], m.words[word(rng)], m.words[word(rng)]});
  }
  const auto start = std::chrono::steady_clock::now();
  const NormalizedVocab vocab(m, 30000, true);
  const AnalogyResult r = EvaluateAnalogies(vocab, sections);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("19544 questions x 30000 x 100: %.2f s (both methods)\n", seconds);
  EXPECT_EQ(r.total.answered, 19544);
  EXPECT_LT(seconds, 10.0);
}

// --- The commands ---------------------------------------------------------------------------

class EvalCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteWord2vecBinary(dir_.File("v.bin"), RoyalEmbedding()).ok());
    testing::WriteFile(dir_.File("q.txt"),
                       ": family\nman woman king queen\nman woman rare apple\n"
                       ": gram-x\nking queen man woman\n");
    testing::WriteFile(dir_.File("s.txt"), "king\tqueen\t9\nman\tapple\t1\nx\tking\t2\n");
  }
  testing::CommandResult Run(const std::string& args) {
    return testing::RunCommand(testing::WordmillBin() + " " + args + " 2>&1");
  }
  testing::TempDir dir_;
};

TEST_F(EvalCommandTest, PrintsTheTable) {
  const testing::CommandResult r =
      Run("eval --vectors " + dir_.File("v.bin") + " --analogy " + dir_.File("q.txt") +
          " --similarity " + dir_.File("s.txt") + " --restrict-vocab 7");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("8 words x 4 dimensions"));
  EXPECT_THAT(r.output, ::testing::ContainsRegex("family +100.00% +100.00% +1 / 2"));
  EXPECT_THAT(r.output, ::testing::ContainsRegex("syntactic +100.00% +100.00% +1 / 1"));
  EXPECT_THAT(r.output, ::testing::ContainsRegex("total +100.00% +100.00% +2 / 3"));
  EXPECT_THAT(r.output, HasSubstr("coverage 66.67%: 1 of 3 questions skipped"));
  EXPECT_THAT(r.output, ::testing::ContainsRegex("s.txt +1.0000 .* 2 / 3 +33.33%"));
}

TEST_F(EvalCommandTest, BadInputsExit2NamingTheFile) {
  testing::WriteFile(dir_.File("bad.txt"), ": family\nman woman king\n");
  testing::CommandResult r =
      Run("eval --vectors " + dir_.File("v.bin") + " --analogy " + dir_.File("bad.txt"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(dir_.File("bad.txt") + ":2:"));
  testing::WriteFile(dir_.File("bad.txt"), "king\tqueen\tvery\n");
  r = Run("eval --vectors " + dir_.File("v.bin") + " --similarity " + dir_.File("bad.txt"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(dir_.File("bad.txt") + ":1:"));
  r = Run("eval --vectors " + dir_.File("missing.bin") + " --similarity " + dir_.File("s.txt"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(dir_.File("missing.bin")));
  r = Run("eval --vectors " + dir_.File("v.bin") + " --analogy " + dir_.File("missing.txt"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(dir_.File("missing.txt")));
  testing::WriteFile(dir_.File("trunc.bin"), testing::ReadFile(dir_.File("v.bin")).substr(0, 50));
  r = Run("eval --vectors " + dir_.File("trunc.bin") + " --similarity " + dir_.File("s.txt"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(dir_.File("trunc.bin") + ": row 2"));
  EXPECT_EQ(Run("eval --vectors " + dir_.File("v.bin")).exit_code, 2);  // nothing to evaluate
  EXPECT_EQ(Run("eval --analogy " + dir_.File("q.txt")).exit_code, 2);  // no --vectors
}

TEST_F(EvalCommandTest, NeighborsPrintsNearestWords) {
  testing::CommandResult r = Run("neighbors --vectors " + dir_.File("v.bin") + " --k 2 king");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::ContainsRegex("king:\n  queen +0.8165\n  rare +0.81"));
  r = Run("neighbors --vectors " + dir_.File("v.bin") + " king nope");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("nope: not in the vocabulary"));
}

}  // namespace
}  // namespace wordmill
