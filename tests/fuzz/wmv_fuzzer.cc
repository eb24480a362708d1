// The shared embedding file .wmv (formats/wmv_file.h): header, vocabulary, aligned matrix.
#include "formats/wmv_file.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".wmv");
  wordmill::fuzz::ExpectNamesFile(wordmill::ReadWmv(file.path()).status(), file.path());
  return 0;
}
