// Id shards (formats/id_shard.h): the encoded corpus that skip-gram and co-occurrence read.
#include <vector>

#include "formats/id_shard.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".wmrec");
  auto reader = wordmill::IdShardReader::Open(file.path(), 0);
  if (!reader.ok()) {
    wordmill::fuzz::ExpectNamesFile(reader.status(), file.path());
    return 0;
  }
  std::vector<uint32_t> ids;
  bool starts_document = false;
  absl::StatusOr<bool> more;
  while ((more = (*reader)->Next(&ids, &starts_document)).ok() && *more) {
  }
  if (!more.ok()) wordmill::fuzz::ExpectNamesFile(more.status(), file.path());
  return 0;
}
