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
};

class Merger {
 public:
  Merger(std::vector<MergeWord> words, const PairMergerOptions& options,
         std::vector<std::string>* symbols)
      : words_(std::move(words)), options_(options), symbols_(symbols), heap_(Before{symbols}) {
    threshold_ = std::max<int64_t>(1, options_.min_pair_count);
    floor_ = options_.final_min_pair_count > 0
                 ? std::clamp<int64_t>(options_.final_min_pair_count, 1, threshold_)
                 : threshold_;
    for (size_t i = 0; i < symbols_->size(); ++i) {
      symbol_ids_.emplace((*symbols_)[i], static_cast<int32_t>(i));
    }
    symbol_counts_.assign(symbols_->size(), 0);
    if (options_.score == MergeScore::kWordPiece) pairs_of_symbol_.resize(symbols_->size());
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
        if (threshold_ <= floor_) break;
        LowerThreshold();
        continue;
      }
      const Candidate top = heap_.top();
      heap_.pop();
      auto it = pair_counts_.find(top.pair);
      if (it == pair_counts_.end()) continue;
      const Candidate now = Make(top.pair, it->second);
      if (now.count != top.count || now.score != top.score) continue;  // stale
      if (now.count < threshold_) continue;  // (never pushed; kept as a guard)
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

  // A pair is a candidate while its count is at least min_pair_count: only candidates are in
  // the heap and (WordPiece) in pairs_of_symbol_, so the re-scoring after a merge touches only
  // pairs that can still be merged. Every count change passes through here, so a pair whose
  // count rises to the threshold (a reused symbol's new occurrences) becomes a candidate again.
  void ApplyDelta(PairKey pair, int64_t delta) {
    if (delta == 0) return;
    int64_t& count = pair_counts_[pair];
    const bool was_candidate = count >= threshold_;
    count += delta;
    const bool candidate = count >= threshold_;
    if (!pairs_of_symbol_.empty() && was_candidate != candidate) {
      if (candidate) {
        pairs_of_symbol_[Left(pair)].insert(pair);
        pairs_of_symbol_[Right(pair)].insert(pair);
      } else {
        pairs_of_symbol_[Left(pair)].erase(pair);
        pairs_of_symbol_[Right(pair)].erase(pair);
      }
    }
    if (count <= 0) {
      pair_counts_.erase(pair);
      return;
    }
    if (candidate) heap_.push(Make(pair, count));
  }

  // Halves the threshold (not below the floor) and makes the pairs that now reach it
  // candidates.
  void LowerThreshold() {
    const int64_t lower = std::max(floor_, threshold_ / 2);
    for (const auto& [pair, count] : pair_counts_) {
      if (count >= lower && count < threshold_) {
        if (!pairs_of_symbol_.empty()) {
          pairs_of_symbol_[Left(pair)].insert(pair);
          pairs_of_symbol_[Right(pair)].insert(pair);
        }
        heap_.push(Make(pair, count));
      }
    }
    threshold_ = lower;
  }

  int32_t SymbolFor(const std::string& text) {
    auto [it, inserted] = symbol_ids_.emplace(text, static_cast<int32_t>(symbols_->size()));
    if (inserted) {
      symbols_->push_back(text);
      symbol_counts_.push_back(0);
      if (!pairs_of_symbol_.empty()) pairs_of_symbol_.emplace_back();
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
    if (!pairs_of_symbol_.empty()) {
      // The counts of a and b fell, so every pair holding one of them scores higher now.
      for (int32_t symbol : {a, b}) {
        for (PairKey key : pairs_of_symbol_[symbol]) heap_.push(Make(key, pair_counts_[key]));
      }
    }
    return SubwordMerge{a, b, ab};
  }

  std::vector<MergeWord> words_;
  PairMergerOptions options_;
  int64_t threshold_ = 1;  // pairs seen fewer times are not candidates (now)
  int64_t floor_ = 1;      // the threshold is never lowered below this
  std::vector<std::string>* symbols_;
  absl::flat_hash_map<std::string, int32_t> symbol_ids_;
  std::vector<int64_t> symbol_counts_;
  absl::flat_hash_map<PairKey, int64_t> pair_counts_;
  absl::flat_hash_map<PairKey, std::vector<int32_t>> where_;
  absl::flat_hash_map<PairKey, int64_t> deltas_;
  std::vector<absl::flat_hash_set<PairKey>> pairs_of_symbol_;
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

std::vector<SubwordMerge> LearnMerges(std::vector<MergeWord> words,
                                      const PairMergerOptions& options,
                                      std::vector<std::string>* symbols) {
  Merger merger(std::move(words), options, symbols);
  return merger.Run();
}

}  // namespace wordmill
