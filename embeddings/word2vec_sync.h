// Synchronization of the model replicas of the ranks (see embeddings/README.md).
//
// Every rank keeps a snapshot of the model as it was at the last synchronization. At a sync
// point each rank's delta since the snapshot (x - snapshot) is summed over the ranks with
// AllReduce, and every rank sets x = snapshot + sum of deltas (and the snapshot to x). Summing
// rather than averaging keeps every rank's steps at full size, exactly as the Hogwild threads
// of one rank add their updates to one shared model; averaging would divide each step by the
// number of ranks.
//
// Only rows that some rank changed since the last sync can have a non-zero delta, so by
// default (Rows::kTouched) the workers mark the rows they write (one byte per row of W and of
// C), the ranks exchange the marks as bitmaps (an all-gather through AllToAll, OR-ed locally),
// and only the union's rows are packed (dim floats each, without the row padding) and
// all-reduced. The result is the same as all-reducing the whole matrices (Rows::kAll), bit for
// bit with two ranks: an untouched row has delta +0 on every rank. Bytes per sync and rank:
// P * ceil(V/64) * 8 * 2 for the bitmaps plus (u_W + u_C) * dim * 4 for the rows, u the union
// counts, against 2 * V * padded_dim * 4 for Rows::kAll.
//
// With Precision::kInt16 (the default of `wordmill sgns`, SgnsSpec.sync_precision) the union's
// rows are reduced in two steps instead of one float all-reduce: the rows are cut into P equal
// segments; every rank sends its delta rows of segment j to rank j as 16-bit integers with one
// float scale per row (scale = the row's largest |value| / 32767, so each value is kept to
// 1/32767 of its row's largest change); rank j adds the P contributions in rank order (its own
// exactly, in float), quantizes the sum the same way and sends it to every rank; every rank,
// the owner included, applies the decoded sum, so the replicas stay bit-identical. Bytes per
// sync and rank: 2 * (P - 1) / P * u * (2 * dim + 4) for the rows, about half of the float
// all-reduce's. The rounding moves a value by at most 1/65534 of its row's largest change per
// step, far below the noise of the stochastic updates (bench/RESULTS.md measures the quality).
#ifndef WORDMILL_EMBEDDINGS_WORD2VEC_SYNC_H_
#define WORDMILL_EMBEDDINGS_WORD2VEC_SYNC_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "cluster/communicator.h"
#include "embeddings/word2vec_model.h"

namespace wordmill {

// Totals over all Sync calls of one ReplicaSync (this rank).
struct ReplicaSyncStats {
  int64_t syncs = 0;
  int64_t bytes = 0;  // bytes this rank put into the collectives (bitmaps and rows)
  // Rows of W ([0]) and C ([1]) this rank marked, and in the union over the ranks (what was
  // reduced), summed over the syncs.
  int64_t local_rows[2] = {0, 0};
  int64_t merged_rows[2] = {0, 0};
  double seconds = 0;             // wall time in Sync, waiting for the other ranks included
  double cpu_seconds = 0;         // this thread's CPU time in Sync
  double collective_seconds = 0;  // wall time inside the collectives (AllToAll, AllReduce)
};

class ReplicaSync {
 public:
  enum class Rows { kTouched, kAll };
  enum class Precision { kFloat32, kInt16 };

  // Takes the first snapshot; every rank's model must be identical here. kInt16 applies to
  // Rows::kTouched with more than one rank; otherwise the merge is exact (float).
  // `marks` (2 * rows bytes, W's then C's, zero) is where the workers mark the rows they write;
  // null: the object's own. The ranks of a host that share one model share its marks too.
  explicit ReplicaSync(const Word2vecWeights& model, Rows rows = Rows::kTouched,
                       Precision precision = Precision::kFloat32, uint8_t* marks = nullptr);

  // One byte per row of W (in) and C (out); a worker sets a row's byte to 1 when it writes the
  // row. Every write must be marked: an unmarked change would stay on its rank.
  uint8_t* in_marks() { return in_marks_.data(); }
  uint8_t* out_marks() { return out_marks_.data(); }

  // Collective: merges the replicas' deltas since the last call (or construction) and clears
  // the marks.
  absl::Status Sync(Word2vecWeights* model, Communicator* comm);

  const ReplicaSyncStats& stats() const { return stats_; }

  // False if the last Sync checked every row it merged and found only finite values. Only
  // merged rows can have changed since the previous merge, so then the whole model is still
  // finite and the caller can skip a scan of it; true after a whole-matrix merge (not checked).
  bool merged_non_finite() const { return merged_non_finite_; }

 private:
  absl::Status SyncAll(Word2vecWeights* model, Communicator* comm);
  absl::Status SyncTouched(Word2vecWeights* model, Communicator* comm);
  // The int16 two-step reduction of the union's rows (the class comment); `rows` rows in the
  // union, whose set bits are merged_.
  absl::Status ReduceRowsInt16(Word2vecWeights* model, int64_t rows, Communicator* comm);

  Rows rows_;
  Precision precision_;
  bool merged_non_finite_ = true;
  AlignedFloats in_snapshot_;
  AlignedFloats out_snapshot_;
  std::vector<uint8_t> own_marks_;
  absl::Span<uint8_t> in_marks_, out_marks_;
  std::vector<uint64_t> merged_;  // union bitmap: W's rows, then C's
  std::vector<float> packed_;     // the union's deltas, dim floats per row
  // ReduceRowsInt16's buffers, kept from merge to merge so that no pages are faulted in anew.
  std::vector<std::string> send_, received_;
  std::string mine_;
  std::vector<float> row_;  // one row's delta or sum
  std::vector<float*> x_rows_, s_rows_;
  ReplicaSyncStats stats_;
};

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_WORD2VEC_SYNC_H_
