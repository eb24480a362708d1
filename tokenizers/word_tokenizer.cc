#include "tokenizers/word_tokenizer.h"

#include <utf8proc.h>

#include <algorithm>

namespace wordmill {
namespace {

constexpr char kReplacementUtf8[] = "\xEF\xBF\xBD";  // U+FFFD
constexpr int32_t kReplacementCodepoint = 0xFFFD;
// A run whose repaired text reaches this size is cut before its next ASCII punctuation
// character (see RepairRun), which bounds the normalization buffers.
constexpr size_t kMaxChunkBytes = size_t{1} << 20;

static_assert(UTF8PROC_CATEGORY_LU < UTF8PROC_CATEGORY_NO &&
                  UTF8PROC_CATEGORY_NO - UTF8PROC_CATEGORY_LU == 10,
              "utf8proc orders the categories Lu Ll Lt Lm Lo Mn Mc Me Nd Nl No together");

// Letters, marks and numbers make words; U+FFFD stays inside words so that repairs show.
bool IsWordCategory(int category) {
  return category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_NO;
}

bool IsWordCodepoint(int32_t cp) {
  return cp == kReplacementCodepoint || IsWordCategory(utf8proc_category(cp));
}

// Whitespace (Zs Zl Zp, and the Cc characters \t \n \v \f \r U+0085) and the other control
// characters end a run.
bool IsRunBoundary(int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
      return true;
    default:
      return false;
  }
}

bool IsInnerPunct(int32_t cp) {
  return cp == 0x27 || cp == 0x2019 || cp == 0x2D || cp == 0x2010 || cp == 0x2011;
}

// Decodes the UTF-8 sequence at p (p < end) following the well-formed byte sequences of
// Unicode Table 3-7. Returns its length and sets *cp, or returns minus the length of the
// maximal invalid subpart there (1 to 3 bytes), which is what one U+FFFD replaces.
int DecodeUtf8(const uint8_t* p, const uint8_t* end, int32_t* cp) {
  const uint8_t lead = p[0];
  int continuation_bytes;
  int32_t value;
  uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  } else if (lead < 0xC2) {  // stray continuation byte, or C0/C1 (always overlong)
    return -1;
  } else if (lead < 0xE0) {
    continuation_bytes = 1;
    value = lead & 0x1F;
  } else if (lead < 0xF0) {
    continuation_bytes = 2;
    value = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) high = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead < 0xF5) {
    continuation_bytes = 3;
    value = lead & 0x07;
    if (lead == 0xF0) low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return -1;
  }
  const uint8_t* q = p + 1;
  for (int i = 0; i < continuation_bytes; ++i, ++q) {
    if (q == end || *q < low || *q > high) return -static_cast<int>(q - p);
    value = (value << 6) | (*q & 0x3F);
    low = 0x80;
    high = 0xBF;
  }
  *cp = value;
  return continuation_bytes + 1;
}

int Utf8procOptions(const TokenizerSpec& spec) {
  int options = 0;
  switch (spec.normalization()) {
    case NORMALIZATION_NFKC:
      options = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
      if (spec.case_fold()) options |= UTF8PROC_IGNORE;  // as utf8proc_NFKC_Casefold
      break;
    case NORMALIZATION_NFC:
      options = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
      break;
    case NORMALIZATION_NONE:
      break;
  }
  if (spec.case_fold()) options |= UTF8PROC_CASEFOLD;
  return options;
}

}  // namespace

WordTokenizer::WordTokenizer(const TokenizerSpec& spec)
    : spec_(spec),
      utf8proc_options_(Utf8procOptions(spec)),
      max_token_bytes_(static_cast<size_t>(std::max(spec.max_token_bytes(), 0))) {
  BuildByteTables();
}

// The ASCII tables are what the Unicode path does to each ASCII character on its own, so that
// both paths agree by construction. (Normalization never maps an ASCII character to anything
// but itself or its lower case; a byte for which it would is sent to the Unicode path.)
void WordTokenizer::BuildByteTables() {
  for (int c = 0; c < 256; ++c) {
    byte_map_[c] = static_cast<char>(c);
    if (c >= 0x80) {
      byte_class_[c] = kNonAscii;
      continue;
    }
    const int category = utf8proc_category(c);
    if (IsRunBoundary(c)) {
      byte_class_[c] = kBoundary;
    } else if (!IsWordCategory(category)) {
      byte_class_[c] = spec_.keep_inner_punct() && IsInnerPunct(c) ? kInnerPunct : kSeparator;
    } else {
      utf8proc_int32_t mapped[4];
      int boundclass = UTF8PROC_BOUNDCLASS_START;
      const utf8proc_ssize_t n = utf8proc_decompose_char(
          c, mapped, 4, static_cast<utf8proc_option_t>(utf8proc_options_), &boundclass);
      const bool single_ascii = n == 1 && mapped[0] < 0x80 && IsWordCodepoint(mapped[0]);
      if (!single_ascii) {
        byte_class_[c] = kNonAscii;
        continue;
      }
      const bool fold = spec_.fold_digits() && category == UTF8PROC_CATEGORY_ND;
      byte_map_[c] = fold ? '0' : static_cast<char>(mapped[0]);
      byte_class_[c] = byte_map_[c] == static_cast<char>(c) ? kWord : kWordFolded;
    }
  }
}

