// WordPiece (Schuster & Nakajima; BERT's vocabulary format).
//
// The first character of a word is a piece of its own (`a`), every later one a continuation
// piece (`##b`); the base alphabet is every covered character in the forms it occurs in.
// Training merges the pair with the highest count(ab) / (count(a) count(b)) (pair_merger.h);
// `a` + `##b` makes `ab`, `##a` + `##b` makes `##ab`. Encoding takes, from the start of the
// word, the longest piece in the vocabulary (`##`-prefixed after the first), and so on; a word
// that cannot be covered becomes the unknown token (`[UNK]` by default) as a whole, as in BERT
// and Hugging Face's WordPiece model.
#ifndef WORDMILL_TOKENIZERS_WORDPIECE_MODEL_H_
#define WORDMILL_TOKENIZERS_WORDPIECE_MODEL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "tokenizers/subword_model.h"

namespace wordmill {

inline constexpr char kContinuationPrefix[] = "##";

absl::StatusOr<std::unique_ptr<SubwordModel>> TrainWordPieceModel(const SubwordSpec& spec,
                                                                  const TokenizerSpec& tokenizer,
                                                                  WordCounts words);
absl::StatusOr<std::unique_ptr<SubwordModel>> CreateWordPieceModel(SubwordModelData data);

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_WORDPIECE_MODEL_H_
