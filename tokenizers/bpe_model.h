// Byte-pair encoding (Sennrich et al.; GPT-2's byte-level variant).
//
// Byte-level (SubwordSpec.byte_level, the default): a word is prefixed by a space and read as
// bytes; the 256 bytes are the base alphabet (ids right after the special tokens, in byte
// order), so any input encodes without an unknown token. Character level: a word is read as
// UTF-8 characters, its last character carrying the `</w>` suffix (`c</w>` is its own symbol);
// the base alphabet is the characters chosen by character_coverage, sorted by bytes, and an
// uncovered character (or an invalid byte) becomes the unknown token.
//
// Training: pair_merger.h on the word counts; the model holds the merges in rank order.
// Encoding a word applies the lowest-ranked merge present, the leftmost one first, until none
// applies: exactly what Hugging Face's BPE model does with the same vocabulary and merges.
#ifndef WORDMILL_TOKENIZERS_BPE_MODEL_H_
#define WORDMILL_TOKENIZERS_BPE_MODEL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "tokenizers/subword_model.h"

namespace wordmill {

inline constexpr char kEndOfWordSuffix[] = "</w>";

absl::StatusOr<std::unique_ptr<SubwordModel>> TrainBpeModel(const SubwordSpec& spec,
                                                            const TokenizerSpec& tokenizer,
                                                            WordCounts words);
absl::StatusOr<std::unique_ptr<SubwordModel>> CreateBpeModel(SubwordModelData data);

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_BPE_MODEL_H_
