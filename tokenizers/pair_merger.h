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
// stale entries are skipped when popped. For WordPiece, a merge also changes the score of every
// pair that contains one of its two symbols, so an index from symbol to pairs re-queues those.
// A merge that makes a string already in the table reuses that symbol (as Hugging Face's
// trainer does), so the table stays free of duplicates. Only pairs at or above the current
// count threshold are in the heap and in the symbol-to-pairs index, so a merge re-scores only
// pairs that can still be merged.
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
  // Only pairs seen at least this many times are merged. When none is left before the table
  // is full, the threshold is halved (never below final_min_pair_count) and the merging goes
  // on: WordPiece starts high so that its first merges are frequent pairs (its score alone
  // prefers rare ones) and still fills the table. final_min_pair_count 0: min_pair_count (a
  // fixed threshold).
  int64_t min_pair_count = 2;
  int64_t final_min_pair_count = 0;
};

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
