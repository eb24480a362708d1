// NumPy .npy (formats/npy_file.h): magic, header dict, shape and dtype against the file size.
#include "formats/npy_file.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".npy");
  wordmill::fuzz::ExpectNamesFile(wordmill::ReadNpy(file.path()).status(), file.path());
  return 0;
}
