// The vocabulary in memory and on disk.
//
// A Vocabulary is sorted by count descending, then by the word's UTF-8 bytes ascending; id k is
// row k. Files: vocab.tsv (`word<TAB>count` per line), vocab.wmrec (record file of VocabEntry
// with the producing spec and the checksum in its header), and the exports in GloVe's
// vocab_count layout (`word count`) and word2vec's -save-vocab layout (`word count`, with a
// first `</s>` line carrying the number of lines, as word2vec counts line ends as `</s>`).
#ifndef WORDMILL_FORMATS_VOCAB_FILE_H_
#define WORDMILL_FORMATS_VOCAB_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wordmill {

struct VocabWord {
  std::string word;
  int64_t count = 0;
  bool operator==(const VocabWord& other) const {
    return word == other.word && count == other.count;
  }
};
using Vocabulary = std::vector<VocabWord>;

// The vocabulary order: count descending, then the word's bytes ascending.
bool ComesBefore(const VocabWord& a, const VocabWord& b);
// Orders a vocabulary by count descending, then by bytes ascending.
void SortVocabulary(Vocabulary* vocab);
// A stable 64-bit fingerprint of the words, their order and counts (XXH3), written in file
// headers so later stages can refuse a file built from another vocabulary.
uint64_t VocabularyChecksum(const Vocabulary& vocab);

absl::Status WriteVocabTsv(const std::string& path, const Vocabulary& vocab);
absl::Status WriteVocabGlove(const std::string& path, const Vocabulary& vocab);
absl::Status WriteVocabWord2vec(const std::string& path, const Vocabulary& vocab,
                                int64_t line_count);
// spec_type/spec_text: the producing spec (e.g. "wordmill.VocabCommand" and its text format).
absl::Status WriteVocabRecords(const std::string& path, const Vocabulary& vocab,
                               const std::string& spec_type, const std::string& spec_text);

// Reads vocab.tsv; a malformed line (no tab, a bad or negative count, an empty or duplicate
// word, counts not in order) is InvalidArgument naming the file and line number.
absl::StatusOr<Vocabulary> ReadVocabTsv(const std::string& path);
// Reads vocab.wmrec, verifying the container and the checksum in its header.
absl::StatusOr<Vocabulary> ReadVocabRecords(const std::string& path);

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_VOCAB_FILE_H_