void WordTokenizer::Tokenize(absl::string_view text, TokenList* out) {
  out->clear();
  out->bytes().reserve(text.size());  // ASCII text never grows when folded
  ForEachToken(text, [out](absl::string_view token) { out->Add(token); });
}

const char* WordTokenizer::TokenizeUnicodeRun(const char* begin, const char* end, TokenList* out) {
  const char* next = RepairRun(begin, end);
  SplitCodepoints(NormalizeRun(), out);
  return next;
}

const uint8_t* WordTokenizer::LastSeparator(const uint8_t* begin, const uint8_t* end) const {
  for (const uint8_t* p = end; p > begin; --p) {
    if (byte_class_[p[-1]] == kSeparator) return p - 1;
  }
  return nullptr;
}

const char* WordTokenizer::RepairRun(const char* begin, const char* end) {
  valid_.clear();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(begin);
  const uint8_t* const stop = reinterpret_cast<const uint8_t*>(end);
  const uint8_t* span = p;  // start of the well-formed bytes not yet copied to valid_
  auto copy_span_to = [this, &span](const uint8_t* span_end) {
    valid_.append(reinterpret_cast<const char*>(span), static_cast<size_t>(span_end - span));
  };
  while (p < stop) {
    if (*p < 0x80) {
      const uint8_t* q = p;
      while (q < stop && *q < 0x80 && byte_class_[*q] != kBoundary) ++q;
      if (q < stop && *q < 0x80) {
        copy_span_to(q);
        return reinterpret_cast<const char*>(q + 1);
      }
      if (valid_.size() + static_cast<size_t>(q - span) >= kMaxChunkBytes) {
        // Never at `begin` itself, so that every call makes progress.
        const uint8_t* cut = LastSeparator(p, q);
        if (cut != nullptr && cut > reinterpret_cast<const uint8_t*>(begin)) {
          copy_span_to(cut);
          return reinterpret_cast<const char*>(cut);
        }
      }
      p = q;
      continue;
    }
    int32_t cp = 0;
    const int length = DecodeUtf8(p, stop, &cp);
    if (length < 0) {
      copy_span_to(p);
      ++counters_.invalid_utf8_sequences;
      if (spec_.invalid_utf8() == INVALID_UTF8_REPLACE) valid_.append(kReplacementUtf8, 3);
      p += -length;
      span = p;
    } else if (IsRunBoundary(cp)) {
      copy_span_to(p);
      return reinterpret_cast<const char*>(p + length);
    } else {
      p += length;
    }
  }
  copy_span_to(stop);
  return end;
}

size_t WordTokenizer::NormalizeRun() {
  if (valid_.empty()) return 0;
  const auto* text = reinterpret_cast<const utf8proc_uint8_t*>(valid_.data());
  const auto options = static_cast<utf8proc_option_t>(utf8proc_options_);
  // A run has at most as many code points as bytes before mappings; decompositions and case
  // foldings may need more, which utf8proc reports by returning the size it needs.
  if (codepoints_.size() < valid_.size()) codepoints_.resize(valid_.size());
  for (;;) {
    utf8proc_ssize_t count =
        utf8proc_decompose(text, static_cast<utf8proc_ssize_t>(valid_.size()), codepoints_.data(),
                           static_cast<utf8proc_ssize_t>(codepoints_.size()), options);
    // Errors are impossible here: valid_ is well-formed and the options are consistent.
    if (count < 0) return 0;
    if (static_cast<size_t>(count) > codepoints_.size()) {
      codepoints_.resize(static_cast<size_t>(count));
      continue;
    }
    if (options & UTF8PROC_COMPOSE) {
      count = utf8proc_normalize_utf32(codepoints_.data(), count, options);
      if (count < 0) return 0;
    }
    return static_cast<size_t>(count);
  }
}

void WordTokenizer::SplitCodepoints(size_t count, TokenList* out) {
  const int32_t* codepoints = codepoints_.data();
  const bool keep_inner_punct = spec_.keep_inner_punct();
  const bool fold_digits = spec_.fold_digits();
  token_.clear();
  for (size_t i = 0; i < count; ++i) {
    int32_t cp = codepoints[i];
    const int category = utf8proc_category(cp);
    const bool word = cp == kReplacementCodepoint || IsWordCategory(category);
    // token_ is non-empty only right after a word character.
    const bool inner = !word && keep_inner_punct && !token_.empty() && IsInnerPunct(cp) &&
                       i + 1 < count && IsWordCodepoint(codepoints[i + 1]);
    if (!word && !inner) {
      if (!token_.empty()) Emit(token_, out);
      token_.clear();
      continue;
    }
    if (fold_digits && category == UTF8PROC_CATEGORY_ND) cp = '0';
    if (cp < 0x80) {
      token_.push_back(static_cast<char>(cp));
    } else {
      utf8proc_uint8_t encoded[4];
      const utf8proc_ssize_t n = utf8proc_encode_char(cp, encoded);
      token_.append(reinterpret_cast<const char*>(encoded), static_cast<size_t>(n));
    }
  }
  if (!token_.empty()) Emit(token_, out);
  token_.clear();
}

void WordTokenizer::Emit(absl::string_view token, TokenList* out) {
  if (token.size() > max_token_bytes_) {
    ++counters_.long_tokens_dropped;
    return;
  }
  out->Add(token);
  ++counters_.tokens;
}

}  // namespace wordmill
