#include "workers/vocab_stats.h"

#include <algorithm>
#include <vector>

namespace wordmill {

// Sums the per-rank figures into stats (identical on every rank afterwards).
// `owned` is the separate owner table (empty without one); `distinct` the number of words this
// rank owns.
absl::Status ReduceStats(const LocalTotals& totals, const WordCounter& local,
                         const WordCounter& owned, size_t distinct, int64_t files, double seconds,
                         Communicator* comm, CorpusStats* stats) {
  const PruneStats& local_prune = local.prune_stats();
  const PruneStats& owner_prune = owned.prune_stats();
  std::vector<int64_t> sums = {totals.reader.stored_bytes,
                               totals.reader.uncompressed_bytes,
                               totals.reader.lines,
                               totals.reader.documents,
                               totals.tokenizer.tokens,
                               static_cast<int64_t>(distinct),
                               totals.tokenizer.invalid_utf8_sequences,
                               totals.tokenizer.long_tokens_dropped,
                               totals.reader.long_lines_skipped,
                               local_prune.entries + owner_prune.entries,
                               local_prune.tokens + owner_prune.tokens};
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(sums), ReduceOp::kSum); !s.ok()) return s;
  std::vector<int64_t> maxima = {std::max(local_prune.threshold, owner_prune.threshold)};
  DistinctSketch sketch = local.sketch();
  for (uint8_t r : sketch.registers()) maxima.push_back(r);
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(maxima), ReduceOp::kMax); !s.ok()) return s;
  std::vector<double> rank_seconds(comm->size(), 0.0);
  rank_seconds[comm->rank()] = seconds;
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(rank_seconds), ReduceOp::kSum); !s.ok()) {
    return s;
  }
  stats->set_files(files);
  stats->set_bytes(sums[0]);
  stats->set_uncompressed_bytes(sums[1]);
  stats->set_lines(sums[2]);
  stats->set_documents(sums[3]);
  stats->set_tokens(sums[4]);
  stats->set_distinct_words(sums[5]);
  stats->set_invalid_utf8_sequences(sums[6]);
  stats->set_long_tokens_dropped(sums[7]);
  stats->set_long_lines_skipped(sums[8]);
  stats->set_pruned_entries(sums[9]);
  stats->set_pruned_tokens(sums[10]);
  stats->set_prune_threshold(maxima[0]);
  if (sums[9] == 0) {
    stats->set_distinct_words_before_pruning(sums[5]);
  } else {
    for (size_t i = 0; i < sketch.registers().size(); ++i) {
      sketch.mutable_registers()[i] = static_cast<uint8_t>(maxima[i + 1]);
    }
    stats->set_distinct_words_before_pruning(static_cast<int64_t>(sketch.Estimate() + 0.5));
    stats->set_distinct_words_estimated(true);
  }
  for (double s : rank_seconds) stats->add_rank_seconds(s);
  return absl::OkStatus();
}

}  // namespace wordmill
