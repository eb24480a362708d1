// The hash table under WordCounter: words (keys held inline up to 16 bytes) to counts.
//
// Open addressing with linear probing over 32-byte entries, at most 3/4 full: looking up a
// word usually reads one entry, at a position known from the hash alone, so a caller that
// hashes ahead can prefetch it (PipelinedWordCounter); comparing a short word reads nothing
// else. The hash and comparison are inline because counting calls them for every token.
#ifndef WORDMILL_WORKERS_WORD_TABLE_H_
#define WORDMILL_WORKERS_WORD_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace wordmill {

// The hash: a wyhash-style mix of the word's first and last 8 (or 4) bytes for words up to 16
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

// A word of up to 16 bytes as two little-endian 64-bit halves of its bytes, zero-padded:
// the form in which short words are hashed, stored (WordKey) and compared, without a branch
// on their length.
struct ShortWord {
  static constexpr size_t kMaxBytes = 16;
  uint64_t lo = 0, hi = 0;
  uint32_t size = 0;

  // `word` must have at most kMaxBytes bytes.
  static ShortWord From(absl::string_view word) {
    char padded[kMaxBytes] = {};
    std::memcpy(padded, word.data(), word.size());
    return FromPadded(padded, word.size());
  }
  static ShortWord FromPadded(const char* padded, size_t size) {
    ShortWord w;
    std::memcpy(&w.lo, padded, 8);
    std::memcpy(&w.hi, padded + 8, 8);
    w.size = static_cast<uint32_t>(size);
    return w;
  }
  // From(word) without the variable-length copy: at most two loads, each inside the word
  // (overlapping when the word is shorter than the loads), so nothing past it is read.
  static ShortWord FromLoads(absl::string_view word) {
    const char* p = word.data();
    const size_t n = word.size();
    ShortWord w;
    w.lo = 0;
    w.hi = 0;
    if (n >= 8) {
      std::memcpy(&w.lo, p, 8);
      if (n > 8) {  // bytes n-8 .. n-1; keep those from byte 8 on
        uint64_t tail;
        std::memcpy(&tail, p + n - 8, 8);
        w.hi = tail >> (8 * (16 - n));
      }
    } else if (n >= 4) {  // bytes 0..3 and n-4 .. n-1
      uint32_t head, tail;
      std::memcpy(&head, p, 4);
      std::memcpy(&tail, p + n - 4, 4);
      w.lo = head | (uint64_t{tail} << (8 * (n - 4)));
    } else if (n > 0) {  // bytes 0, n/2 and n-1 cover 1 to 3 bytes
      const auto byte = [&](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])}; };
      w.lo = byte(0) | byte(n / 2) << (8 * (n / 2)) | byte(n - 1) << (8 * (n - 1));
    }
    w.size = static_cast<uint32_t>(n);
    return w;
  }
  absl::string_view view(char* buffer) const {
    std::memcpy(buffer, &lo, 8);
    std::memcpy(buffer + 8, &hi, 8);
    return absl::string_view(buffer, size);
  }
};

// The key of WordCounter's table: a word of up to kInlineBytes bytes (almost every word) is held
// in the key itself, zero-padded, so that comparing it with a token reads no memory beyond the
// table's slot; a longer word is a pointer to bytes stored elsewhere (WordCounter's arena).
class WordKey {
 public:
  static constexpr size_t kInlineBytes = 16;
  static bool FitsInline(absl::string_view word) { return word.size() <= kInlineBytes; }
  // The key of an empty table entry (no word has this size).
  WordKey() : size_(kEmptySize) {}
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
  // Whether the key is `w` (for a key that fits inline: its zero-padded bytes are w's).
  bool Is(const ShortWord& w) const {
    uint64_t lo, hi;
    std::memcpy(&lo, bytes_, 8);
    std::memcpy(&hi, bytes_ + 8, 8);
    return size_ == w.size && lo == w.lo && hi == w.hi;
  }
  bool empty() const { return size_ == kEmptySize; }
  absl::string_view view() const {
    if (size_ <= kInlineBytes) return absl::string_view(bytes_, size_);
    const char* pointer;
    std::memcpy(&pointer, bytes_, sizeof(pointer));
    return absl::string_view(pointer, size_);
  }
  // Views are valid while the key stays where it is (in the table: until the table changes).
  operator absl::string_view() const { return view(); }  // NOLINT: a key is a word

 private:
  static constexpr uint64_t kEmptySize = ~uint64_t{0};
  alignas(8) char bytes_[kInlineBytes] = {};
  uint64_t size_;
};

