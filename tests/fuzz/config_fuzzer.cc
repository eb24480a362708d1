// Pipeline configs (pipeline/pipeline_config.h): text format, overrides, every stage's checks.
#include "pipeline/pipeline_config.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wordmill::fuzz::FuzzFile file(data, size, ".textproto");
  wordmill::fuzz::ExpectNamesFile(wordmill::LoadPipelineConfig(file.path(), {}).status(),
                                  file.path());
  return 0;
}
