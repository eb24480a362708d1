// Subword tokenizers: one interface over BPE (byte-level and character), WordPiece and Unigram.
//
// A subword model segments the words that WordTokenizer produces (normalized, case-folded,
// split at whitespace and punctuation), one word at a time; the ids of a paragraph are the ids
// of its words in order. Decoding gives back the normalized text: the words joined by single
// spaces (exactly, unless the unknown token was needed). Each model marks word boundaries its
// usual way: byte-level BPE prefixes every word with a space (GPT-2's `Ġ`), character BPE
// suffixes the last character with `</w>`, WordPiece prefixes continuation pieces with `##`,
// Unigram prefixes every word with U+2581 (SentencePiece's `▁`).
//
// Ids: the special tokens first (unk, bos, eos, pad, user tokens; see SubwordSpec), then the
// model's pieces. Models are immutable and may be shared by threads; each thread encodes
// through its own SubwordEncoder (scratch buffers and a cache of frequent words).
#ifndef WORDMILL_TOKENIZERS_SUBWORD_MODEL_H_
#define WORDMILL_TOKENIZERS_SUBWORD_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"
#include "tokenizers/word_tokenizer.h"

namespace wordmill {

// Words and their corpus counts, as the vocabulary stage produces them.
using WordCounts = std::vector<std::pair<std::string, int64_t>>;
// Of some words, how many of their occurrences end a line (paragraph); Unigram's seed uses it.
using LineEndCounts = absl::flat_hash_map<std::string, int64_t>;

struct SubwordPiece {
  std::string piece;  // as the model stores it (with `</w>`, `##` or U+2581 markers)
  double score = 0;   // Unigram: log probability
  bool special = false;
};

struct SubwordMerge {
  int32_t left = 0;
  int32_t right = 0;
  int32_t result = 0;
};

// Everything a model file holds.
struct SubwordModelData {
  SubwordSpec spec;
  TokenizerSpec tokenizer;
  std::vector<SubwordPiece> pieces;  // id order
  std::vector<SubwordMerge> merges;  // BPE: rank order
  int64_t training_words = 0;
  int64_t training_tokens = 0;
};

// Encodes paragraphs for one thread.
class SubwordEncoder {
 public:
  virtual ~SubwordEncoder() = default;
  // Appends the ids of every word of `words` to *ids.
  virtual void Encode(const TokenList& words, std::vector<uint32_t>* ids) = 0;
};

class SubwordModel {
 public:
  virtual ~SubwordModel() = default;

  const SubwordModelData& data() const { return data_; }
  const std::vector<SubwordPiece>& pieces() const { return data_.pieces; }
  int32_t unk_id() const { return 0; }
  // -1 when the token is not in the model.
  int32_t bos_id() const { return bos_id_; }
  int32_t eos_id() const { return eos_id_; }
  // The id of a piece string, or -1.
  int32_t PieceId(absl::string_view piece) const;

  // A new encoder for one thread. `sample_alpha` > 0 asks for sampled segmentations
  // (Unigram only; other models return InvalidArgument).
  virtual absl::StatusOr<std::unique_ptr<SubwordEncoder>> NewEncoder(double sample_alpha,
                                                                     uint64_t seed) const = 0;
  std::unique_ptr<SubwordEncoder> NewEncoder() const { return *NewEncoder(0, 0); }

  // Replaces *text with the normalized text of `ids`: words separated by single spaces. bos,
  // eos and pad give nothing, the unknown and user tokens their own text as a word of its own
  // (or inside the word, for byte-level BPE never). An id outside the vocabulary is
  // InvalidArgument naming it.
  absl::Status Decode(absl::Span<const uint32_t> ids, std::string* text) const;

 protected:
  // How a piece reads when decoding: `text` with `boundary` meaning a space (word separator)
  // before (`space_before`) or after it.
  struct Surface {
    std::string text;
    bool space_before = false;
    bool space_after = false;
  };
  explicit SubwordModel(SubwordModelData data);
  // Fills surfaces_ (called by the subclass constructor once pieces are known): special pieces
  // are standalone words or nothing; others through `surface_of`.
  void InitSurfaces(Surface (*surface_of)(const std::string& piece));

  SubwordModelData data_;
  absl::flat_hash_map<std::string, int32_t> piece_ids_;
  std::vector<Surface> surfaces_;
  int32_t bos_id_ = -1;
  int32_t eos_id_ = -1;
  int32_t first_normal_id_ = 0;  // the first id after the special tokens
};

// The special tokens of `spec`, in id order (unk first, always present).
std::vector<std::string> SpecialTokens(const SubwordSpec& spec);

// Trains the model `spec.model()` on `words` (the word tokenizer's words and counts; the
// model adds its own boundary markers). Deterministic: the same counts (in any order) give
// the same model. A vocab_size smaller than the special tokens plus the base alphabet, an
// empty corpus, or (character models) invalid UTF-8 is InvalidArgument. `threads`: Unigram's
// training threads (the result does not depend on them). `line_ends` (optional; Unigram only,
// see TrainUnigram's line_end_counts): the line-final occurrences of the words, absent = 0.
absl::StatusOr<std::unique_ptr<SubwordModel>> TrainSubwordModel(
    const SubwordSpec& spec, const TokenizerSpec& tokenizer, WordCounts words, int threads = 1,
    const LineEndCounts* line_ends = nullptr);

// Builds the model of `data` (from a model file); inconsistent data is DataLoss.
absl::StatusOr<std::unique_ptr<SubwordModel>> CreateSubwordModel(SubwordModelData data);

// The model file (tokenizer.wmrec): a record file (formats/record_file.h) whose header holds a
// SubwordModelHeader as its spec text and whose records are SubwordModelRecord (pieces in id
// order, then merges). Written atomically.
inline constexpr uint32_t kSubwordModelVersion = 1;
absl::Status WriteSubwordModel(const std::string& path, const SubwordModel& model);
// Errors name the file: not a model file, another version, truncation or corruption.
absl::StatusOr<std::unique_ptr<SubwordModel>> ReadSubwordModel(const std::string& path);

// The length of the well-formed UTF-8 character at s[pos] (1 to 4), or 0 if the bytes there
// are not one.
size_t Utf8CharLength(absl::string_view s, size_t pos);
// InvalidArgument naming `what` and the byte offset when `s` is not well-formed UTF-8.
absl::Status CheckUtf8(absl::string_view s, absl::string_view what);

// The pieces as a Vocabulary (count 0 each), whose checksum the id shards of `tokenizer encode`
// carry, so that shards and model cannot be mixed up.
Vocabulary PieceVocabulary(const SubwordModel& model);

// Short lower-case name of a model type ("bpe", "wordpiece", "unigram").
const char* SubwordModelName(SubwordModelType type);

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_SUBWORD_MODEL_H_
