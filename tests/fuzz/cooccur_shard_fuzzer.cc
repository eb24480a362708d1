// Co-occurrence shards as GloVe reads them (embeddings/glove_shuffle.h): records in the
// container, ids bounded by the vocabulary, counts finite and positive.
#include <cstdio>
#include <string>

#include "embeddings/glove_shuffle.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".wmrec");
  wordmill::ShuffleOptions options;
  options.vocab_size = 1000;
  options.chunk_records = 64;
  const std::string output = file.path() + ".train.bin";
  auto result = wordmill::ShuffleCooccurrences({file.path()}, options, output);
  std::remove(output.c_str());
  wordmill::fuzz::ExpectNamesFile(result.status(), file.path());
  return 0;
}
