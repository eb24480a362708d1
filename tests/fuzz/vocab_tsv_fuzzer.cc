// vocab.tsv (formats/vocab_file.h: word<TAB>count lines).
#include "formats/vocab_file.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".tsv");
  wordmill::fuzz::ExpectNamesFile(wordmill::ReadVocabTsv(file.path()).status(), file.path());
  return 0;
}
