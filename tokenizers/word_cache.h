// A per-thread cache of the ids of frequent words, so that encoding a corpus segments each
// distinct word about once. It keeps the first max_words words it is given (Zipf's law makes
// those the frequent ones) and then stops growing, so memory stays bounded and a hit never
// allocates. CachedWordEncoder puts one in front of a model's word segmentation.
#ifndef WORDMILL_TOKENIZERS_WORD_CACHE_H_
#define WORDMILL_TOKENIZERS_WORD_CACHE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "tokenizers/subword_model.h"

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

// The encoder of the models that segment a word independently of its occurrence: each distinct
// word goes through `model->EncodeWord(word, &scratch, ids)` once (while the cache has room).
template <typename Model>
class CachedWordEncoder : public SubwordEncoder {
 public:
  explicit CachedWordEncoder(const Model* model) : model_(model) {}
  void Encode(const TokenList& words, std::vector<uint32_t>* ids) override {
    for (size_t i = 0; i < words.size(); ++i) {
      const absl::string_view word = words[i];
      if (cache_.Lookup(word, ids)) continue;
      const size_t begin = ids->size();
      model_->EncodeWord(word, &scratch_, ids);
      cache_.Insert(word, ids->data() + begin, ids->size() - begin);
    }
  }

 private:
  const Model* model_;
  WordCache cache_;
  typename Model::Scratch scratch_;
};

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_WORD_CACHE_H_
