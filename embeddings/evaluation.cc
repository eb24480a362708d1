#include "embeddings/evaluation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace wordmill {

NormalizedVocab::NormalizedVocab(const EmbeddingMatrix& m, int64_t limit, bool case_insensitive)
    : words_(&m.words), case_insensitive_(case_insensitive) {
  const int64_t rows = limit > 0 ? std::min(limit, m.rows()) : m.rows();
  vectors_.resize(rows, m.dim);
  index_.reserve(rows);
  canonical_.resize(rows);
  for (int64_t r = 0; r < rows; ++r) {
    Eigen::Map<const Eigen::RowVectorXf> v(m.row(r), m.dim);
    const float norm = v.norm();
    vectors_.row(r) = norm > 0 ? (v / norm).eval() : v.eval();
    const std::string& w = m.words[r];
    auto it = index_.try_emplace(case_insensitive ? FoldCase(w) : w, static_cast<int32_t>(r)).first;
    canonical_[r] = it->second;  // the first row with this (folded) key, as gensim's ok_vocab
  }
}

int64_t NormalizedVocab::Find(absl::string_view word) const {
  auto it = case_insensitive_ ? index_.find(FoldCase(word)) : index_.find(word);
  return it == index_.end() ? -1 : it->second;
}

void AnalogyScore::Add(const AnalogyScore& other) {
  questions += other.questions;
  answered += other.answered;
  correct_add += other.correct_add;
  correct_mul += other.correct_mul;
}

namespace {

// A question with its words resolved to (canonical) rows.
struct ResolvedQuestion {
  int32_t a, b, c, d;
  int32_t section;
};

// Rows sharing a canonical row with another (case variants); the others map to themselves.
class VariantRows {
 public:
  explicit VariantRows(const NormalizedVocab& vocab) {
    for (int64_t r = 0; r < vocab.rows(); ++r) {
      if (vocab.canonical(r) != r) extra_[vocab.canonical(r)].push_back(static_cast<int32_t>(r));
    }
  }
  // Sets scores[row] to -inf for `canonical` and every row folded onto it.
  void Exclude(int32_t canonical, float* scores) const {
    scores[canonical] = -std::numeric_limits<float>::infinity();
    auto it = extra_.find(canonical);
    if (it == extra_.end()) return;
    for (int32_t r : it->second) scores[r] = -std::numeric_limits<float>::infinity();
  }

 private:
  absl::flat_hash_map<int32_t, std::vector<int32_t>> extra_;
};

// Columns of cosines against every row of the vocabulary for the distinct words of a batch.
struct BatchCosines {
  std::vector<int32_t> words;                    // column k holds cosines with words[k]
  absl::flat_hash_map<int32_t, int32_t> column;  // row -> column
  Eigen::MatrixXf cosines;                       // rows x words.size(), column-major

  int32_t ColumnOf(int32_t row) {
    auto [it, inserted] = column.try_emplace(row, static_cast<int32_t>(words.size()));
    if (inserted) words.push_back(row);
    return it->second;
  }
};

// The first index of the largest value: a vectorized max, then a scan for it (faster than
// Eigen's scalar maxCoeff(&index)).
int64_t ArgMax(const Eigen::ArrayXf& values) {
  const float best = values.maxCoeff();
  return std::find(values.data(), values.data() + values.size(), best) - values.data();
}

// Answers questions [begin, end), whose words all have columns in `batch`.
void AnswerBatch(const NormalizedVocab& vocab, const VariantRows& variants,
                 const BatchCosines& batch, const std::vector<ResolvedQuestion>& questions,
                 size_t begin, size_t end, std::vector<AnalogyScore>* scores) {
  const int64_t rows = vocab.rows();
  Eigen::ArrayXf add(rows), mul(rows);
  for (size_t q = begin; q < end; ++q) {
    const ResolvedQuestion& question = questions[q];
    auto cos = [&](int32_t row) { return batch.cosines.col(batch.column.at(row)).array(); };
    const auto ca = cos(question.a), cb = cos(question.b), cc = cos(question.c);
    add = cb - ca + cc;
    mul = ((cb + 1.0f) * 0.5f) * ((cc + 1.0f) * 0.5f) / ((ca + 1.0f) * 0.5f + kCosMulEpsilon);
    for (int32_t excluded : {question.a, question.b, question.c}) {
      variants.Exclude(excluded, add.data());
      variants.Exclude(excluded, mul.data());
    }
    AnalogyScore& score = (*scores)[question.section];
    score.correct_add += vocab.canonical(ArgMax(add)) == question.d;
    score.correct_mul += vocab.canonical(ArgMax(mul)) == question.d;
  }
}

}  // namespace

