// The corpus readers (workers/document_reader.h) and the word tokenizer behind them, one target
// per input format: WORDMILL_FUZZ_FORMAT is FORMAT_PLAIN, FORMAT_WIKIEXTRACTOR, FORMAT_BROWN or
// FORMAT_JSONL; WORDMILL_FUZZ_ZSTD reads the bytes as a zstd stream of plain text. The first
// byte picks where a second work unit starts (uncompressed files are split at byte offsets,
// and each unit must find its own line boundaries).
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_file.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/document_reader.h"
#include "workers/input_files.h"
#include "workers/shard_plan.h"

#ifndef WORDMILL_FUZZ_FORMAT
#define WORDMILL_FUZZ_FORMAT FORMAT_PLAIN
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t split = data[0];
  wordmill::fuzz::FuzzFile file(data + 1, size - 1);
  wordmill::InputSpec spec;
  spec.set_max_line_bytes(1 << 16);
  wordmill::InputFile input;
  input.path = file.path();
  input.size = static_cast<int64_t>(size - 1);
  input.format = wordmill::WORDMILL_FUZZ_FORMAT;
#ifdef WORDMILL_FUZZ_ZSTD
  input.compression = wordmill::COMPRESSION_ZSTD;
  const int64_t mid = input.size;  // a compressed file is one unit
#else
  input.compression = wordmill::COMPRESSION_NONE;
  const int64_t mid = input.size * split / 255;
#endif
  wordmill::TokenizerSpec tokenizer_spec;
  tokenizer_spec.set_case_fold(split & 1);
  wordmill::WordTokenizer tokenizer(tokenizer_spec);
  wordmill::TokenList tokens;
  for (const auto& [begin, end] : {std::pair<int64_t, int64_t>{0, mid}, {mid, input.size}}) {
    if (begin >= end && !(begin == 0 && end == 0)) continue;
    wordmill::WorkUnit unit{0, begin, end};
    wordmill::ForEachParagraph(input, unit, spec, [&](const wordmill::Paragraph& p) {
      tokenizer.Tokenize(p.text, &tokens);
      return absl::OkStatus();
    }).IgnoreError();
  }
  return 0;
}
