// Export of a subword model to other tools' formats.
//
// Hugging Face `tokenizer.json`: no normalizer (the text given to it must be the normalized
// text, as `wordmill tokenize` prints it: wordmill's Unicode normalization, case folding and
// punctuation splitting are not expressible as Hugging Face normalizers), a pre-tokenizer that
// splits at the spaces between words and adds the model's word-boundary marker, and the model
// itself, so that Hugging Face gives exactly the ids of `wordmill tokenizer encode`:
//   byte-level BPE  WhitespaceSplit + ByteLevel(add_prefix_space, no regex); BPE model on
//                   GPT-2's byte-to-character alphabet (a space is `Ġ`); ByteLevel decoder
//   character BPE   WhitespaceSplit; BPE model with end_of_word_suffix `</w>`; BPEDecoder
//   WordPiece       WhitespaceSplit; WordPiece model (`##`); WordPiece decoder
//   Unigram         Metaspace (`▁`, prepend always); Unigram model; Metaspace decoder
// The special tokens are `added_tokens` with their ids.
#ifndef WORDMILL_TOKENIZERS_HF_EXPORT_H_
#define WORDMILL_TOKENIZERS_HF_EXPORT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tokenizers/subword_model.h"

namespace wordmill {

// GPT-2's printable stand-in for each byte (UTF-8 of one code point): `!`..`~`, `¡`..`¬` and
// `®`..`ÿ` stand for themselves, the other bytes for U+0100 onwards (space is `Ġ`, U+0120).
std::string ByteLevelString(absl::string_view bytes);

// The pieces as they are shown (`tokenizer encode --text-format pieces`, the vocab export) and
// exported: byte-level BPE pieces through ByteLevelString, the others as stored.
std::vector<std::string> DisplayPieces(const SubwordModel& model);

// The Hugging Face tokenizer.json text of `model`.
std::string HuggingFaceTokenizerJson(const SubwordModel& model);

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_HF_EXPORT_H_
