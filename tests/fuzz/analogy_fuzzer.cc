// Analogy question files (embeddings/eval_data.h: `: section` lines and 4-word questions).
#include "embeddings/eval_data.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".txt");
  wordmill::fuzz::ExpectNamesFile(wordmill::ReadAnalogyFile(file.path()).status(), file.path());
  return 0;
}
