#include "tokenizers/wordpiece_model.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tokenizers/pair_merger.h"
#include "tokenizers/word_cache.h"

namespace wordmill {
namespace {

constexpr size_t kPrefixLength = sizeof(kContinuationPrefix) - 1;

class WordPieceModel : public SubwordModel {
 public:
  explicit WordPieceModel(SubwordModelData data) : SubwordModel(std::move(data)) {
    InitSurfaces(&Surface);
    for (const SubwordPiece& p : data_.pieces) {
      if (p.special) continue;
      const bool continuation = absl::StartsWith(p.piece, kContinuationPrefix);
      max_piece_bytes_ =
          std::max(max_piece_bytes_, p.piece.size() - (continuation ? kPrefixLength : 0));
    }
  }

  absl::StatusOr<std::unique_ptr<SubwordEncoder>> NewEncoder(double sample_alpha,
                                                             uint64_t) const override;

  using Scratch = std::string;

  // Appends the ids of one word: longest match first, or the unknown token.
  void EncodeWord(absl::string_view word, std::string* scratch, std::vector<uint32_t>* ids) const {
    const size_t begin_size = ids->size();
    size_t start = 0;
    while (start < word.size()) {
      size_t end = std::min(word.size(), start + max_piece_bytes_);
      int32_t found = -1;
      for (; end > start; --end) {
        if (end < word.size() && (static_cast<uint8_t>(word[end]) & 0xC0) == 0x80) continue;
        scratch->assign(start > 0 ? kContinuationPrefix : "");
        scratch->append(word.data() + start, end - start);
        found = PieceId(*scratch);
        if (found >= first_normal_id_) break;
        found = -1;
      }
      if (found < 0) {
        ids->resize(begin_size);
        ids->push_back(static_cast<uint32_t>(unk_id()));
        return;
      }
      ids->push_back(static_cast<uint32_t>(found));
      start = end;
    }
  }

 private:
  static SubwordModel::Surface Surface(const std::string& piece) {
    if (absl::StartsWith(piece, kContinuationPrefix)) {
      return SubwordModel::Surface{piece.substr(kPrefixLength), false, false};
    }
    return SubwordModel::Surface{piece, true, false};
  }

  size_t max_piece_bytes_ = 0;
};

absl::StatusOr<std::unique_ptr<SubwordEncoder>> WordPieceModel::NewEncoder(double sample_alpha,
                                                                           uint64_t) const {
  if (sample_alpha != 0) {
    return absl::InvalidArgumentError("--sample-alpha needs a unigram model, not WordPiece");
  }
  return std::unique_ptr<SubwordEncoder>(new CachedWordEncoder<WordPieceModel>(this));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SubwordModel>> TrainWordPieceModel(const SubwordSpec& spec,
                                                                  const TokenizerSpec& tokenizer,
                                                                  WordCounts words) {
  std::sort(words.begin(), words.end());
  SubwordModelData data;
  data.spec = spec;
  data.tokenizer = tokenizer;
  data.pieces = SpecialPieces(spec);
  const size_t specials = data.pieces.size();
  for (const auto& [word, count] : words) {
    if (absl::Status s = CheckUtf8(word, absl::StrCat("training word '", word, "'")); !s.ok()) {
      return s;
    }
    ++data.training_words;
    data.training_tokens += count;
  }
  const absl::flat_hash_set<std::string> alphabet =
      SelectCharacters(words, spec.character_coverage());
  // The symbol of the character at byte i of a word (`##`-prefixed after the first).
  auto symbol_at = [&](const std::string& word, size_t i, size_t n) {
    return absl::StrCat(i > 0 ? kContinuationPrefix : "", absl::string_view(word).substr(i, n));
  };
  absl::flat_hash_set<std::string> base;
  for (const auto& [word, count] : words) {
    for (size_t i = 0; i < word.size();) {
      const size_t n = Utf8CharLength(word, i);
      if (alphabet.contains(word.substr(i, n))) base.insert(symbol_at(word, i, n));
      i += n;
    }
  }
  std::vector<std::string> symbols(base.begin(), base.end());
  std::sort(symbols.begin(), symbols.end());
  if (absl::Status s = CheckVocabSize(spec, specials, symbols.size(), "characters"); !s.ok()) {
    return s;
  }
  absl::flat_hash_map<std::string, int32_t> ids;
  for (size_t i = 0; i < symbols.size(); ++i) ids.emplace(symbols[i], static_cast<int32_t>(i));
  std::vector<MergeWord> merge_words;
  merge_words.reserve(words.size());
  for (const auto& [word, count] : words) {
    MergeWord w;
    w.count = count;
    for (size_t i = 0; i < word.size();) {
      const size_t n = Utf8CharLength(word, i);
      auto it = ids.find(symbol_at(word, i, n));
      w.symbols.push_back(it == ids.end() ? -1 : it->second);
      i += n;
    }
    merge_words.push_back(std::move(w));
  }
  words.clear();
  words.shrink_to_fit();

  PairMergerOptions options = MinPairCounts(spec, data.training_tokens);
  options.score = MergeScore::kWordPiece;
  options.target_symbols = static_cast<size_t>(spec.vocab_size()) - specials;
  LearnMerges(std::move(merge_words), options, &symbols);  // WordPiece keeps only the pieces
  for (std::string& s : symbols) data.pieces.push_back({std::move(s), 0.0, false});
  return CreateWordPieceModel(std::move(data));
}

absl::StatusOr<std::unique_ptr<SubwordModel>> CreateWordPieceModel(SubwordModelData data) {
  if (!data.merges.empty()) return absl::DataLossError("a WordPiece model has no merges");
  return std::unique_ptr<SubwordModel>(new WordPieceModel(std::move(data)));
}

}  // namespace wordmill
