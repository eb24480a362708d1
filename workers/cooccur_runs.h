// Sorted runs of co-occurrence records on disk and their bounded-fan-in merge.
//
// A run is a record file (formats/record_file.h) of CooccurRecords sorted by (i, j) without
// duplicates, in a rank's temporary directory. RunSpiller is the row owner's receive buffer:
// records arrive in sorted pieces, the buffer is combined when full and spilled as a run when
// combining does not free half of it. MergeRuns k-way merges runs (adding up equal pairs)
// with at most `max_open_files` files open: while there are more runs than fit, the oldest
// ones are merged into a new run (each pass reads and writes every record once).
#ifndef WORDMILL_WORKERS_COOCCUR_RUNS_H_
#define WORDMILL_WORKERS_COOCCUR_RUNS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "formats/record_file.h"
#include "workers/cooccur_record.h"
#include "workers/large_array.h"

namespace wordmill {

// Record-writer options for co-occurrence files (fixed 16-byte records).
RecordWriterOptions CooccurWriterOptions();

class RunSpiller {
 public:
  // Runs go to `dir` (created by the caller) as run-<n>.wmrec. Allocates twice
  // buffer_records records (the buffer and the sort's scratch).
  RunSpiller(std::string dir, size_t buffer_records, int64_t vocab_size);

  // Appends n records (raw CooccurRecord bytes, any alignment); combines or spills first if
  // they do not fit. n must be at most half the capacity.
  absl::Status Add(const void* records, size_t n);
  // True if n more records would not fit without combining first.
  bool NeedsRoom(size_t n) const { return size_ + n > buffer_.size(); }
  // Combines the buffer now, and spills it if that does not free half of it. Lets the ranks
  // make room at the same exchange round (the router agrees on it) instead of each rank
  // stopping the exchange for the others whenever its own buffer fills.
  absl::Status MakeRoom();
  // Spills what is buffered (if anything) and releases the buffer.
  absl::Status Finish();

  size_t capacity() const { return buffer_.size(); }
  // Seconds spent sorting, combining and writing runs so far.
  double seconds() const { return seconds_; }
  std::vector<std::string>* runs() { return &runs_; }
  size_t run_count() const { return runs_.size(); }
  int* next_run_id() { return &next_run_id_; }
  const std::string& dir() const { return dir_; }

 private:
  absl::Status Spill();

  std::string dir_;
  int64_t vocab_size_;
  LargeArray<CooccurRecord> buffer_;
  LargeArray<CooccurRecord> scratch_;
  size_t size_ = 0;
  std::vector<std::string> runs_;
  int next_run_id_ = 0;
  double seconds_ = 0;
};

// What a merge has done so far, for the progress line (relaxed atomics, read by another thread).
struct MergeProgress {
  std::atomic<int> merge{0};         // 1-based index of the merge under way
  std::atomic<int> merges{0};        // merges in all (intermediate ones plus the final one)
  std::atomic<int64_t> read{0};      // records read by the merge under way
  std::atomic<int64_t> inputs{0};    // records in that merge's inputs
  std::atomic<int64_t> finished{0};  // records read by the earlier merges
};

struct MergeStats {
  int intermediate_merges = 0;        // merges into temporary runs (0 when all runs fit at once)
  int64_t records = 0;                // records in the final output
  double weight_sum = 0;              // sum of x in the final output
  MergeProgress* progress = nullptr;  // updated when not null
};

// Merges `runs` into `output` (already open), first reducing them in passes of at most
// max_open_files - 1 inputs (one file is the output). Input runs are deleted as they are
// consumed; new intermediate runs are named from *next_run_id in `dir`.
absl::Status MergeRuns(std::vector<std::string> runs, int max_open_files, const std::string& dir,
                       int* next_run_id, RecordWriter* output, MergeStats* stats);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_COOCCUR_RUNS_H_
