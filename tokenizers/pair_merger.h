// The merge loop shared by BPE and WordPiece training.
//
// Words are sequences of symbol ids with a count. Each step merges every occurrence of the best
// adjacent pair into one symbol (left to right, without overlap) until the symbol table reaches
// the target size. BPE scores a pair by its count; WordPiece by count(ab) / (count(a) count(b)).
// Ties go to the higher pair count, then to the pair whose (left, right) strings are smaller
// bytewise, so the result does not depend on the order of the input.
//
// Pair counts are updated incrementally: an index maps each pair to the words it occurs in, and
// a merge only revisits those words; a max-heap holds one entry per (pair, count) change and
// stale entries are skipped when popped. For WordPiece, a merge also raises the score of every
// pair that contains one of its two symbols; only pairs seen min_pair_count times are indexed
// by symbol and queued, queued scores are upper bounds (requeued at the true score when
// popped), and a fall in a symbol's count queues one bound for all its pairs (1 / count of the
// symbol), which requeues them only if it reaches the top (tokenizers/README.md).
// A merge that makes a string already in the table reuses that symbol (as Hugging Face's
// trainer does), so the table stays free of duplicates.
#ifndef WORDMILL_TOKENIZERS_PAIR_MERGER_H_
#define WORDMILL_TOKENIZERS_PAIR_MERGER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "tokenizers/subword_model.h"

namespace wordmill {

struct MergeWord {
  std::vector<int32_t> symbols;  // ids into the symbol table; negative: unknown, never merged
  int64_t count = 0;
};

enum class MergeScore { kPairCount, kWordPiece };

struct PairMergerOptions {
  MergeScore score = MergeScore::kPairCount;
  size_t target_symbols = 0;  // stop when the symbol table has this many entries
  int64_t min_pair_count = 2;
  // WordPiece only: when no pair is left at min_pair_count before target_symbols is reached,
  // the minimum is halved, down to this (0: no lowering). The result equals training with the
  // fixed minimum, then continuing from there with each lower one.
  int64_t final_min_pair_count = 0;
};

// The minimum pair count of `spec` (0 is automatic: 2 for BPE; for WordPiece 4 total_count /
// vocab_size, at least 2) and the lowest one for WordPiece's halving (2 when automatic, else
// none). total_count: the word count of the corpus.
PairMergerOptions MinPairCounts(const SubwordSpec& spec, int64_t total_count);

// Runs the merges. *symbols is the initial table (strings unique); merged symbols are appended.
// Returns the merges in order (result ids index *symbols).
std::vector<SubwordMerge> LearnMerges(std::vector<MergeWord> words,
                                      const PairMergerOptions& options,
                                      std::vector<std::string>* symbols);

// The characters (UTF-8 strings) of the alphabet: the most frequent ones (ties by bytes) that
// together cover `coverage` of all character occurrences in `words`, weighted by count. Words
// must be valid UTF-8 (CheckUtf8 first).
absl::flat_hash_set<std::string> SelectCharacters(const WordCounts& words, double coverage);

// The special tokens of `spec` as the first pieces of a model.
std::vector<SubwordPiece> SpecialPieces(const SubwordSpec& spec);

// InvalidArgument unless vocab_size leaves room for the special tokens and the base alphabet.
absl::Status CheckVocabSize(const SubwordSpec& spec, size_t specials, size_t alphabet,
                            const char* alphabet_name);

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_PAIR_MERGER_H_
