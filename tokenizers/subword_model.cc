#include "tokenizers/subword_model.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "tokenizers/bpe_model.h"
#include "tokenizers/unigram_adapter.h"
#include "tokenizers/wordpiece_model.h"

namespace wordmill {

const char* SubwordModelName(SubwordModelType type) {
  switch (type) {
    case SUBWORD_BPE:
      return "bpe";
    case SUBWORD_WORDPIECE:
      return "wordpiece";
    case SUBWORD_UNIGRAM:
      return "unigram";
  }
  return "unknown";
}

size_t Utf8CharLength(absl::string_view s, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t b0 = byte(pos);
  if (b0 < 0x80) return 1;
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // the allowed range of the second byte (Unicode Table 3-7)
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (pos + n > s.size()) return 0;
  if (byte(pos + 1) < lo || byte(pos + 1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
  }
  return n;
}

absl::Status CheckUtf8(absl::string_view s, absl::string_view what) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8CharLength(s, i);
    if (n == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": invalid UTF-8 at byte ", i, " (character models need text)"));
    }
    i += n;
  }
  return absl::OkStatus();
}

Vocabulary PieceVocabulary(const SubwordModel& model) {
  Vocabulary vocab;
  vocab.reserve(model.pieces().size());
  for (const SubwordPiece& p : model.pieces()) vocab.push_back({p.piece, 0});
  return vocab;
}

std::vector<std::string> SpecialTokens(const SubwordSpec& spec) {
  std::vector<std::string> tokens;
  std::string unk = spec.unk_token();
  if (unk.empty()) unk = spec.model() == SUBWORD_WORDPIECE ? "[UNK]" : "<unk>";
  tokens.push_back(unk);
  for (const std::string& t : {spec.bos_token(), spec.eos_token(), spec.pad_token()}) {
    if (!t.empty()) tokens.push_back(t);
  }
  for (const std::string& t : spec.user_token()) tokens.push_back(t);
  return tokens;
}

SubwordModel::SubwordModel(SubwordModelData data) : data_(std::move(data)) {
  piece_ids_.reserve(data_.pieces.size());
  for (size_t i = 0; i < data_.pieces.size(); ++i) {
    piece_ids_.emplace(data_.pieces[i].piece, static_cast<int32_t>(i));
    if (data_.pieces[i].special) first_normal_id_ = static_cast<int32_t>(i) + 1;
  }
  if (!data_.spec.bos_token().empty()) bos_id_ = PieceId(data_.spec.bos_token());
  if (!data_.spec.eos_token().empty()) eos_id_ = PieceId(data_.spec.eos_token());
}

int32_t SubwordModel::PieceId(absl::string_view piece) const {
  auto it = piece_ids_.find(piece);
  return it == piece_ids_.end() ? -1 : it->second;
}

void SubwordModel::InitSurfaces(Surface (*surface_of)(const std::string& piece)) {
  surfaces_.resize(data_.pieces.size());
  for (size_t i = 0; i < data_.pieces.size(); ++i) {
    const SubwordPiece& p = data_.pieces[i];
    if (!p.special) {
      surfaces_[i] = surface_of(p.piece);
    } else if (static_cast<int32_t>(i) == unk_id() ||
               (static_cast<int32_t>(i) != bos_id_ && static_cast<int32_t>(i) != eos_id_ &&
                p.piece != data_.spec.pad_token())) {
      surfaces_[i] = Surface{p.piece, true, true};  // unk and user tokens: a word of their own
    }
  }
}

absl::Status SubwordModel::Decode(absl::Span<const uint32_t> ids, std::string* text) const {
  text->clear();
  bool pending_space = false;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= surfaces_.size()) {
      return absl::InvalidArgumentError(absl::StrCat("token ", i, ": id ", ids[i],
                                                     " is outside the vocabulary of ",
                                                     surfaces_.size(), " tokens"));
    }
    const Surface& s = surfaces_[ids[i]];
    if ((pending_space || s.space_before) && !text->empty()) text->push_back(' ');
    text->append(s.text);
    pending_space = s.space_after;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SubwordModel>> TrainSubwordModel(const SubwordSpec& spec,
                                                                const TokenizerSpec& tokenizer,
                                                                WordCounts words, int threads,
                                                                const LineEndCounts* line_ends) {
  if (words.empty()) {
    return absl::InvalidArgumentError("the corpus has no words: nothing to train a tokenizer on");
  }
  if (spec.vocab_size() < 1) return absl::InvalidArgumentError("--vocab-size must be positive");
  if (!(spec.character_coverage() > 0 && spec.character_coverage() <= 1)) {
    return absl::InvalidArgumentError("--character-coverage must be in (0, 1]");
  }
  const std::vector<std::string> specials = SpecialTokens(spec);
  for (size_t i = 0; i < specials.size(); ++i) {
    if (specials[i].empty()) return absl::InvalidArgumentError("--user-token must not be empty");
    for (size_t j = 0; j < i; ++j) {
      if (specials[i] == specials[j]) {
        return absl::InvalidArgumentError(
            absl::StrCat("special token '", specials[i], "' is given twice"));
      }
    }
  }
  switch (spec.model()) {
    case SUBWORD_BPE:
      return TrainBpeModel(spec, tokenizer, std::move(words));
    case SUBWORD_WORDPIECE:
      return TrainWordPieceModel(spec, tokenizer, std::move(words));
    case SUBWORD_UNIGRAM:
      return TrainUnigramModel(spec, tokenizer, std::move(words), threads, line_ends);
  }
  return absl::InvalidArgumentError("unknown subword model type");
}

absl::StatusOr<std::unique_ptr<SubwordModel>> CreateSubwordModel(SubwordModelData data) {
  if (data.pieces.empty() || !data.pieces[0].special) {
    return absl::DataLossError("the model has no unknown token at id 0");
  }
  switch (data.spec.model()) {
    case SUBWORD_BPE:
      return CreateBpeModel(std::move(data));
    case SUBWORD_WORDPIECE:
      return CreateWordPieceModel(std::move(data));
    case SUBWORD_UNIGRAM:
      return CreateUnigramModel(std::move(data));
  }
  return absl::DataLossError("unknown subword model type");
}

}  // namespace wordmill
