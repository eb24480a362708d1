// Stage manifests (pipeline/manifest.h): text format with a checksum of their own text.
#include "pipeline/manifest.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".textproto");
  wordmill::fuzz::ExpectNamesFile(wordmill::ReadManifest(file.path()).status(), file.path());
  return 0;
}
