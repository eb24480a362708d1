// Intrinsic evaluation of word vectors, computed as gensim's KeyedVectors does so the numbers
// are comparable with published ones: analogies (3CosAdd as evaluate_word_analogies, and
// 3CosMul), word-similarity correlation (evaluate_word_pairs), nearest neighbours.
//
// Vocabulary restriction and case folding follow gensim: only the first `restrict_vocab` rows
// (the most frequent words when the file is sorted by count) can be looked up or answered;
// with case_insensitive, words compare by FoldCase(), and a folded key names its first row.
#ifndef WORDMILL_EMBEDDINGS_EVALUATION_H_
#define WORDMILL_EMBEDDINGS_EVALUATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "embeddings/eval_data.h"
#include "formats/embedding_file.h"

namespace wordmill {

// The first rows of an embedding matrix, unit-normalized (zero rows stay zero), with a lookup
// from (optionally case-folded) word to row.
class NormalizedVocab {
 public:
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  // Keeps rows [0, limit) of `m` (limit 0 or beyond the end: all rows).
  NormalizedVocab(const EmbeddingMatrix& m, int64_t limit, bool case_insensitive);

  int64_t rows() const { return vectors_.rows(); }
  const Matrix& vectors() const { return vectors_; }
  const std::string& word(int64_t row) const { return (*words_)[row]; }
  // The row a word is looked up as (for a folded key: its first row), or -1.
  int64_t Find(absl::string_view word) const;
  // The row Find() returns for the word of `row` (itself unless case-folding merged it).
  int32_t canonical(int64_t row) const { return canonical_[row]; }

 private:
  const std::vector<std::string>* words_;
  bool case_insensitive_;
  Matrix vectors_;
  absl::flat_hash_map<std::string, int32_t> index_;
  std::vector<int32_t> canonical_;
};

struct AnalogyScore {
  std::string name;
  int64_t questions = 0;  // in the file
  int64_t answered = 0;   // all four words in the restricted vocabulary
  int64_t correct_add = 0;
  int64_t correct_mul = 0;
  double accuracy_add() const { return answered ? static_cast<double>(correct_add) / answered : 0; }
  double accuracy_mul() const { return answered ? static_cast<double>(correct_mul) / answered : 0; }
  void Add(const AnalogyScore& other);
};

struct AnalogyResult {
  std::vector<AnalogyScore> sections;
  AnalogyScore semantic{"semantic"};
  AnalogyScore syntactic{"syntactic"};
  AnalogyScore total{"total"};
  double coverage() const {
    return total.questions ? static_cast<double>(total.answered) / total.questions : 0;
  }
};

// 3CosMul's epsilon (Levy & Goldberg 2014; gensim's most_similar_cosmul uses 1e-6).
constexpr float kCosMulEpsilon = 1e-3f;

// For each question a:b :: c:?, the answer is the row of `vocab` (excluding the rows of a, b
// and c) maximizing cos(d,b) - cos(d,a) + cos(d,c) (3CosAdd, = gensim's most_similar over
// unit vectors) or c'(d,b) c'(d,c) / (c'(d,a) + eps) with c' = (cos + 1) / 2 (3CosMul); it is
// correct when it is d (after case folding). Questions with a word outside `vocab` are skipped
// and counted. Cosines are computed in batches: one matrix product per batch of questions
// against the distinct words of the batch.
AnalogyResult EvaluateAnalogies(const NormalizedVocab& vocab,
                                const std::vector<AnalogySection>& sections);

struct SimilarityScore {
  int64_t pairs = 0;  // in the file
  int64_t oov = 0;    // skipped: a word outside the vocabulary
  double spearman = 0;
  double pearson = 0;
  double oov_share() const { return pairs ? static_cast<double>(oov) / pairs : 0; }
};

// Spearman's rho between the human scores and the cosines of the pairs whose words are both in
// `vocab` (gensim's evaluate_word_pairs). InvalidArgument if no pair is in the vocabulary.
absl::StatusOr<SimilarityScore> EvaluateSimilarity(const NormalizedVocab& vocab,
                                                   const std::vector<SimilarityPair>& pairs);

// Pearson correlation of x and y; of their ranks (ties get the average rank) for Spearman.
double PearsonCorrelation(const std::vector<double>& x, const std::vector<double>& y);
double SpearmanCorrelation(const std::vector<double>& x, const std::vector<double>& y);
// 1-based ranks with ties sharing the average of their positions.
std::vector<double> AverageRanks(const std::vector<double>& values);

struct Neighbor {
  std::string word;
  float cosine = 0;
};
// The k rows most similar to `word` by cosine, the word's own row excluded, best first.
// NotFound if the word is not in `vocab`.
absl::StatusOr<std::vector<Neighbor>> NearestNeighbors(const NormalizedVocab& vocab,
                                                       absl::string_view word, int k);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_EVALUATION_H_
