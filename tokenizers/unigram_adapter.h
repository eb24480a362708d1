// The Unigram language model (tokenizers/unigram.h) behind the SubwordModel interface.
//
// Every word is prefixed by U+2581 (`▁`, SentencePiece's word-boundary marker) before it is
// trained on or segmented; a character no piece covers becomes the unknown token.
#ifndef WORDMILL_TOKENIZERS_UNIGRAM_ADAPTER_H_
#define WORDMILL_TOKENIZERS_UNIGRAM_ADAPTER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "tokenizers/subword_model.h"

namespace wordmill {

inline constexpr char kWordBoundaryMarker[] = "\xE2\x96\x81";  // U+2581

// line_ends: see TrainSubwordModel.
absl::StatusOr<std::unique_ptr<SubwordModel>> TrainUnigramModel(
    const SubwordSpec& spec, const TokenizerSpec& tokenizer, WordCounts words, int threads,
    const LineEndCounts* line_ends = nullptr);
absl::StatusOr<std::unique_ptr<SubwordModel>> CreateUnigramModel(SubwordModelData data);

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_UNIGRAM_ADAPTER_H_
