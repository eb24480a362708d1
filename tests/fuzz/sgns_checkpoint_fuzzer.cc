// Skip-gram/CBOW epoch checkpoints (embeddings/word2vec_checkpoint.h). The model is sized and
// the checksums taken from the bytes' own header, so mutations reach the body checks.
#include <cstring>

#include "embeddings/word2vec_checkpoint.h"
#include "embeddings/word2vec_model.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

namespace {
template <typename T>
T Load(const uint8_t* data, size_t at) {
  T v;
  std::memcpy(&v, data + at, sizeof(T));
  return v;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".ckpt");
  uint32_t dim = 8;
  uint64_t rows = 16, vocab_checksum = 0, fingerprint = 0;
  if (size >= 48) {  // magic 8, version 4, dim 4, rows 8, vocab checksum 8, spec 8, ...
    dim = Load<uint32_t>(data, 12);
    rows = Load<uint64_t>(data, 16);
    vocab_checksum = Load<uint64_t>(data, 24);
    fingerprint = Load<uint64_t>(data, 32);
  }
  if (dim == 0 || dim > 256 || rows == 0 || rows > 4096) {  // keep allocations small
    dim = 8;
    rows = 16;
  }
  wordmill::Word2vecWeights weights(static_cast<int64_t>(rows), static_cast<int>(dim));
  wordmill::fuzz::ExpectNamesFile(
      wordmill::ReadWord2vecCheckpoint(file.path(), vocab_checksum, fingerprint, &weights)
          .status(),
      file.path());
  return 0;
}
