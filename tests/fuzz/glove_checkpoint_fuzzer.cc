// GloVe epoch checkpoints (embeddings/glove_checkpoint.h). The parameters are sized and the
// vocabulary checksum taken from the file's own header, so mutations reach the row checks.
#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "embeddings/glove_checkpoint.h"
#include "embeddings/glove_model.h"
#include "formats/record_file.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".wmrec");
  int64_t vocab_size = 16, dim = 8;
  uint64_t checksum = 0;
  if (auto reader = wordmill::RecordReader::Open(file.path()); reader.ok()) {
    const auto& meta = (*reader)->header().metadata();
    int64_t v = 0, d = 0;
    uint64_t c = 0;
    if (meta.count("vocab_size") && absl::SimpleAtoi(meta.at("vocab_size"), &v) && v > 0 &&
        v <= 4096 && meta.count("dim") && absl::SimpleAtoi(meta.at("dim"), &d) && d > 0 &&
        d <= 256 && meta.count("vocab_checksum") &&
        absl::SimpleHexAtoi(meta.at("vocab_checksum"), &c)) {
      vocab_size = v;
      dim = d;
      checksum = c;
    }
  }
  wordmill::GloveParams params;
  wordmill::InitGloveParams(vocab_size, static_cast<int>(dim), 1, &params);
  wordmill::fuzz::ExpectNamesFile(
      wordmill::ReadGloveCheckpoint(file.path(), checksum, &params).status(), file.path());
  return 0;
}
