// The counting threads of one rank in the vocabulary stage (step 2, workers/vocab_builder.h):
// each thread takes the next unit of the rank's UnitQueue, reads and tokenizes it and counts
// into its own WordCounter; the tables are merged at the end.
#ifndef WORDMILL_WORKERS_RANK_WORD_COUNTER_H_
#define WORDMILL_WORKERS_RANK_WORD_COUNTER_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "formats/wordmill.pb.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/input_files.h"
#include "workers/progress.h"
#include "workers/unit_queue.h"
#include "workers/vocab_stats.h"
#include "workers/word_counter.h"

namespace wordmill {

// Reads and counts this rank's units with `threads` threads (the calling one and threads - 1
// more), each table budgeted at half of --vocab-memory-mb split among the threads. With
// `count_line_ends` it also counts how often each word ends a paragraph.
class RankWordCounter {
 public:
  RankWordCounter(const VocabCommand& spec, const std::vector<InputFile>& files, UnitQueue* units,
                  int threads, bool count_line_ends, ProgressCounters* progress);

  // Counts until the queue is empty; the first error of any thread (the others stop at their
  // next unit).
  absl::Status Run();
  // The threads' line-end tables summed into one.
  absl::flat_hash_map<std::string, int64_t> TakeLineEnds();
  // Merges every thread's table into the first and returns it with the summed totals.
  WordCounter TakeMerged(LocalTotals* totals);

 private:
  void Work(size_t t);
  absl::Status CountUnit(const InputFile& file, const WorkUnit& unit, WordTokenizer* tokenizer,
                         WordCounter* counter, LocalTotals* totals,
                         absl::flat_hash_map<std::string, int64_t>* line_ends);

  const VocabCommand& spec_;
  const std::vector<InputFile>& files_;
  UnitQueue* const units_;
  const bool count_line_ends_;
  ProgressCounters* progress_;
  std::vector<absl::flat_hash_map<std::string, int64_t>> line_ends_;
  std::vector<WordCounter> counters_;
  std::vector<LocalTotals> totals_;
  std::atomic<bool> failed_{false};
  std::mutex error_mutex_;
  absl::Status first_error_;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_RANK_WORD_COUNTER_H_
