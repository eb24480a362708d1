// A word -> count table in bounded memory, the unit of counting in the vocabulary stage.
//
// Keys are string_views into an arena of large blocks, so counting a token allocates nothing
// except when a new word appears (then only the arena's occasional new block and the table's
// occasional rehash). When the table's estimated memory exceeds its budget, Prune() removes
// the rarest entries as word2vec's ReduceVocab does (count <= k, with k rising from 1 until the
// table is below half its budget) and compacts the arena; what was removed is counted.
#ifndef WORDMILL_WORKERS_WORD_COUNTER_H_
#define WORDMILL_WORKERS_WORD_COUNTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "workers/distinct_sketch.h"

namespace wordmill {

struct PruneStats {
  int64_t entries = 0;    // entries removed
  int64_t tokens = 0;     // sum of their counts
  int64_t threshold = 0;  // the largest k used (entries with count <= k were removed)
};

class WordCounter {
 public:
  // budget_bytes <= 0: unlimited.
  explicit WordCounter(int64_t budget_bytes = 0);
  WordCounter(WordCounter&&) = default;
  WordCounter& operator=(WordCounter&&) = default;

  // Adds `count` occurrences of `word`; prunes if the budget is exceeded.
  void Add(absl::string_view word, int64_t count = 1) {
    auto it = table_.find(word);
    if (it != table_.end()) {
      it->second += count;
      return;
    }
    Insert(word, count);
  }
  // Adds every entry of `other` (which is left empty).
  void MergeFrom(WordCounter* other);

  size_t size() const { return table_.size(); }
  int64_t memory_bytes() const;
  const PruneStats& prune_stats() const { return prune_stats_; }
  // The sketch of every distinct word ever inserted, including pruned ones.
  const DistinctSketch& sketch() const { return sketch_; }

  // Calls fn(word, count) for every entry, in unspecified order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [word, count] : table_) fn(word, count);
  }
  using Table = absl::flat_hash_map<absl::string_view, int64_t>;
  Table::const_iterator begin() const { return table_.begin(); }
  Table::const_iterator end() const { return table_.end(); }
  // Removes every entry and frees the memory.
  void Clear();

 private:
  void Insert(absl::string_view word, int64_t count);
  absl::string_view Store(absl::string_view word);
  void Prune();

  int64_t budget_bytes_ = 0;
  Table table_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  int64_t arena_bytes_ = 0;
  PruneStats prune_stats_;
  DistinctSketch sketch_;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_WORD_COUNTER_H_
