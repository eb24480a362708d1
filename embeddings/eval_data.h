// The evaluation data sets as files: analogy questions (word2vec's questions-words.txt format)
// and word-similarity pairs (WordSim-353, MEN, SimLex, … as `word1<TAB>word2<TAB>score`), plus
// the case folding gensim applies to both.
//
// Both readers are strict where gensim is lenient: gensim logs and skips a malformed line, which
// silently changes the score; here a malformed line is InvalidArgument naming the file and line.
#ifndef WORDMILL_EMBEDDINGS_EVAL_DATA_H_
#define WORDMILL_EMBEDDINGS_EVAL_DATA_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wordmill {

// `: name` starts a section; every other non-blank line is four words `a b c d` (a is to b as c
// is to d). Sections whose name starts with "gram" are syntactic, the others semantic.
struct AnalogySection {
  std::string name;
  std::vector<std::array<std::string, 4>> questions;
  bool syntactic() const { return name.rfind("gram", 0) == 0; }
};
absl::StatusOr<std::vector<AnalogySection>> ReadAnalogyFile(const std::string& path);

// One line `word1 word2 score`: fields separated by tabs (or, on lines without a tab, by spaces).
// Lines starting with '#' and blank lines are skipped, as gensim does.
struct SimilarityPair {
  std::string word1;
  std::string word2;
  double score = 0;
};
absl::StatusOr<std::vector<SimilarityPair>> ReadSimilarityFile(const std::string& path);

// The key gensim's case_insensitive mode compares: the word upper-cased (simple per-code-point
// Unicode mapping; invalid UTF-8 bytes are kept as they are).
std::string FoldCase(absl::string_view word);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_EVAL_DATA_H_
