#include "tokenizers/unigram_adapter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tokenizers/pair_merger.h"
#include "tokenizers/unigram.h"
#include "tokenizers/word_cache.h"

namespace wordmill {
namespace {

constexpr size_t kMarkerLength = sizeof(kWordBoundaryMarker) - 1;
// As SentencePiece and Hugging Face: an uncovered character scores 10 below the worst piece.
constexpr double kUnknownPenalty = 10.0;
// Words cached per encoder thread. Smaller than WordCache's default: a miss costs only one
// Viterbi pass, and a table that stays in the processor's caches pays for more misses (kowiki,
// 347k distinct words: 0.52-0.64 CPU s to encode with 2^16 words, 0.59-0.65 with 2^18; enwiki
// 0.89-0.94 vs 0.96-1.06).
constexpr size_t kCacheWords = size_t{1} << 16;

class UnigramSubwordModel : public SubwordModel {
 public:
  explicit UnigramSubwordModel(SubwordModelData data)
      : SubwordModel(std::move(data)), unigram_(Pieces(data_, first_normal_id_), UnkScore()) {
    InitSurfaces(&Surface);
  }

  absl::StatusOr<std::unique_ptr<SubwordEncoder>> NewEncoder(double sample_alpha,
                                                             uint64_t seed) const override;

  // Appends the ids of `marked` (the word with its U+2581 prefix); consecutive unknown
  // characters become one unknown token, as in SentencePiece and Hugging Face.
  void AppendIds(const std::vector<int32_t>& pieces, std::vector<uint32_t>* ids) const {
    bool last_unknown = false;
    for (int32_t p : pieces) {
      if (p < 0) {
        if (!last_unknown) ids->push_back(static_cast<uint32_t>(unk_id()));
        last_unknown = true;
      } else {
        ids->push_back(static_cast<uint32_t>(p + first_normal_id_));
        last_unknown = false;
      }
    }
  }
  const UnigramModel& unigram() const { return unigram_; }

 private:
  static std::vector<UnigramPiece> Pieces(const SubwordModelData& data, int32_t first) {
    std::vector<UnigramPiece> pieces;
    for (size_t i = static_cast<size_t>(first); i < data.pieces.size(); ++i) {
      pieces.push_back({data.pieces[i].piece, data.pieces[i].score});
    }
    return pieces;
  }
  double UnkScore() const {
    double lowest = 0;
    for (const SubwordPiece& p : data_.pieces) {
      if (!p.special) lowest = std::min(lowest, p.score);
    }
    return lowest - kUnknownPenalty;
  }
  static SubwordModel::Surface Surface(const std::string& piece) {
    if (absl::StartsWith(piece, kWordBoundaryMarker)) {
      return SubwordModel::Surface{piece.substr(kMarkerLength), true, false};
    }
    return SubwordModel::Surface{piece, false, false};
  }

  UnigramModel unigram_;
};

class UnigramEncoder : public SubwordEncoder {
 public:
  UnigramEncoder(const UnigramSubwordModel* model, double alpha, uint64_t seed)
      : model_(model), alpha_(alpha), state_(seed), cache_(kCacheWords) {}
  void Encode(const TokenList& words, std::vector<uint32_t>* ids) override {
    for (size_t i = 0; i < words.size(); ++i) {
      const absl::string_view word = words[i];
      if (alpha_ == 0 && cache_.Lookup(word, ids)) continue;
      marked_.assign(kWordBoundaryMarker);
      marked_.append(word.data(), word.size());
      const size_t begin = ids->size();
      if (alpha_ == 0) {
        model_->unigram().Encode(marked_, &pieces_);
      } else {
        model_->unigram().SampleEncode(marked_, alpha_, NextSeed(), &pieces_);
      }
      model_->AppendIds(pieces_, ids);
      if (alpha_ == 0) cache_.Insert(word, ids->data() + begin, ids->size() - begin);
    }
  }

 private:
  uint64_t NextSeed() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  const UnigramSubwordModel* model_;
  double alpha_;
  uint64_t state_;
  WordCache cache_;
  std::string marked_;
  std::vector<int32_t> pieces_;
};

absl::StatusOr<std::unique_ptr<SubwordEncoder>> UnigramSubwordModel::NewEncoder(
    double sample_alpha, uint64_t seed) const {
  return std::unique_ptr<SubwordEncoder>(new UnigramEncoder(this, sample_alpha, seed));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SubwordModel>> TrainUnigramModel(const SubwordSpec& spec,
                                                                const TokenizerSpec& tokenizer,
                                                                WordCounts words, int threads,
                                                                const LineEndCounts* line_ends) {
  SubwordModelData data;
  data.spec = spec;
  data.tokenizer = tokenizer;
  data.pieces = SpecialPieces(spec);
  const int specials = static_cast<int>(data.pieces.size());
  std::vector<size_t> order(words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    ++data.training_words;
    data.training_tokens += words[i].second;
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return words[a] < words[b]; });
  // The line-final counts, looked up before the words get their U+2581, in the sorted order.
  std::vector<int64_t> ends;
  if (line_ends != nullptr) {
    for (const size_t i : order) {
      const auto it = line_ends->find(words[i].first);
      ends.push_back(it == line_ends->end() ? 0 : std::min(it->second, words[i].second));
    }
  }
  WordCounts sorted;
  sorted.reserve(words.size());
  for (const size_t i : order) {
    sorted.emplace_back(absl::StrCat(kWordBoundaryMarker, words[i].first), words[i].second);
  }
  words = WordCounts();
  UnigramTrainOptions options;
  options.vocab_size = spec.vocab_size() - specials;
  options.seed_size = spec.seed_size();
  options.max_piece_chars = spec.max_piece_chars();
  options.shrink_factor = spec.shrink_factor();
  options.em_iterations = spec.em_iterations();
  options.character_coverage = spec.character_coverage();
  options.threads = std::max(1, threads);
  if (options.vocab_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--vocab-size ", spec.vocab_size(),
                                                   " leaves no room beside the ", specials,
                                                   " special tokens"));
  }
  absl::StatusOr<std::vector<UnigramPiece>> pieces =
      TrainUnigram(sorted, options, line_ends != nullptr ? &ends : nullptr);
  if (!pieces.ok()) return pieces.status();
  for (UnigramPiece& p : *pieces) data.pieces.push_back({std::move(p.piece), p.log_prob, false});
  return CreateUnigramModel(std::move(data));
}

absl::StatusOr<std::unique_ptr<SubwordModel>> CreateUnigramModel(SubwordModelData data) {
  if (!data.merges.empty()) return absl::DataLossError("a Unigram model has no merges");
  return std::unique_ptr<SubwordModel>(new UnigramSubwordModel(std::move(data)));
}

}  // namespace wordmill
