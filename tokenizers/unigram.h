// The Unigram language-model subword algorithm (Kudo 2018, "Subword Regularization"), as
// SentencePiece's unigram trainer does it, over pre-tokenized word counts.
//
// A model is a set of pieces (strings of whole UTF-8 characters) with log probabilities; a
// word's segmentation is a path through its lattice (every piece that occurs at every character
// position), scored by the sum of the pieces' log probabilities. Training starts from a large
// seed vocabulary (every character plus the most frequent substrings, found with a suffix
// array), then alternates EM (forward-backward expected counts, Bayesian digamma M-step) with
// pruning the pieces whose removal costs the least likelihood, until vocab_size pieces remain.
// Details and the differences from SentencePiece: tokenizers/README.md.
#ifndef WORDMILL_TOKENIZERS_UNIGRAM_H_
#define WORDMILL_TOKENIZERS_UNIGRAM_H_

#include <darts.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace wordmill {

struct UnigramPiece {
  std::string piece;
  double log_prob;
};

struct UnigramTrainOptions {
  int vocab_size = 8000;        // pieces in the final model, incl. every required character
  int64_t seed_size = 1000000;  // max seed pieces (frequent substrings)
  int max_piece_chars = 16;
  double shrink_factor = 0.75;  // keep this fraction per pruning round
  int em_iterations = 2;        // EM sub-iterations per round
  double character_coverage = 1.0;
  int threads = 1;  // 0: all hardware threads
  // As SentencePiece's split_by_unicode_script and split_by_number (both on by default there):
  // a piece never mixes writing systems, nor digits with letters (so no "▁2015년"), apart from
  // a leading U+2581 and combining marks. Off: any substring of a word can be a piece.
  bool split_by_script = true;
  // The seed, as SentencePiece: the substrings at branching nodes of the suffix tree, i.e.
  // followed by at least two different characters, whose whole label is a valid piece (no
  // truncation). SentencePiece builds the tree over sentences, where the end of a word is
  // followed by U+2581 or by the end of the line; word counts do not say which words end lines,
  // so with seed_word_ends the end of a word counts as branching (as if every word also ended
  // a line: whole words seed). False: the end of a word is one character like any other, so a
  // word that starts no longer word (such as "▁및") is never seeded whole.
  bool seed_word_ends = true;
};

// word_counts: pre-tokenized "words" exactly as they will be segmented (the caller adds any
// boundary marker such as U+2581 itself). Empty words and words with count 0 are ignored.
// Returns at most vocab_size pieces (fewer only when the words do not support that many),
// ordered by log_prob descending (ties by bytes). Deterministic for the same input, whatever
// `threads` is. Errors (InvalidArgument): invalid UTF-8 or a negative count (naming the word
// index), no characters at all, vocab_size smaller than the required alphabet, bad options.
// line_end_counts (optional, parallel to word_counts): how many of each word's occurrences end
// a line (paragraph). Given, the seed treats the end of a word as SentencePiece's sentence-level
// suffix tree does: followed by U+2581 (the next word) or by the end of the line, so a
// substring that ends words is branching there only when some of those occurrences end a line
// and some do not (seed_word_ends is then not used). A count above the word's count is an error.
absl::StatusOr<std::vector<UnigramPiece>> TrainUnigram(
    const std::vector<std::pair<std::string, int64_t>>& word_counts,
    const UnigramTrainOptions& options, const std::vector<int64_t>* line_end_counts = nullptr);

// Prefix lookup of pieces: a double-array trie (Darts) over the piece strings.
class PieceTrie {
 public:
  // `pieces` need not be sorted; duplicates and empty strings are ignored (the first of equal
  // strings wins). Values are indices into `pieces`.
  explicit PieceTrie(const std::vector<std::string_view>& pieces);
  // Calls f(piece_index, length_in_bytes) for every piece that is a prefix of `text`, shortest
  // first. No allocation.
  template <typename F>
  void ForEachPrefix(const char* text, size_t size, F&& f) const;
  size_t max_piece_bytes() const { return max_piece_bytes_; }

 private:
  // Trie node after the UTF-8 bytes of a code point below 0x10000 from the root, so that the
  // first character of a walk costs one lookup instead of up to three dependent ones: kNoPath
  // when no piece starts with it, kWalkBytes when some piece ends inside it (then the walk goes
  // byte by byte).
  static constexpr int32_t kNoPath = -1;
  static constexpr int32_t kWalkBytes = -2;
  static constexpr uint32_t kTableSize = 0x10000;

  Darts::DoubleArray trie_;
  bool empty_ = true;
  size_t max_piece_bytes_ = 0;
  std::vector<int32_t> first_char_node_;  // by code point, kTableSize entries
};

