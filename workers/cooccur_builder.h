// The distributed co-occurrence stage (`wordmill cooccur`).
//
//  1. The corpus is encoded into id shards, one per rank (workers/id_encoder.h), in
//     <output_dir>/ids/.
//  2. Rows are assigned to ranks (AssignRowOwners: greedy on the expected pairs per row).
//  3. Each rank's threads count their share of the rank's shard (CooccurCountWorker) into a
//     dense region plus a sparse buffer. In rounds: threads count until their buffer stays over
//     half full after sorting and combining; then the buffers are routed to the row owners
//     (CooccurRouter: all-to-all in bounded batches) and the owner's RunSpiller combines them
//     and spills sorted runs. The rounds continue until no rank has input left (agreed by a
//     max-reduction, so every rank makes the same collective calls). The threads' dense
//     regions are summed and routed the same way.
//  4. Each rank merges its runs (bounded fan-in, several passes if needed) into its shard
//     <output_dir>/cooccur-<rank>-of-<ranks>.wmrec, sorted by (i, j); the header carries the
//     spec, the vocabulary checksum and size, the rank, the token and pair totals.
// Temporary files live in <output_dir>/cooccur-tmp-<rank>/ and are removed on success and on
// error. Memory per rank: memory_mb split as a quarter for the dense regions, half for the
// threads' sparse buffers and a quarter for the receive buffer, each buffer being half records
// and half radix-sort scratch (the exchange batches come out of the receive share).
#ifndef WORDMILL_WORKERS_COOCCUR_BUILDER_H_
#define WORDMILL_WORKERS_COOCCUR_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct CooccurResult {
  int64_t tokens = 0;                 // in-vocabulary tokens, all ranks
  int64_t dropped = 0;                // out-of-vocabulary tokens dropped, all ranks
  int64_t pairs = 0;                  // (centre, context) pairs counted, all ranks
  int64_t records = 0;                // records in all shards
  std::vector<int64_t> rank_records;  // records in each rank's shard
  int64_t runs = 0;                   // sorted runs spilled, all ranks
  int64_t intermediate_merges = 0;
  int64_t exchange_rounds = 0;  // all-to-all rounds (the same on every rank)
  int64_t dense_product = 0;    // the dense region used (see CooccurAccumulator)
  double encode_seconds = 0;
  double count_seconds = 0;  // counting and exchange
  double merge_seconds = 0;
  double seconds = 0;
  // Phase timers, the slowest rank's each (where the time goes; bench/RESULTS.md): threads
  // counting and sorting their buffers, routing records (all-to-all and the owner's copying;
  // the owner's sorting and spilling excluded), the owner's sorting and spilling of runs, the
  // dense regions' summing and emission, and the merge.
  double phase_count = 0, phase_exchange = 0, phase_spill = 0, phase_dense = 0, phase_merge = 0;
  int threads = 0;
  std::vector<std::string> shards;  // every rank's shard path
};

// vocab.wmrec (by its suffix) or vocab.tsv.
absl::StatusOr<Vocabulary> ReadVocabularyFile(const std::string& path);

// Runs the stage; collective. The caller has created output_dir. `spec_text` (the effective
// spec in text format) goes into the headers of the id and co-occurrence shards.
// `encoded_ids`: a directory of id shards already encoded under `vocab` (workers/subword_vocab.h)
// to count instead of encoding spec.input (step 1).
absl::StatusOr<CooccurResult> BuildCooccurrences(const CooccurCommand& spec,
                                                 const std::string& spec_text,
                                                 const Vocabulary& vocab, Communicator* comm,
                                                 const std::string& encoded_ids = "");

// Rank 0 writes <output_dir>/cooccurrence.bin in GloVe's layout from all shards. Collective.
absl::Status ExportGloveCooccurrences(const std::string& output_dir, int ranks, Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_COOCCUR_BUILDER_H_
