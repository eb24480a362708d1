// A per-thread cache of the ids of frequent words, so that encoding a corpus segments each
// distinct word about once. It keeps the first max_words words it is given (Zipf's law makes
// those the frequent ones) and then stops growing, so memory stays bounded and a hit never
// allocates.
#ifndef WORDMILL_TOKENIZERS_WORD_CACHE_H_
#define WORDMILL_TOKENIZERS_WORD_CACHE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace wordmill {

class WordCache {
 public:
  explicit WordCache(size_t max_words = 1 << 18) : max_words_(max_words) {}

  // Appends the cached ids of `word` to *ids and returns true, or returns false.
  bool Lookup(absl::string_view word, std::vector<uint32_t>* ids) const {
    auto it = index_.find(word);
    if (it == index_.end()) return false;
    ids->insert(ids->end(), ids_.begin() + it->second.first,
                ids_.begin() + it->second.first + it->second.second);
    return true;
  }
  void Insert(absl::string_view word, const uint32_t* ids, size_t n) {
    if (index_.size() >= max_words_) return;
    index_.emplace(std::string(word),
                   std::make_pair(static_cast<uint32_t>(ids_.size()), static_cast<uint32_t>(n)));
    ids_.insert(ids_.end(), ids, ids + n);
  }

 private:
  size_t max_words_;
  absl::flat_hash_map<std::string, std::pair<uint32_t, uint32_t>> index_;  // (offset, length)
  std::vector<uint32_t> ids_;
};

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_WORD_CACHE_H_
