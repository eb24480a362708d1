// Routing the counted words to their owner ranks (step 3 of the vocabulary stage,
// workers/vocab_builder.h), and the (word, count) wire encoding the vocabulary's collectives use.
#ifndef WORDMILL_WORKERS_VOCAB_EXCHANGE_H_
#define WORDMILL_WORKERS_VOCAB_EXCHANGE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cluster/communicator.h"
#include "formats/vocab_file.h"
#include "workers/wire.h"
#include "workers/word_counter.h"

namespace wordmill {

// A (word, count) pair on the wire: the word's bytes, then the count.
void PutWordCount(std::string* out, absl::string_view word, int64_t count);
bool GetWordCount(WireReader* reader, absl::string_view* word, int64_t* count);
// A list of (word, count) pairs, and back (appended to `vocab`; Internal error on malformed
// bytes).
std::string EncodeWordCounts(const Vocabulary& vocab);
absl::Status DecodeWordCountsInto(absl::string_view data, Vocabulary* vocab);

// The rank that owns a word: the high half of its WordHash scaled to [0, ranks) (the table uses
// the low bits for slots, so an owner's words still spread over its table).
int OwnerOf(absl::string_view word, int ranks);

// Routes the words other ranks own to their owners in bounded all-to-all rounds and adds what
// this rank receives to `table` itself (for a table without a memory budget, which cannot
// prune): afterwards the entries with a non-zero count are exactly the words this rank owns,
// with their counts summed over all ranks; the entries it sent away are left at 0. Against
// routing into a new owner table, this rank's own words are neither copied nor re-hashed.
absl::Status ExchangeInPlace(WordCounter* table, int64_t batch_bytes, Communicator* comm);

// Routes every local entry to its owner in bounded all-to-all rounds; returns the owner table.
absl::StatusOr<WordCounter> ExchangeByOwner(const WordCounter& local, int64_t owner_budget,
                                            int64_t batch_bytes, Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_VOCAB_EXCHANGE_H_
