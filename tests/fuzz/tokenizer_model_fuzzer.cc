// Subword tokenizer models (tokenizers/subword_model.h: BPE, WordPiece, Unigram in the record
// container). A model that loads must also encode and decode without crashing.
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"
#include "tokenizers/subword_model.h"
#include "tokenizers/word_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".wmrec");
  auto model = wordmill::ReadSubwordModel(file.path());
  if (!model.ok()) {
    wordmill::fuzz::ExpectNamesFile(model.status(), file.path());
    return 0;
  }
  wordmill::TokenizerSpec spec;
  wordmill::WordTokenizer words(spec);
  wordmill::TokenList list;
  words.Tokenize("the quick brown fox jumped über 한국어 wörds ,.; 123", &list);
  auto encoder = (*model)->NewEncoder(0, 0);
  if (!encoder.ok()) return 0;
  std::vector<uint32_t> ids;
  (*encoder)->Encode(list, &ids);
  std::string text;
  (*model)->Decode(ids, &text).IgnoreError();
  return 0;
}
