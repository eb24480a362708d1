// Co-occurrence counting helpers over the record format of formats/cooccur_record.h.
#ifndef WORDMILL_WORKERS_COOCCUR_RECORD_H_
#define WORDMILL_WORKERS_COOCCUR_RECORD_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "formats/cooccur_record.h"

namespace wordmill {
// Sorts records by (i, j) and adds up duplicates in place; returns the new size. An LSD radix
// sort over the key i * 2^bits(V) + j, 16 bits per pass (two passes for V <= 65536), so
// `scratch` must hold n records; ids must be < vocab_size.
size_t SortAndCombine(CooccurRecord* records, CooccurRecord* scratch, size_t n, int64_t vocab_size);

// Which rank owns each row. Rows are dealt out greedily, most frequent first, to the rank with
// the least expected load, where a row's expected number of distinct pairs is
// min(count * 2 * window, vocabulary size): every rank then holds a similar number of records
// (the training stage's work) although a few frequent words carry most of the corpus.
std::vector<int32_t> AssignRowOwners(const std::vector<int64_t>& counts, int window, int ranks);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_COOCCUR_RECORD_H_
