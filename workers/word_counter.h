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

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "workers/distinct_sketch.h"

namespace wordmill {

// The hash and equality of WordCounter's table, inline because counting calls them for every
// token: a wyhash-style mix of the word's first and last 8 (or 4) bytes for words up to 16
// bytes (almost all of them), and of 16-byte blocks beyond.
namespace word_hash_internal {

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
// The 128-bit product of a and b, its halves XORed.
inline uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

}  // namespace word_hash_internal

// A word with its WordHash, for lookups whose hash was computed earlier.
struct HashedWord {
  absl::string_view word;
  size_t hash;
};

// The key of WordCounter's table: a word of up to kInlineBytes bytes (almost every word) is held
// in the key itself, zero-padded, so that comparing it with a token reads no memory beyond the
// table's slot; a longer word is a pointer to bytes stored elsewhere (WordCounter's arena).
class WordKey {
 public:
  static constexpr size_t kInlineBytes = 16;
  static bool FitsInline(absl::string_view word) { return word.size() <= kInlineBytes; }
  // Copies a word that FitsInline, else points to its bytes (which must outlive the key).
  explicit WordKey(absl::string_view word) : size_(word.size()) {
    if (FitsInline(word)) {
      std::memcpy(bytes_, word.data(), word.size());
    } else {
      const char* pointer = word.data();
      std::memcpy(bytes_, &pointer, sizeof(pointer));
    }
  }
  size_t size() const { return size_; }
  absl::string_view view() const {
    if (size_ <= kInlineBytes) return absl::string_view(bytes_, size_);
    const char* pointer;
    std::memcpy(&pointer, bytes_, sizeof(pointer));
    return absl::string_view(pointer, size_);
  }
  // Views are valid while the key stays where it is (in the table: until the table changes).
  operator absl::string_view() const { return view(); }  // NOLINT: a key is a word

 private:
  alignas(8) char bytes_[kInlineBytes] = {};
  uint64_t size_;
};

struct WordHash {
  using is_transparent = void;
  size_t operator()(const HashedWord& hashed) const { return hashed.hash; }
  size_t operator()(const WordKey& key) const { return (*this)(key.view()); }
  size_t operator()(absl::string_view word) const {
    using word_hash_internal::Load32;
    using word_hash_internal::Load64;
    using word_hash_internal::Mix;
    constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                       k2 = 0x8ebc6af09c88c6e3ull;
    const char* p = word.data();
    const size_t n = word.size();
    uint64_t a = 0, b = 0, seed = k2;
    if (n >= 8) {
      size_t i = 0;
      for (; i + 16 < n; i += 16) seed = Mix(Load64(p + i) ^ k1, Load64(p + i + 8) ^ seed);
      a = Load64(p + n - (n > 16 ? 16 : 8));
      b = Load64(p + n - 8);
    } else if (n >= 4) {
      a = Load32(p);
      b = Load32(p + n - 4);
    } else if (n > 0) {
      a = uint64_t{static_cast<uint8_t>(p[0])} << 16 |
          uint64_t{static_cast<uint8_t>(p[n >> 1])} << 8 | static_cast<uint8_t>(p[n - 1]);
    }
    return Mix(a ^ k0 ^ n, Mix(b ^ k1, seed));
  }
};

struct WordEq {
  using is_transparent = void;
  template <typename X, typename Y>
  bool operator()(const X& x, const Y& y) const {
    return Same(View(x), View(y));
  }

 private:
  static absl::string_view View(absl::string_view word) { return word; }
  static absl::string_view View(const WordKey& key) { return key.view(); }
  static absl::string_view View(const HashedWord& hashed) { return hashed.word; }
  static bool Same(absl::string_view x, absl::string_view y) {
    using word_hash_internal::Load32;
    using word_hash_internal::Load64;
    const size_t n = x.size();
    if (n != y.size()) return false;
    const char* p = x.data();
    const char* q = y.data();
    if (n > 16) return std::memcmp(p, q, n) == 0;
    if (n >= 8) return ((Load64(p) ^ Load64(q)) | (Load64(p + n - 8) ^ Load64(q + n - 8))) == 0;
    if (n >= 4) return ((Load32(p) ^ Load32(q)) | (Load32(p + n - 4) ^ Load32(q + n - 4))) == 0;
    // Bytes 0, n/2 and n-1 are all the bytes of a word of 1 to 3 bytes.
    return n == 0 || (p[0] == q[0] && p[n >> 1] == q[n >> 1] && p[n - 1] == q[n - 1]);
  }
};

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
  // Add(word) for a word whose WordHash is `hash`.
  void AddHashed(absl::string_view word, size_t hash) {
    auto it = table_.find(word, hash);
    if (it != table_.end()) {
      ++it->second;
      return;
    }
    Insert(word, 1);
  }
  // Fetches the table memory that a lookup of the word with WordHash `hash` reads first into
  // the cache, without waiting for it.
  void Prefetch(absl::string_view word, size_t hash) const {
    table_.prefetch(HashedWord{word, hash});
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
  using Table = absl::flat_hash_map<WordKey, int64_t, WordHash, WordEq>;
  Table::const_iterator begin() const { return table_.begin(); }
  Table::const_iterator end() const { return table_.end(); }
  // Removes every entry and frees the memory.
  void Clear();

 private:
  void Insert(absl::string_view word, int64_t count);
  // Copies a word that does not fit in a key into the arena.
  absl::string_view Store(absl::string_view word);
  // The key for a new entry (storing the word in the arena if it is too long to be inline).
  WordKey KeyFor(absl::string_view word);
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
    if (word.size() > kMaxWordBytes) {
      Flush();  // keeps the order of additions, on which pruning depends
      counter_->Add(word);
      return;
    }
    Pending& slot = ring_[next_ % kLag];
    if (pending_ == kLag) {
      counter_->AddHashed(absl::string_view(slot.bytes, slot.size), slot.hash);
    } else {
      ++pending_;
    }
    std::memcpy(slot.bytes, word.data(), word.size());
    slot.size = static_cast<uint32_t>(word.size());
    slot.hash = WordHash()(word);
    counter_->Prefetch(word, slot.hash);
    ++next_;
  }

  // Counts the tokens still pending.
  void Flush() {
    for (size_t i = next_ - pending_; i != next_; ++i) {
      const Pending& slot = ring_[i % kLag];
      counter_->AddHashed(absl::string_view(slot.bytes, slot.size), slot.hash);
    }
    pending_ = 0;
  }

 private:
  static constexpr size_t kLag = 16;
  static constexpr size_t kMaxWordBytes = 48;
  struct Pending {
    size_t hash;
    uint32_t size;
    char bytes[kMaxWordBytes];
  };

  WordCounter* const counter_;
  Pending ring_[kLag];
  size_t next_ = 0;     // number of tokens received
  size_t pending_ = 0;  // tokens received but not yet counted (the last `pending_` ones)
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_WORD_COUNTER_H_
