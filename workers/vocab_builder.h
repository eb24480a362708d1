// The distributed vocabulary stage.
//
//  1. Rank 0 expands the inputs and broadcasts the paths; the ranks resolve a share of the files
//     each and exchange the results (workers/shared_file_list.h); every rank computes the same
//     work-unit plan and its share (workers/shard_plan.h); the ranks of one host pool their
//     shares (workers/unit_queue.h).
//  2. Every thread of every rank on a host takes the next unit of the host's pool (an atomic
//     counter in shared memory, so the host's ranks finish together), tokenizes, and counts
//     into its own WordCounter (budget: half of --vocab-memory-mb, split among threads;
//     workers/rank_word_counter.h).
//  3. Thread tables are merged; entries are routed to their owner rank (the high half of the
//     word's WordHash scaled to the rank count) in all-to-all rounds of at most
//     --exchange-batch-mb per rank; without a budget an owner adds them to its own table (the
//     entries it sent away are set to 0), with one into a table budgeted at the other half
//     (workers/vocab_exchange.h).
//  4. Owners apply min_count and max_size and sort their part; every rank receives all parts
//     and merges them (count desc, bytes asc, cut to max_size), so every rank holds the
//     identical vocabulary (workers/vocab_merge.h). The figures are summed over the ranks
//     (workers/vocab_stats.h).
// Counts are 64-bit throughout. Any rank's failure stops all ranks at the next agreement point.
#ifndef WORDMILL_WORKERS_VOCAB_BUILDER_H_
#define WORDMILL_WORKERS_VOCAB_BUILDER_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct VocabularyResult {
  Vocabulary vocab;   // identical on every rank
  CorpusStats stats;  // totals over all ranks, identical on every rank
  // With VocabularyOptions::count_line_ends, on rank 0 only: how many times each word is the
  // last token of a line (paragraph), counted in the same pass over the input.
  absl::flat_hash_map<std::string, int64_t> line_ends;
};

struct VocabularyOptions {
  // Also count the line-final occurrences of every word (Unigram's seed needs them); the
  // ranks' tables are gathered on rank 0.
  bool count_line_ends = false;
};

absl::StatusOr<VocabularyResult> BuildVocabulary(const VocabCommand& spec, Communicator* comm,
                                                 const VocabularyOptions& options = {});

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_VOCAB_BUILDER_H_
