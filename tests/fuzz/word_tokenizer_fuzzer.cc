// The word tokenizer (tokenizers/word_tokenizer.h) on arbitrary bytes, with the options the
// first byte picks; Tokenize and the zero-copy ForEachToken must give the same tokens.
#include <cstdlib>
#include <string>
#include <vector>

#include "tokenizers/word_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  wordmill::TokenizerSpec spec;
  spec.set_case_fold(data[0] & 1);
  spec.set_normalization(static_cast<wordmill::Normalization>((data[0] >> 1) % 3));
  spec.set_keep_inner_punct(data[0] & 8);
  spec.set_fold_digits(data[0] & 16);
  spec.set_invalid_utf8((data[0] & 32) ? wordmill::INVALID_UTF8_DROP
                                       : wordmill::INVALID_UTF8_REPLACE);
  const absl::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  wordmill::WordTokenizer tokenizer(spec);
  wordmill::TokenList list;
  tokenizer.Tokenize(text, &list);
  std::vector<std::string> streamed;
  tokenizer.ForEachToken(text, [&](absl::string_view t) { streamed.emplace_back(t); });
  if (streamed.size() != list.size()) std::abort();
  for (size_t i = 0; i < list.size(); ++i) {
    if (streamed[i] != list[i]) std::abort();
  }
  return 0;
}
