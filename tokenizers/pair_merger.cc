#include "tokenizers/pair_merger.h"

#include <algorithm>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace wordmill {
namespace {

using PairKey = uint64_t;
PairKey Key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}
int32_t Left(PairKey key) { return static_cast<int32_t>(key >> 32); }
int32_t Right(PairKey key) { return static_cast<int32_t>(key & 0xffffffffu); }

struct Candidate {
  double score;
  int64_t count;
  PairKey pair;
  // WordPiece: >= 0 marks a bound entry for every pair holding this symbol (score 1/count of
  // the symbol, above any such pair's score) instead of a pair.
  int32_t symbol = -1;
};

class Merger {
 public:
  Merger(std::vector<MergeWord> words, const PairMergerOptions& options,
         std::vector<std::string>* symbols)
      : words_(std::move(words)),
        options_(options),
        symbols_(symbols),
        minimum_(std::max<int64_t>(1, options.min_pair_count)),
        final_minimum_(options.final_min_pair_count > 0
                           ? std::min(minimum_, options.final_min_pair_count)
                           : minimum_),
        heap_(Before{symbols}) {
    for (size_t i = 0; i < symbols_->size(); ++i) {
      symbol_ids_.emplace((*symbols_)[i], static_cast<int32_t>(i));
    }
    symbol_counts_.assign(symbols_->size(), 0);
    if (options_.score == MergeScore::kWordPiece) {
      pairs_of_symbol_.resize(symbols_->size());
      loose_.resize(symbols_->size());
    }
    for (size_t w = 0; w < words_.size(); ++w) {
      const std::vector<int32_t>& s = words_[w].symbols;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] >= 0) symbol_counts_[s[i]] += words_[w].count;
        if (i + 1 < s.size()) AddPair(s[i], s[i + 1], words_[w].count, static_cast<int32_t>(w));
      }
    }
    for (auto& [pair, count] : deltas_) {
      ApplyDelta(pair, count);
    }
    deltas_.clear();
  }

  std::vector<SubwordMerge> Run() {
    std::vector<SubwordMerge> merges;
    while (symbols_->size() < options_.target_symbols) {
      if (heap_.empty()) {
        if (!Lower()) break;
        continue;
      }
      const Candidate top = heap_.top();
      heap_.pop();
      if (top.symbol >= 0) {  // WordPiece: a bound could be the best now; requeue its pairs
        Expand(top.symbol);
        continue;
      }
      auto it = pair_counts_.find(top.pair);
      if (it == pair_counts_.end()) continue;
      const Candidate now = Make(top.pair, it->second);
      if (now.count != top.count || now.score != top.score) {  // stale
        // WordPiece entries are upper bounds of their pair's score: requeue at the true one
        // (a pair below min_pair_count is requeued when its count reaches it again).
        if (options_.score == MergeScore::kWordPiece && now.count >= minimum_) {
          heap_.push(now);
        }
        continue;
      }
      if (now.count < minimum_) {
        if (options_.score == MergeScore::kPairCount) break;  // the heap is ordered by count
        continue;
      }
      merges.push_back(Merge(top.pair));
    }
    return merges;
  }

 private:
  // Heap order: the best candidate on top.
  struct Before {
    const std::vector<std::string>* symbols;
    bool operator()(const Candidate& a, const Candidate& b) const {  // a below b?
      if (a.score != b.score) return a.score < b.score;
      if ((a.symbol >= 0) != (b.symbol >= 0)) return b.symbol >= 0;  // bounds first
      if (a.symbol >= 0) return a.symbol > b.symbol;
      if (a.count != b.count) return a.count < b.count;
      const std::string& al = (*symbols)[Left(a.pair)];
      const std::string& bl = (*symbols)[Left(b.pair)];
      if (al != bl) return al > bl;
      return (*symbols)[Right(a.pair)] > (*symbols)[Right(b.pair)];
    }
  };

  Candidate Make(PairKey pair, int64_t count) const {
    double score = static_cast<double>(count);
    if (options_.score == MergeScore::kWordPiece) {
      score = score / (static_cast<double>(symbol_counts_[Left(pair)]) *
                       static_cast<double>(symbol_counts_[Right(pair)]));
    }
    return Candidate{score, count, pair};
  }

  void AddPair(int32_t left, int32_t right, int64_t count, int32_t word) {
    if (left < 0 || right < 0) return;
    const PairKey key = Key(left, right);
    deltas_[key] += count;
    std::vector<int32_t>& where = where_[key];
    if (where.empty() || where.back() != word) where.push_back(word);
  }

  void ApplyDelta(PairKey pair, int64_t delta) {
    if (delta == 0) return;
    int64_t& count = pair_counts_[pair];
    const int64_t before = count;
    count += delta;
    if (options_.score == MergeScore::kWordPiece) {
      // Only pairs seen min_pair_count times are indexed by symbol and queued. A falling count
      // lowers the score, and the queued entry stays an upper bound (requeued when popped).
      const bool was_indexed = before >= minimum_;
      const bool indexed = count >= minimum_;
      if (was_indexed != indexed) {
        for (int32_t symbol : {Left(pair), Right(pair)}) {
          if (indexed) {
            pairs_of_symbol_[symbol].insert(pair);
          } else {
            pairs_of_symbol_[symbol].erase(pair);
          }
        }
      }
      if (count <= 0) pair_counts_.erase(pair);
      if (indexed && delta > 0) heap_.push(Make(pair, count));
      return;
    }
    if (count <= 0) {
      pair_counts_.erase(pair);
      return;
    }
    heap_.push(Make(pair, count));
  }

  // WordPiece, when no pair is left at the minimum count: halves it (not below
  // final_min_pair_count) and queues the pairs that reach the new one. False when it cannot.
  bool Lower() {
    if (options_.score != MergeScore::kWordPiece || minimum_ <= final_minimum_) return false;
    const int64_t old_minimum = minimum_;
    minimum_ = std::max(final_minimum_, minimum_ / 2);
    for (const auto& [pair, count] : pair_counts_) {
      if (count < minimum_ || count >= old_minimum) continue;
      pairs_of_symbol_[Left(pair)].insert(pair);
      pairs_of_symbol_[Right(pair)].insert(pair);
      heap_.push(Make(pair, count));
    }
    return true;
  }

  // WordPiece: the count of `symbol` fell, so every pair holding it scores higher. Rather than
  // requeue them all, queue one bound: count(xy) <= count(y) makes count(xy) / (count(x)
  // count(y)) at most 1 / count(x), so they need requeueing only when that bound comes to the
  // top of the heap.
  void Loosen(int32_t symbol) {
    if (pairs_of_symbol_[symbol].empty()) return;
    loose_[symbol] = true;
    // Rounding: a pair's score is a correctly rounded quotient of exact integers (products
    // below 2^53), so it does not exceed the rounded 1 / count; the margin makes sure.
    heap_.push(Candidate{(1.0 + 1e-9) / static_cast<double>(symbol_counts_[symbol]), 0, 0, symbol});
  }

  // Requeues the pairs of `symbol` at their true scores (once per Loosen).
  void Expand(int32_t symbol) {
    if (!loose_[symbol]) return;
    loose_[symbol] = false;
    for (PairKey key : pairs_of_symbol_[symbol]) heap_.push(Make(key, pair_counts_.at(key)));
  }

  int32_t SymbolFor(const std::string& text) {
    auto [it, inserted] = symbol_ids_.emplace(text, static_cast<int32_t>(symbols_->size()));
    if (inserted) {
      symbols_->push_back(text);
      symbol_counts_.push_back(0);
      if (options_.score == MergeScore::kWordPiece) {
        pairs_of_symbol_.emplace_back();
        loose_.push_back(false);
      }
    }
    return it->second;
  }

  SubwordMerge Merge(PairKey pair) {
    const int32_t a = Left(pair);
    const int32_t b = Right(pair);
    std::string joined = (*symbols_)[a];
    const std::string& right = (*symbols_)[b];
    // WordPiece: `x` + `##y` is `xy`.
    const size_t skip =
        options_.score == MergeScore::kWordPiece && right.compare(0, 2, "##") == 0 ? 2 : 0;
    joined.append(right, skip, std::string::npos);
    const int32_t ab = SymbolFor(joined);

    std::vector<int32_t> where = std::move(where_[pair]);
    where_.erase(pair);
    std::sort(where.begin(), where.end());
    where.erase(std::unique(where.begin(), where.end()), where.end());
    for (int32_t w : where) {
      std::vector<int32_t>& s = words_[w].symbols;
      const int64_t c = words_[w].count;
      bool found = false;
      for (size_t i = 0; i + 1 < s.size() && !found; ++i) found = s[i] == a && s[i + 1] == b;
      if (!found) continue;  // the index may hold words the pair has left
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        if (s[i] >= 0 && s[i + 1] >= 0) deltas_[Key(s[i], s[i + 1])] -= c;
      }
      size_t out = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
          s[out++] = ab;
          symbol_counts_[a] -= c;
          symbol_counts_[b] -= c;
          symbol_counts_[ab] += c;
          ++i;
        } else {
          s[out++] = s[i];
        }
      }
      s.resize(out);
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        if (s[i] == ab || s[i + 1] == ab) {
          AddPair(s[i], s[i + 1], c, w);
        } else if (s[i] >= 0 && s[i + 1] >= 0) {
          deltas_[Key(s[i], s[i + 1])] += c;
        }
      }
    }
    for (auto& [key, delta] : deltas_) ApplyDelta(key, delta);
    deltas_.clear();
    if (options_.score == MergeScore::kWordPiece) {
      Loosen(a);
      if (b != a) Loosen(b);
    }
    return SubwordMerge{a, b, ab};
  }

  std::vector<MergeWord> words_;
  PairMergerOptions options_;
  std::vector<std::string>* symbols_;
  int64_t minimum_;        // pairs seen fewer times are not merged (now)
  int64_t final_minimum_;  // WordPiece: the lowest minimum_ that Lower goes to
  absl::flat_hash_map<std::string, int32_t> symbol_ids_;
  std::vector<int64_t> symbol_counts_;
  absl::flat_hash_map<PairKey, int64_t> pair_counts_;
  absl::flat_hash_map<PairKey, std::vector<int32_t>> where_;
  absl::flat_hash_map<PairKey, int64_t> deltas_;
  // WordPiece: the pairs seen min_pair_count times, by symbol (both of theirs).
  std::vector<absl::flat_hash_set<PairKey>> pairs_of_symbol_;
  std::vector<char> loose_;  // a bound for the symbol's pairs is queued (see Loosen)
  std::priority_queue<Candidate, std::vector<Candidate>, Before> heap_;
};

}  // namespace

