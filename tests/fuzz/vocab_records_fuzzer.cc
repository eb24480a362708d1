// vocab.wmrec (formats/vocab_file.h: VocabEntry records in the container).
#include "formats/vocab_file.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".wmrec");
  wordmill::fuzz::ExpectNamesFile(wordmill::ReadVocabRecords(file.path()).status(), file.path());
  return 0;
}
