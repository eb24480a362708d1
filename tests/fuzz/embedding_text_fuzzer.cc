// word2vec text and binary, GloVe text (formats/embedding_file.h, format detected).
#include "formats/embedding_file.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".txt");
  wordmill::fuzz::ExpectNamesFile(wordmill::ReadEmbeddings(file.path()).status(), file.path());
  return 0;
}