absl::flat_hash_set<std::string> SelectCharacters(const WordCounts& words, double coverage) {
  absl::flat_hash_map<std::string, int64_t> counts;
  int64_t total = 0;
  for (const auto& [word, count] : words) {
    for (size_t i = 0; i < word.size();) {
      const size_t n = std::max<size_t>(1, Utf8CharLength(word, i));
      counts[word.substr(i, n)] += count;
      total += count;
      i += n;
    }
  }
  std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  absl::flat_hash_set<std::string> chosen;
  int64_t covered = 0;
  for (const auto& [c, count] : sorted) {
    if (!chosen.empty() && static_cast<double>(covered) >= coverage * static_cast<double>(total)) {
      break;
    }
    chosen.insert(c);
    covered += count;
  }
  return chosen;
}

std::vector<SubwordPiece> SpecialPieces(const SubwordSpec& spec) {
  std::vector<SubwordPiece> pieces;
  for (const std::string& token : SpecialTokens(spec)) pieces.push_back({token, 0.0, true});
  return pieces;
}

absl::Status CheckVocabSize(const SubwordSpec& spec, size_t specials, size_t alphabet,
                            const char* alphabet_name) {
  if (static_cast<size_t>(spec.vocab_size()) < specials + alphabet) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--vocab-size ", spec.vocab_size(), " is smaller than the ", specials,
        " special tokens plus the base alphabet of ", alphabet, " ", alphabet_name,
        " (raise --vocab-size",
        spec.model() == SUBWORD_BPE && spec.byte_level() ? "" : " or lower --character-coverage",
        ")"));
  }
  return absl::OkStatus();
}

PairMergerOptions MinPairCounts(const SubwordSpec& spec, int64_t total_count) {
  PairMergerOptions options;
  options.min_pair_count = spec.min_pair_count();
  options.final_min_pair_count = 0;
  if (options.min_pair_count > 0) return options;
  options.min_pair_count = 2;
  if (spec.model() == SUBWORD_WORDPIECE) {
    options.min_pair_count =
        std::max<int64_t>(2, 4 * total_count / std::max<int64_t>(1, spec.vocab_size()));
    options.final_min_pair_count = 2;
  }
  return options;
}

std::vector<SubwordMerge> LearnMerges(std::vector<MergeWord> words,
                                      const PairMergerOptions& options,
                                      std::vector<std::string>* symbols) {
  Merger merger(std::move(words), options, symbols);
  return merger.Run();
}

}  // namespace wordmill