struct WordHash {
  static constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                            k2 = 0x8ebc6af09c88c6e3ull;
  size_t operator()(const ShortWord& w) const {
    using word_hash_internal::Mix;
    return Mix(w.lo ^ k0 ^ w.size, Mix(w.hi ^ k1, k2));
  }
  size_t operator()(const WordKey& key) const { return (*this)(key.view()); }
  size_t operator()(absl::string_view word) const {
    using word_hash_internal::Load64;
    using word_hash_internal::Mix;
    if (word.size() <= ShortWord::kMaxBytes) return (*this)(ShortWord::From(word));
    const char* p = word.data();
    const size_t n = word.size();
    uint64_t seed = k2;
    for (size_t i = 0; i + 16 < n; i += 16) {
      seed = Mix(Load64(p + i) ^ k1, Load64(p + i + 8) ^ seed);
    }
    return Mix(Load64(p + n - 16) ^ k0 ^ n, Mix(Load64(p + n - 8) ^ k1, seed));
  }
};

struct WordEq {
  template <typename X, typename Y>
  bool operator()(const X& x, const Y& y) const {
    return Same(View(x), View(y));
  }

 private:
  static absl::string_view View(absl::string_view word) { return word; }
  static absl::string_view View(const WordKey& key) { return key.view(); }
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

// Open addressing with linear probing; see the file comment.
class WordTable {
 public:
  // An entry; `first` and `second` as in a map's value_type. An empty entry has an empty key.
  struct Entry {
    WordKey first;
    int64_t second = 0;
  };

  class const_iterator {
   public:
    const_iterator(const Entry* entry, const Entry* end) : entry_(entry), end_(end) { Skip(); }
    const Entry& operator*() const { return *entry_; }
    const Entry* operator->() const { return entry_; }
    const_iterator& operator++() {
      ++entry_;
      Skip();
      return *this;
    }
    bool operator==(const const_iterator& other) const { return entry_ == other.entry_; }
    bool operator!=(const const_iterator& other) const { return entry_ != other.entry_; }

   private:
    void Skip() {
      while (entry_ != end_ && entry_->first.empty()) ++entry_;
    }
    const Entry* entry_;
    const Entry* end_;
  };

  WordTable() : entries_(kMinCapacity) {}
  WordTable(WordTable&&) = default;
  WordTable& operator=(WordTable&&) = default;

  size_t size() const { return size_; }
  size_t capacity() const { return entries_.size(); }
  const_iterator begin() const { return {entries_.data(), entries_.data() + entries_.size()}; }
  const_iterator end() const {
    return {entries_.data() + entries_.size(), entries_.data() + entries_.size()};
  }

  // The entry of `word` (whose WordHash is `hash`), or null.
  Entry* Find(absl::string_view word, size_t hash) {
    const size_t mask = entries_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Entry& entry = entries_[i];
      // Sizes first: an empty key has no view (and no word has its size).
      if (entry.first.size() == word.size() && WordEq()(entry.first, word)) return &entry;
      if (entry.first.empty()) return nullptr;
    }
  }
  // Find for a short word.
  Entry* Find(const ShortWord& word, size_t hash) {
    const size_t mask = entries_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Entry& entry = entries_[i];
      if (entry.first.Is(word)) return &entry;
      if (entry.first.empty()) return nullptr;
    }
  }
  // Calls fn(key, count) for every entry; fn may change the count (not the key).
  template <typename Fn>
  void ForEachMutable(Fn&& fn) {
    for (Entry& entry : entries_) {
      if (!entry.first.empty()) fn(static_cast<const WordKey&>(entry.first), entry.second);
    }
  }
  // Starts fetching the entry where a lookup of a word with WordHash `hash` begins.
  void Prefetch(size_t hash) const {
    __builtin_prefetch(entries_.data() + (hash & (entries_.size() - 1)));
  }
  // Adds an entry for a word that is not in the table.
  void Insert(const WordKey& key, size_t hash, int64_t count) {
    if ((size_ + 1) * 4 > entries_.size() * 3) Grow(entries_.size() * 2);
    Place(key, hash, count);
  }
  // Makes room for n entries without growing.
  void Reserve(size_t n) {
    size_t capacity = entries_.size();
    while (n * 4 > capacity * 3) capacity *= 2;
    if (capacity != entries_.size()) Grow(capacity);
  }
  // Removes every entry and frees the memory.
  void Clear() { WordTable().Swap(this); }
  void Swap(WordTable* other) {
    entries_.swap(other->entries_);
    std::swap(size_, other->size_);
  }

 private:
  static constexpr size_t kMinCapacity = 16;

  void Place(const WordKey& key, size_t hash, int64_t count) {
    const size_t mask = entries_.size() - 1;
    size_t i = hash & mask;
    while (!entries_[i].first.empty()) i = (i + 1) & mask;
    entries_[i].first = key;
    entries_[i].second = count;
    ++size_;
  }
  void Grow(size_t capacity) {
    std::vector<Entry> old(capacity);
    old.swap(entries_);
    size_ = 0;
    for (const Entry& entry : old) {
      if (!entry.first.empty()) Place(entry.first, WordHash()(entry.first), entry.second);
    }
  }

  std::vector<Entry> entries_;  // a power of two of them
  size_t size_ = 0;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_WORD_TABLE_H_
