// The vocabulary stage's figures (CorpusStats): what the threads and ranks counted besides the
// words, summed over all ranks.
#ifndef WORDMILL_WORKERS_VOCAB_STATS_H_
#define WORDMILL_WORKERS_VOCAB_STATS_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "cluster/communicator.h"
#include "formats/wordmill.pb.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/document_reader.h"
#include "workers/word_counter.h"

namespace wordmill {

// What one thread (and then one rank) counted besides the words.
struct LocalTotals {
  ReaderCounters reader;
  TokenizerCounters tokenizer;
  void Add(const ReaderCounters& r, const TokenizerCounters& t) {
    reader += r;
    tokenizer.tokens += t.tokens;
    tokenizer.invalid_utf8_sequences += t.invalid_utf8_sequences;
    tokenizer.long_tokens_dropped += t.long_tokens_dropped;
  }
};

// Sums the per-rank figures into stats (identical on every rank afterwards).
// `owned` is the separate owner table (empty without one); `distinct` the number of words this
// rank owns.
absl::Status ReduceStats(const LocalTotals& totals, const WordCounter& local,
                         const WordCounter& owned, size_t distinct, int64_t files, double seconds,
                         Communicator* comm, CorpusStats* stats);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_VOCAB_STATS_H_
