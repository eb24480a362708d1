// A word -> count table in bounded memory, the unit of counting in the vocabulary stage.
//
// Keys hold words of up to 16 bytes inline and point into an arena of large blocks for longer
// ones, so counting a token allocates nothing except when a new word appears (then only the
// arena's occasional new block and the table's occasional rehash), and looking up a short word
// touches only the table's control bytes and one slot (the table's hash and comparison are
// inline; PipelinedWordCounter prefetches those two for a stream of tokens). When the table's
// estimated memory exceeds its budget, Prune() removes the rarest entries as word2vec's ReduceVocab
// does (count <= k, with k rising from 1 until the table is below half its budget) and compacts the
// arena; what was removed is counted.
#ifndef WORDMILL_WORKERS_WORD_COUNTER_H_
#define WORDMILL_WORKERS_WORD_COUNTER_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "workers/distinct_sketch.h"
#include "workers/word_table.h"

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
  void Add(absl::string_view word, int64_t count = 1) { AddHashed(word, WordHash()(word), count); }
  // Add(word, count) for a word whose WordHash is `hash`.
  void AddHashed(absl::string_view word, size_t hash, int64_t count = 1) {
    WordTable::Entry* entry = table_.Find(word, hash);
    if (entry != nullptr) {
      entry->second += count;
      return;
    }
    Insert(word, hash, count);
  }
  // Add(word) for a short word whose WordHash is `hash`.
  void AddShort(const ShortWord& word, size_t hash) {
    WordTable::Entry* entry = table_.Find(word, hash);
    if (entry != nullptr) {
      ++entry->second;
      return;
    }
    char buffer[ShortWord::kMaxBytes];
    Insert(word.view(buffer), hash, 1);
  }
  // Starts fetching the table memory that a lookup of a word with WordHash `hash` reads first.
  void Prefetch(size_t hash) const { table_.Prefetch(hash); }
  // Adds every entry of `other` (which is left empty).
  void MergeFrom(WordCounter* other);

  size_t size() const { return table_.size(); }
  int64_t memory_bytes() const;
  const PruneStats& prune_stats() const { return prune_stats_; }
  // The sketch of every distinct word ever inserted, including pruned ones.
  const DistinctSketch& sketch() const { return sketch_; }

  // Calls fn(word, count&) for every entry, in unspecified order; fn may change the count.
  // An entry set to 0 stays in the table (and in size()) until a prune removes it, uncounted
  // in prune_stats.
  template <typename Fn>
  void ForEachMutable(Fn&& fn) {
    table_.ForEachMutable([&](const WordKey& key, int64_t& count) { fn(key.view(), count); });
  }
  // Calls fn(word, count) for every entry, in unspecified order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [word, count] : table_) fn(word, count);
  }
  WordTable::const_iterator begin() const { return table_.begin(); }
  WordTable::const_iterator end() const { return table_.end(); }
  // Removes every entry and frees the memory.
  void Clear();

 private:
  void Insert(absl::string_view word, size_t hash, int64_t count);
  // Copies a word that does not fit in a key into the arena.
  absl::string_view Store(absl::string_view word);
  // The key for a new entry (storing the word in the arena if it is too long to be inline).
  WordKey KeyFor(absl::string_view word);
  void Prune();

  int64_t budget_bytes_ = 0;
  WordTable table_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  int64_t arena_bytes_ = 0;
  PruneStats prune_stats_;
  DistinctSketch sketch_;
};

// Counts a stream of tokens into a WordCounter exactly as calling its Add(word) for each would,
// in the same order, but each token kLag tokens late: its table slot is prefetched when it
// arrives, so the cache misses of a table much larger than the cache overlap instead of
// stalling one after another. Tokens are copied, so the caller's views may change at once.
// Call Flush() before reading the counter.
class PipelinedWordCounter {
 public:
  explicit PipelinedWordCounter(WordCounter* counter) : counter_(counter) {}
  PipelinedWordCounter(const PipelinedWordCounter&) = delete;
  PipelinedWordCounter& operator=(const PipelinedWordCounter&) = delete;
  ~PipelinedWordCounter() { Flush(); }

  void Add(absl::string_view word) {
    if (word.size() > ShortWord::kMaxBytes) {
      Flush();  // keeps the order of additions, on which pruning depends
      counter_->Add(word);
      return;
    }
    Pending& slot = ring_[next_ % kLag];
    if (pending_ == kLag) {
      counter_->AddShort(slot.word, slot.hash);
    } else {
      ++pending_;
    }
    slot.word = ShortWord::FromLoads(word);
    slot.hash = WordHash()(slot.word);
    counter_->Prefetch(slot.hash);
    ++next_;
  }

  // Counts the tokens still pending.
  void Flush() {
    for (size_t i = next_ - pending_; i != next_; ++i) {
      const Pending& slot = ring_[i % kLag];
      counter_->AddShort(slot.word, slot.hash);
    }
    pending_ = 0;
  }

 private:
  static constexpr size_t kLag = 16;
  struct Pending {
    ShortWord word;
    size_t hash = 0;
  };

  WordCounter* const counter_;
  Pending ring_[kLag];
  size_t next_ = 0;     // number of short words received
  size_t pending_ = 0;  // words received but not yet counted (the last `pending_` ones)
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_WORD_COUNTER_H_
