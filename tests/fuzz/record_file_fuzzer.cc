// The record-file container (formats/record_file.h): header, zstd blocks, checksums, end marker.
#include "formats/record_file.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".wmrec");
  auto reader = wordmill::RecordReader::Open(file.path());
  if (!reader.ok()) {
    wordmill::fuzz::ExpectNamesFile(reader.status(), file.path());
    return 0;
  }
  absl::string_view record;
  absl::StatusOr<bool> more;
  while ((more = (*reader)->Next(&record)).ok() && *more) {
  }
  if (!more.ok()) wordmill::fuzz::ExpectNamesFile(more.status(), file.path());
  return 0;
}