class UnigramModel {
 public:
  // unk_log_prob: score of an uncovered character (which becomes id -1 in the output).
  UnigramModel(std::vector<UnigramPiece> pieces, double unk_log_prob);
  // Viterbi best segmentation; ids index `pieces`; -1 for a character no piece covers (also for
  // each byte of invalid UTF-8). Replaces *ids. Thread-safe; does not allocate after warm-up.
  void Encode(std::string_view word, std::vector<int32_t>* ids) const;
  // Subword regularization: sample a segmentation from the lattice (forward-filtering,
  // backward-sampling) with temperature alpha (P(path) ∝ exp(alpha · score)), reproducible
  // from `seed`.
  void SampleEncode(std::string_view word, double alpha, uint64_t seed,
                    std::vector<int32_t>* ids) const;
  const std::vector<UnigramPiece>& pieces() const { return pieces_; }
  double unk_log_prob() const { return unk_log_prob_; }

 private:
  std::vector<UnigramPiece> pieces_;
  std::vector<double> scores_;  // pieces_[i].log_prob, contiguous for the lattice loops
  double unk_log_prob_;
  std::unique_ptr<PieceTrie> trie_;
};

// Implementation details shared with the tests.
namespace unigram_internal {

// Length in bytes of the well-formed UTF-8 character at the start of s[0, size) (size > 0),
// or 0 when it is not well formed (Unicode Table 3-7).
int Utf8CharLength(const char* s, size_t size);

// psi(x) for x > 0.
double Digamma(double x);

// The writing-system class of a code point for split_by_script: kScriptAny for combining marks
// (they go with any base), kScriptCommon for numbers, punctuation and symbols (N*, P*, S*:
// mostly Unicode's Common script), else a script (Latin, Greek,
// Cyrillic, Hangul, Han with kana, ..., from Unicode block ranges; other code points by their
// 256-code-point block).
constexpr int kScriptAny = -1;
constexpr int kScriptCommon = -2;
int ScriptClass(uint32_t code_point);

// The seed candidates of TrainUnigram. `text` is the words joined by 0xFF (a byte UTF-8 never
// uses). A valid piece has 2 to max_piece_chars characters within one word, none of them in
// `uncovered` (sorted), and with split_by_script obeys the script rule. Its frequency is the
// summed counts of the words at its occurrences. The candidates are exactly the valid
// substrings followed by at least two different characters (the end of a word counting as one)
// or, with word_ends, that end a word somewhere. With line_ends (parallel to words: occurrences
// that end a line), the end of a word is instead one of two characters, U+2581 (an occurrence
// in mid-line) or the end of the line, as in SentencePiece's suffix tree over sentences.
struct SeedCandidate {
  uint32_t pos;
  uint32_t len;
  int64_t freq;
  int32_t chars;
};
struct SeedCandidates {
  std::string text;
  std::vector<SeedCandidate> candidates;
  std::string_view piece(const SeedCandidate& c) const { return {text.data() + c.pos, c.len}; }
};
absl::StatusOr<SeedCandidates> FindSeedCandidates(const std::vector<std::string_view>& words,
                                                  const std::vector<int64_t>& counts,
                                                  int max_piece_chars, bool split_by_script,
                                                  const std::vector<uint32_t>& uncovered,
                                                  bool word_ends,
                                                  const std::vector<int64_t>* line_ends = nullptr);

}  // namespace unigram_internal

template <typename F>
void PieceTrie::ForEachPrefix(const char* text, size_t size, F&& f) const {
  if (empty_ || size == 0) return;
  // Darts' commonPrefixSearch, unrolled so that there is no result buffer to size.
  const auto* units = static_cast<const int*>(trie_.array());  // {base, check} pairs
  const auto* u = reinterpret_cast<const unsigned char*>(text);
  int b = units[0];
  size_t i = 0;
  // The first character through the table when it is well-formed 1-3-byte UTF-8 (not
  // overlong, so its bytes are exactly those the table was built from).
  uint32_t cp = kTableSize;
  size_t cl = 0;
  if (u[0] < 0x80) {
    cp = u[0];
    cl = 1;
  } else if ((u[0] & 0xE0) == 0xC0) {
    if (size >= 2 && (u[1] & 0xC0) == 0x80) {
      cp = (u[0] & 0x1Fu) << 6 | (u[1] & 0x3Fu);
      cl = 2;
      if (cp < 0x80) cp = kTableSize;
    }
  } else if ((u[0] & 0xF0) == 0xE0) {
    if (size >= 3 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
      cp = (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu);
      cl = 3;
      if (cp < 0x800) cp = kTableSize;
    }
  }
  if (cp < kTableSize) {
    const int32_t node = first_char_node_[cp];
    if (node == kNoPath) return;
    if (node != kWalkBytes) {
      b = node;
      i = cl;
    }
  }
  for (; i < size; ++i) {
    const int n = units[2 * b];
    if (static_cast<unsigned>(b) == static_cast<unsigned>(units[2 * b + 1]) && n < 0) {
      f(-n - 1, i);
    }
    const unsigned p = static_cast<unsigned>(b) + static_cast<unsigned char>(text[i]) + 1;
    if (static_cast<unsigned>(b) != static_cast<unsigned>(units[2 * p + 1])) return;
    b = units[2 * p];
  }
  const int n = units[2 * b];
  if (static_cast<unsigned>(b) == static_cast<unsigned>(units[2 * b + 1]) && n < 0) {
    f(-n - 1, size);
  }
}

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_UNIGRAM_H_
