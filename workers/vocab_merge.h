// The vocabulary from the owners' counts (step 4 of the vocabulary stage,
// workers/vocab_builder.h): each owner's part, then every rank's P-way merge of all parts.
#ifndef WORDMILL_WORKERS_VOCAB_MERGE_H_
#define WORDMILL_WORKERS_VOCAB_MERGE_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"
#include "workers/word_counter.h"

namespace wordmill {

// The owner's part of the final vocabulary: min_count applied, sorted, cut to max_size.
// `distinct` is set to the number of words owned (entries with a non-zero count).
Vocabulary OwnedVocabulary(const WordCounter& owned, const VocabularySpec& spec, size_t* distinct);

// Every rank receives every owner's part (each sorted) and merges them: the vocabulary, the
// same on every rank, without a serial step on one rank and a broadcast after it.
absl::StatusOr<Vocabulary> AssembleVocabulary(const Vocabulary& part, const VocabularySpec& spec,
                                              Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_VOCAB_MERGE_H_