AnalogyResult EvaluateAnalogies(const NormalizedVocab& vocab,
                                const std::vector<AnalogySection>& sections) {
  AnalogyResult result;
  std::vector<ResolvedQuestion> questions;
  for (size_t s = 0; s < sections.size(); ++s) {
    AnalogyScore score;
    score.name = sections[s].name;
    for (const auto& q : sections[s].questions) {
      ++score.questions;
      int32_t rows[4];
      bool known = true;
      for (int k = 0; k < 4 && known; ++k) {
        rows[k] = static_cast<int32_t>(vocab.Find(q[k]));
        known = rows[k] >= 0;
      }
      if (!known) continue;
      ++score.answered;
      questions.push_back({rows[0], rows[1], rows[2], rows[3], static_cast<int32_t>(s)});
    }
    result.sections.push_back(score);
  }
  const VariantRows variants(vocab);
  // As many distinct question words per batch as ~256 MiB of cosines allow: for the Google set
  // over 30,000 rows that is all of its ~900 words, so one product serves every question.
  const int64_t max_columns =
      std::max<int64_t>(16, (int64_t{256} << 20) / (4 * std::max<int64_t>(1, vocab.rows())));
  BatchCosines batch;
  NormalizedVocab::Matrix query;
  for (size_t begin = 0; begin < questions.size();) {
    batch.words.clear();
    batch.column.clear();
    size_t end = begin;
    while (end < questions.size() && static_cast<int64_t>(batch.words.size()) + 3 <= max_columns) {
      for (int32_t row : {questions[end].a, questions[end].b, questions[end].c}) {
        batch.ColumnOf(row);
      }
      ++end;
    }
    const int64_t columns = static_cast<int64_t>(batch.words.size());
    query.resize(columns, vocab.vectors().cols());
    for (int64_t k = 0; k < columns; ++k) query.row(k) = vocab.vectors().row(batch.words[k]);
    if (batch.cosines.cols() < columns) batch.cosines.resize(vocab.rows(), columns);
    batch.cosines.leftCols(columns).noalias() = vocab.vectors() * query.transpose();
    AnswerBatch(vocab, variants, batch, questions, begin, end, &result.sections);
    begin = end;
  }
  for (size_t s = 0; s < sections.size(); ++s) {
    (sections[s].syntactic() ? result.syntactic : result.semantic).Add(result.sections[s]);
    result.total.Add(result.sections[s]);
  }
  return result;
}

std::vector<double> AverageRanks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t i, size_t j) { return values[i] < values[j]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double PearsonCorrelation(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) return std::nan("");
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);  // NaN when a side is constant, as scipy
}

double SpearmanCorrelation(const std::vector<double>& x, const std::vector<double>& y) {
  return PearsonCorrelation(AverageRanks(x), AverageRanks(y));
}

absl::StatusOr<SimilarityScore> EvaluateSimilarity(const NormalizedVocab& vocab,
                                                   const std::vector<SimilarityPair>& pairs) {
  SimilarityScore score;
  std::vector<double> human, model;
  for (const SimilarityPair& pair : pairs) {
    ++score.pairs;
    const int64_t a = vocab.Find(pair.word1), b = vocab.Find(pair.word2);
    if (a < 0 || b < 0) {
      ++score.oov;
      continue;
    }
    human.push_back(pair.score);
    model.push_back(vocab.vectors().row(a).dot(vocab.vectors().row(b)));
  }
  if (human.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("none of the ", pairs.size(), " pairs has both words in the vocabulary"));
  }
  score.spearman = SpearmanCorrelation(human, model);
  score.pearson = PearsonCorrelation(human, model);
  return score;
}

absl::StatusOr<std::vector<Neighbor>> NearestNeighbors(const NormalizedVocab& vocab,
                                                       absl::string_view word, int k) {
  const int64_t row = vocab.Find(word);
  if (row < 0) {
    return absl::NotFoundError(absl::StrCat("'", word, "' is not in the vocabulary"));
  }
  const Eigen::VectorXf cosines = vocab.vectors() * vocab.vectors().row(row).transpose();
  std::vector<int32_t> candidates;
  candidates.reserve(vocab.rows());
  for (int64_t r = 0; r < vocab.rows(); ++r) {
    if (vocab.canonical(r) != row) candidates.push_back(static_cast<int32_t>(r));
  }
  const size_t top = std::min<size_t>(std::max(k, 0), candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + top, candidates.end(),
                    [&](int32_t i, int32_t j) {
                      return cosines[i] != cosines[j] ? cosines[i] > cosines[j] : i < j;
                    });
  std::vector<Neighbor> neighbors;
  for (size_t i = 0; i < top; ++i) {
    neighbors.push_back({vocab.word(candidates[i]), cosines[candidates[i]]});
  }
  return neighbors;
}

}  // namespace wordmill
