// The GloVe trainer's input: a rank's co-occurrence shards, checked and shuffled into a flat
// training file.
//
// Shards are the record files of `wordmill cooccur` (formats/cooccur_record.h: int32 i,
// int32 j, float64 x, record type "wordmill.CooccurRecord"). Every header is checked against
// the vocabulary (checksum and size) and every record (ids in range, x finite and > 0); errors
// name the file and record. The training file holds TrainingRecords (i, j, log x, f(x)) in
// host order, without a header; it is a temporary file of the run.
//
// The shuffle is GloVe's, in bounded memory and reproducible from the seed: the records are
// cut into chunks of shuffle_chunk_records, each chunk is shuffled in memory (Fisher-Yates,
// std::mt19937_64 seeded from (seed, rank)) and written to a temporary file; then the K chunk
// files are merged by repeatedly reading chunk_records / K records from each, shuffling those
// and appending them to the output. Memory: one chunk of 16-byte records.
#ifndef WORDMILL_EMBEDDINGS_GLOVE_SHUFFLE_H_
#define WORDMILL_EMBEDDINGS_GLOVE_SHUFFLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wordmill {

struct TrainingRecord {
  int32_t i;     // word row
  int32_t j;     // context row (0-based, not offset)
  float log_x;   // log of the co-occurrence value
  float weight;  // f(x) = min(1, (x / x_max)^alpha)
};
static_assert(sizeof(TrainingRecord) == 16, "TrainingRecord must be 16 bytes");

// The shards in `dir` (cooccur-<r>-of-<n>.wmrec for r = 0..n-1; all of one n, none missing),
// in rank order.
absl::StatusOr<std::vector<std::string>> FindCooccurShards(const std::string& dir);

struct ShuffleOptions {
  uint64_t vocab_checksum = 0;
  int64_t vocab_size = 0;
  double x_max = 10;
  double alpha = 0.75;
  int64_t chunk_records = 1 << 22;
  uint64_t seed = 1;  // already mixed with the rank by the caller
};

struct ShuffleResult {
  int64_t records = 0;
};

// Reads `shards`, shuffles, writes `output` (raw TrainingRecords); temporary chunk files go
// next to it and are removed.
absl::StatusOr<ShuffleResult> ShuffleCooccurrences(const std::vector<std::string>& shards,
                                                   const ShuffleOptions& options,
                                                   const std::string& output);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_GLOVE_SHUFFLE_H_
