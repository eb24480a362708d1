#include "tokenizers/bpe_model.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tokenizers/pair_merger.h"
#include "tokenizers/word_cache.h"

namespace wordmill {
namespace {

constexpr size_t kSuffixLength = sizeof(kEndOfWordSuffix) - 1;

class BpeModel : public SubwordModel {
 public:
  explicit BpeModel(SubwordModelData data) : SubwordModel(std::move(data)) {
    byte_level_ = data_.spec.byte_level();
    InitSurfaces(byte_level_ ? &ByteSurface : &CharSurface);
    merges_.reserve(data_.merges.size());
    for (size_t rank = 0; rank < data_.merges.size(); ++rank) {
      const SubwordMerge& m = data_.merges[rank];
      merges_.emplace(Key(m.left, m.right), std::make_pair(static_cast<int32_t>(rank), m.result));
    }
  }

  absl::Status Check() const {
    const int32_t n = static_cast<int32_t>(data_.pieces.size());
    if (byte_level_ && n < first_normal_id_ + 256) {
      return absl::DataLossError("byte-level BPE model without its 256 byte pieces");
    }
    for (const SubwordMerge& m : data_.merges) {
      for (int32_t id : {m.left, m.right, m.result}) {
        if (id < first_normal_id_ || id >= n) {
          return absl::DataLossError(
              absl::StrCat("merge refers to piece id ", id, " outside the model's ", n, " pieces"));
        }
      }
      if (data_.pieces[m.result].piece !=
          data_.pieces[m.left].piece + data_.pieces[m.right].piece) {
        return absl::DataLossError(
            absl::StrCat("merge ", m.left, " + ", m.right, " does not make piece ", m.result));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<SubwordEncoder>> NewEncoder(double sample_alpha,
                                                             uint64_t) const override;

  struct Scratch {
    std::vector<int32_t> symbols;
    std::vector<int32_t> ranks;  // rank of the merge of each adjacent pair
    std::string character;
  };

  // Appends the ids of one word.
  void EncodeWord(absl::string_view word, Scratch* scratch, std::vector<uint32_t>* ids) const {
    std::vector<int32_t>* symbols = &scratch->symbols;
    std::vector<int32_t>* ranks = &scratch->ranks;
    std::string* character = &scratch->character;
    symbols->clear();
    if (byte_level_) {
      symbols->push_back(first_normal_id_ + ' ');
      for (unsigned char c : word) symbols->push_back(first_normal_id_ + c);
    } else {
      for (size_t i = 0; i < word.size();) {
        const size_t n = std::max<size_t>(1, Utf8CharLength(word, i));
        character->assign(word.data() + i, n);
        if (i + n == word.size()) character->append(kEndOfWordSuffix);
        const int32_t id = PieceId(*character);
        symbols->push_back(id < 0 ? unk_id() : id);
        i += n;
      }
    }
    // Rank of the pair starting at each position (max: no merge).
    const int32_t kNone = std::numeric_limits<int32_t>::max();
    auto rank_at = [&](size_t i) {
      auto it = merges_.find(Key((*symbols)[i], (*symbols)[i + 1]));
      return it == merges_.end() ? kNone : it->second.first;
    };
    ranks->clear();
    for (size_t i = 0; i + 1 < symbols->size(); ++i) ranks->push_back(rank_at(i));
    while (!ranks->empty()) {
      const auto best = std::min_element(ranks->begin(), ranks->end());
      if (*best == kNone) break;
      const size_t i = static_cast<size_t>(best - ranks->begin());
      (*symbols)[i] = data_.merges[*best].result;
      symbols->erase(symbols->begin() + static_cast<ptrdiff_t>(i) + 1);
      ranks->erase(ranks->begin() + static_cast<ptrdiff_t>(i));
      if (i + 1 < symbols->size()) (*ranks)[i] = rank_at(i);
      if (i > 0) (*ranks)[i - 1] = rank_at(i - 1);
    }
    for (int32_t s : *symbols) ids->push_back(static_cast<uint32_t>(s));
  }

 private:
  static uint64_t Key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  static Surface ByteSurface(const std::string& piece) {
    if (!piece.empty() && piece[0] == ' ') return Surface{piece.substr(1), true, false};
    return Surface{piece, false, false};
  }
  static Surface CharSurface(const std::string& piece) {
    if (absl::EndsWith(piece, kEndOfWordSuffix)) {
      return Surface{piece.substr(0, piece.size() - kSuffixLength), false, true};
    }
    return Surface{piece, false, false};
  }

  bool byte_level_ = true;
  absl::flat_hash_map<uint64_t, std::pair<int32_t, int32_t>> merges_;  // -> (rank, result)
};

absl::StatusOr<std::unique_ptr<SubwordEncoder>> BpeModel::NewEncoder(double sample_alpha,
                                                                     uint64_t) const {
  if (sample_alpha != 0) {
    return absl::InvalidArgumentError("--sample-alpha needs a unigram model, not BPE");
  }
  return std::unique_ptr<SubwordEncoder>(new CachedWordEncoder<BpeModel>(this));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SubwordModel>> TrainBpeModel(const SubwordSpec& spec,
                                                            const TokenizerSpec& tokenizer,
                                                            WordCounts words) {
  std::sort(words.begin(), words.end());  // the merge order must not depend on input order
  SubwordModelData data;
  data.spec = spec;
  data.tokenizer = tokenizer;
  data.pieces = SpecialPieces(spec);
  const size_t specials = data.pieces.size();
  for (const auto& [word, count] : words) {
    ++data.training_words;
    data.training_tokens += count;
  }

  std::vector<std::string> symbols;
  std::vector<MergeWord> merge_words;
  merge_words.reserve(words.size());
  if (spec.byte_level()) {
    if (absl::Status s = CheckVocabSize(spec, specials, 256, "bytes"); !s.ok()) return s;
    for (int b = 0; b < 256; ++b) symbols.push_back(std::string(1, static_cast<char>(b)));
    for (const auto& [word, count] : words) {
      MergeWord w;
      w.count = count;
      w.symbols.push_back(' ');
      for (unsigned char c : word) w.symbols.push_back(c);
      merge_words.push_back(std::move(w));
    }
  } else {
    for (const auto& [word, count] : words) {
      if (absl::Status s = CheckUtf8(word, absl::StrCat("training word '", word, "'")); !s.ok()) {
        return s;
      }
    }
    const absl::flat_hash_set<std::string> alphabet =
        SelectCharacters(words, spec.character_coverage());
    // Every covered character as it occurs: inside a word and/or word-final.
    absl::flat_hash_set<std::string> base;
    for (const auto& [word, count] : words) {
      for (size_t i = 0; i < word.size();) {
        const size_t n = Utf8CharLength(word, i);
        std::string c = word.substr(i, n);
        i += n;
        if (!alphabet.contains(c)) continue;
        if (i == word.size()) c.append(kEndOfWordSuffix);
        base.insert(std::move(c));
      }
    }
    symbols.assign(base.begin(), base.end());
    std::sort(symbols.begin(), symbols.end());
    if (absl::Status s = CheckVocabSize(spec, specials, symbols.size(), "characters"); !s.ok()) {
      return s;
    }
    absl::flat_hash_map<std::string, int32_t> ids;
    for (size_t i = 0; i < symbols.size(); ++i) ids.emplace(symbols[i], static_cast<int32_t>(i));
    std::string c;
    for (const auto& [word, count] : words) {
      MergeWord w;
      w.count = count;
      for (size_t i = 0; i < word.size();) {
        const size_t n = Utf8CharLength(word, i);
        c.assign(word, i, n);
        i += n;
        if (i == word.size()) c.append(kEndOfWordSuffix);
        auto it = ids.find(c);
        w.symbols.push_back(it == ids.end() ? -1 : it->second);
      }
      merge_words.push_back(std::move(w));
    }
  }
  words.clear();
  words.shrink_to_fit();

  PairMergerOptions options = MinPairCounts(spec, data.training_tokens);
  options.score = MergeScore::kPairCount;
  options.target_symbols = static_cast<size_t>(spec.vocab_size()) - specials;
  const std::vector<SubwordMerge> merges = LearnMerges(std::move(merge_words), options, &symbols);
  for (std::string& s : symbols) data.pieces.push_back({std::move(s), 0.0, false});
  const int32_t offset = static_cast<int32_t>(specials);
  for (const SubwordMerge& m : merges) {
    data.merges.push_back({m.left + offset, m.right + offset, m.result + offset});
  }
  return CreateBpeModel(std::move(data));
}

absl::StatusOr<std::unique_ptr<SubwordModel>> CreateBpeModel(SubwordModelData data) {
  auto model = std::make_unique<BpeModel>(std::move(data));
  if (absl::Status s = model->Check(); !s.ok()) return s;
  return std::unique_ptr<SubwordModel>(std::move(model));
}

}  // namespace wordmill
