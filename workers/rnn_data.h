// The examples of `wordmill rnn` as words, read from files (embeddings/rnn_trainer.h takes them
// as ids; pipeline/rnn_train.h does the conversion).
//
// Formats (errors name the file and line):
//  - classify, one file per label (`label=path,label=path`): every non-blank line is a text.
//  - classify, `label<TAB>text` lines (train/dev/test files); a non-blank line without a tab or
//    with an empty label is an error.
//  - tag, Brown: `word/TAG word/TAG ...` lines, one sentence per non-blank line (the tag is
//    after the last '/'); CoNLL: `word<TAB>tag` lines (more columns: the last is the tag), a
//    blank line between sentences. Detected per file: a tab after a line's first field means
//    CoNLL (Brown lines may start with a tab).
//  - lm: any corpus the readers accept (plain, WikiExtractor, Brown, JSONL, zstd); each
//    paragraph is a text, cut into pieces of at most max_length tokens.
// Texts are split into words by the word tokenizer (TokenizerSpec), the one that made the
// embeddings. A tagged word is looked up as the tokenizer's first token of it (`Fulton` ->
// `fulton`; a word the tokenizer drops entirely, e.g. punctuation, keeps its own text).
#ifndef WORDMILL_WORKERS_RNN_DATA_H_
#define WORDMILL_WORKERS_RNN_DATA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct RnnText {
  std::vector<std::string> words;
  std::vector<std::string> labels;  // classify: one label; tag: one per word; lm: none
  std::string where;                // "file:line"
};

// Brown tag reduction (RnnTagset in formats/wordmill.proto): FULL keeps the tag (lower case),
// BASE strips the -tl/-hl/-nc suffixes, the part after '+' and the negation '*', UNIVERSAL maps
// the base tag by workers/brown_universal.tsv (unlisted: X).
std::string ReduceBrownTag(absl::string_view tag, RnnTagset tagset);

// `label=path,label=path,...` (classify).
absl::StatusOr<std::vector<RnnText>> ReadLabelFiles(const std::string& label_files,
                                                    const TokenizerSpec& tokenizer, int max_length);

// Files of `task`'s format (see above); `inputs` may hold directories and globs.
absl::StatusOr<std::vector<RnnText>> ReadRnnFiles(RnnTask task,
                                                  const std::vector<std::string>& inputs,
                                                  RnnTagset tagset, const TokenizerSpec& tokenizer,
                                                  int max_length);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_RNN_DATA_H_
