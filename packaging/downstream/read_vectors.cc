// read_vectors FILE WORD...: opens FILE with wordmill::vectors and prints its format, shape and
// the row of each WORD ("WORD: missing" if absent). Exit 1 with the error if FILE cannot be read.
#include <cstdio>
#include <memory>
#include <string>

#include "formats/vectors.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: read_vectors FILE WORD...\n");
    return 2;
  }
  absl::StatusOr<std::unique_ptr<wordmill::Vectors>> v = wordmill::Vectors::Open(argv[1]);
  if (!v.ok()) {
    std::fprintf(stderr, "read_vectors: %s\n", std::string(v.status().message()).c_str());
    return 1;
  }
  std::printf("%s: %lld x %d\n", wordmill::VectorsFormatName((*v)->format()),
              static_cast<long long>((*v)->rows()), (*v)->dim());
  for (int i = 2; i < argc; ++i) {
    const int64_t row = (*v)->Find(argv[i]);
    std::printf("%s:", argv[i]);
    if (row < 0) std::printf(" missing");
    for (float x : row < 0 ? absl::Span<const float>() : (*v)->Row(row)) std::printf(" %g", x);
    std::printf("\n");
  }
  return 0;
}
