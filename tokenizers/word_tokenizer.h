// The word tokenizer: UTF-8 validation, Unicode normalization and case folding (utf8proc), and
// splitting into words of letters, marks and digits.
//
// A line is cut at Unicode whitespace (and control characters such as NUL) into runs. An all-ASCII
// run takes a table-driven fast path (lower-casing and splitting on non-alphanumerics, which is
// exactly what NFKC_Casefold and the Unicode categories give for ASCII). Any other run is validated
// (invalid sequences replaced by U+FFFD or dropped, and counted), normalized as a whole (NFKC +
// case folding by default) into a reused code-point buffer, and split: letters (L*), marks (M*),
// numbers (N*) and U+FFFD are word characters, everything else separates words; with
// keep_inner_punct an apostrophe or hyphen between two word characters stays inside the word.
// Tokens longer than max_token_bytes are dropped and counted. After warm-up no call allocates.
//
// Limitation: there is no dictionary word segmentation, so scripts written without spaces
// (Chinese, Japanese, Thai) come out as one token per stretch of letters between spaces and
// punctuation (often over max_token_bytes, and then dropped).
#ifndef WORDMILL_TOKENIZERS_WORD_TOKENIZER_H_
#define WORDMILL_TOKENIZERS_WORD_TOKENIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// The tokens of one call, stored contiguously: token i is bytes [begin(i), end(i)).
class TokenList {
 public:
  void clear() {
    bytes_.clear();
    ends_.clear();
  }
  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  absl::string_view operator[](size_t i) const {
    const uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return absl::string_view(bytes_.data() + begin, ends_[i] - begin);
  }
  // Appends one token (used by the tokenizer).
  void Add(absl::string_view token) {
    bytes_.append(token.data(), token.size());
    ends_.push_back(static_cast<uint32_t>(bytes_.size()));
  }
  std::string& bytes() { return bytes_; }
  void CloseToken() { ends_.push_back(static_cast<uint32_t>(bytes_.size())); }

 private:
  std::string bytes_;
  std::vector<uint32_t> ends_;
};

struct TokenizerCounters {
  int64_t tokens = 0;
  int64_t invalid_utf8_sequences = 0;
  int64_t long_tokens_dropped = 0;
};

class WordTokenizer {
 public:
  explicit WordTokenizer(const TokenizerSpec& spec);

  // Replaces *out with the tokens of `text` (any length; typically one line/paragraph).
  // Lines above 4 GiB are not supported (callers cap lines far below that).
  void Tokenize(absl::string_view text, TokenList* out);

  // Calls sink(absl::string_view token) for each token of `text`, in Tokenize's order, without
  // building a list (the vocabulary counter's hot path). A token is a view of `text` itself
  // when it needs no folding, else of a reused buffer: valid only during the call.
  template <typename Sink>
  void ForEachToken(absl::string_view text, Sink&& sink);

  const TokenizerCounters& counters() const { return counters_; }
  void ResetCounters() { counters_ = TokenizerCounters(); }

 private:
  // Classes of ASCII bytes on the fast path, derived once from utf8proc's categories so that
  // the fast path and the Unicode path agree on ASCII input.
  // The word classes come last (class >= kWord); bit 0 of a word class marks a byte that
  // folding changes, so OR-ing the classes of a word tells whether it needs a folded copy.
  enum ByteClass : uint8_t {
    kSeparator,   // punctuation and symbols: ends a token, does not end a run
    kBoundary,    // whitespace and control characters: ends a token and a run
    kInnerPunct,  // ' and - with keep_inner_punct
    kNonAscii,    // bytes >= 0x80: the run goes to the Unicode path
    kWord,        // letters and digits that folding keeps as they are
    kWordFolded,  // letters and digits that folding changes (upper case; digits with fold_digits)
  };
  static_assert((kWord & 1) == 0 && kWordFolded == (kWord | 1), "see ByteClass");

  void BuildByteTables();
  // Tokenizes the run that holds a non-ASCII byte, from `begin` (the start of the token in
  // progress, or of the character before the non-ASCII one) to the whitespace or control
  // character that ends it; returns the position just after that character (or `end`).
  const char* TokenizeUnicodeRun(const char* begin, const char* end, TokenList* out);
  // The fast path of a word of ASCII word characters and precomposed Hangul syllables
  // (U+AC00-U+D7A3, which every normalization and case folding leave alone) that ends at ASCII
  // whitespace, ASCII punctuation (other than kept inner punctuation) or `end`: passes it to
  // sink (as the Unicode path would) and returns where it ends, or returns nullptr when the
  // word is not such.
  template <typename Sink>
  const char* HangulWordTokens(const char* begin, const char* end, Sink& sink);
  // Copies the run into valid_ with invalid UTF-8 replaced or dropped (and counted); returns
  // the position after the whitespace or control character that ends the run (or `end`).
  // A run over 1 MiB is cut before an ASCII punctuation character and the position of that
  // character returned: nothing composes across it and it separates words either way, so the
  // pieces give the same tokens as the whole, with bounded buffers.
  const char* RepairRun(const char* begin, const char* end);
  // The last kSeparator byte in [begin, end), or null.
  const uint8_t* LastSeparator(const uint8_t* begin, const uint8_t* end) const;
  // TokenizeUnicodeRun into unicode_tokens_, then passes each token to sink.
  template <typename Sink>
  const char* UnicodeRunTokens(const char* begin, const char* end, Sink& sink);
  // Decodes and normalizes valid_ into codepoints_; returns the number of code points.
  size_t NormalizeRun();
  // Splits the first `count` code points of codepoints_ into tokens.
  void SplitCodepoints(size_t count, TokenList* out);
  // Appends `token` to *out unless it is over the length limit (then counts the drop).
  void Emit(absl::string_view token, TokenList* out);

  TokenizerSpec spec_;
  int utf8proc_options_ = 0;
  size_t max_token_bytes_ = 0;
  TokenizerCounters counters_;
  uint8_t byte_class_[256];          // ByteClass of each byte
  char byte_map_[256];               // what a kWord byte becomes (case and digit folding)
  std::string valid_;                // the current run after UTF-8 repair
  std::vector<int32_t> codepoints_;  // normalization buffer (reused)
  std::string token_;                // the token being built (reused)
  std::string folded_;               // a folded ASCII token (reused)
  TokenList unicode_tokens_;         // the tokens of one Unicode run (reused)
};

template <typename Sink>
const char* WordTokenizer::UnicodeRunTokens(const char* begin, const char* end, Sink& sink) {
  unicode_tokens_.clear();
  const char* next = TokenizeUnicodeRun(begin, end, &unicode_tokens_);
  for (size_t i = 0; i < unicode_tokens_.size(); ++i) sink(unicode_tokens_[i]);
  return next;
}

template <typename Sink>
const char* WordTokenizer::HangulWordTokens(const char* begin, const char* end, Sink& sink) {
  const auto* p = reinterpret_cast<const uint8_t*>(begin);
  const auto* const stop = reinterpret_cast<const uint8_t*>(end);
  uint8_t seen = 0;  // the OR of the ASCII word bytes' classes
  while (p < stop) {
    const uint8_t cls = byte_class_[*p];
    if (cls >= kWord) {
      seen |= cls;
      ++p;
    } else if (*p >= 0xEA && *p <= 0xED && stop - p >= 3 && (p[1] & 0xC0) == 0x80 &&
               (p[2] & 0xC0) == 0x80) {
      const uint32_t cp = (*p & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
      if (cp < 0xAC00 || cp > 0xD7A3) return nullptr;
      p += 3;
    } else {
      break;
    }
  }
  // What follows must not compose with the word or continue it: ASCII whitespace or
  // punctuation, or nothing.
  if (p < stop && byte_class_[*p] != kBoundary && byte_class_[*p] != kSeparator) return nullptr;
  const size_t length = static_cast<size_t>(reinterpret_cast<const char*>(p) - begin);
  if (length > max_token_bytes_) {
    ++counters_.long_tokens_dropped;
  } else if ((seen & 1) == 0) {
    sink(absl::string_view(begin, length));
    ++counters_.tokens;
  } else {
    if (folded_.size() < length) folded_.resize(length);
    char* dest = &folded_[0];
    for (size_t i = 0; i < length; ++i) {
      const auto c = static_cast<uint8_t>(begin[i]);
      dest[i] = c < 0x80 ? byte_map_[c] : static_cast<char>(c);
    }
    sink(absl::string_view(dest, length));
    ++counters_.tokens;
  }
  return reinterpret_cast<const char*>(p);
}

template <typename Sink>
void WordTokenizer::ForEachToken(absl::string_view text, Sink&& sink) {
  const char* p = text.data();
  const char* const end = p + text.size();
  const char* ascii_begin = p;  // where the fast path last (re)started
  int64_t tokens = 0, long_tokens = 0;
  while (p < end) {
    uint8_t cls = byte_class_[static_cast<uint8_t>(*p)];
    if (cls < kWord) {
      if (cls != kNonAscii) {
        ++p;
        continue;
      }
      // Start at the punctuation character before, if any: normalization may combine it with
      // what follows (= and U+0338 compose to U+2260).
      const uint8_t before =
          p > ascii_begin ? byte_class_[static_cast<uint8_t>(p[-1])] : uint8_t{kBoundary};
      if (const char* q = HangulWordTokens(p, end, sink); q != nullptr) {
        p = ascii_begin = q;
        continue;
      }
      const bool punct_before = before == kSeparator || before == kInnerPunct;
      p = ascii_begin = UnicodeRunTokens(punct_before ? p - 1 : p, end, sink);
      continue;
    }
    // A word: letters and digits, joined by single inner punctuation characters if enabled.
    // Its extent is found first (cls ends as the class of *q when q < end), then it is passed
    // on as it stands or folded in one pass.
    const char* q = p;
    uint8_t seen = 0;  // the OR of the word bytes' classes
    for (;;) {
      while (q < end && (cls = byte_class_[static_cast<uint8_t>(*q)]) >= kWord) {
        seen |= cls;
        ++q;
      }
      if (q + 1 < end && cls == kInnerPunct && byte_class_[static_cast<uint8_t>(q[1])] >= kWord) {
        ++q;
        continue;
      }
      break;
    }
    // A non-ASCII character continuing the word sends the whole word to the Unicode path.
    const char* next = q < end && cls == kInnerPunct ? q + 1 : q;
    if (next < end && byte_class_[static_cast<uint8_t>(*next)] == kNonAscii) {
      const char* hangul = HangulWordTokens(p, end, sink);
      p = ascii_begin = hangul != nullptr ? hangul : UnicodeRunTokens(p, end, sink);
      continue;
    }
    const size_t length = static_cast<size_t>(q - p);
    if (length > max_token_bytes_) {
      ++long_tokens;
    } else if ((seen & 1) == 0) {
      sink(absl::string_view(p, length));
      ++tokens;
    } else {
      if (folded_.size() < length) folded_.resize(length);
      char* dest = &folded_[0];
      for (size_t i = 0; i < length; ++i) dest[i] = byte_map_[static_cast<uint8_t>(p[i])];
      sink(absl::string_view(dest, length));
      ++tokens;
    }
    p = q;
  }
  counters_.tokens += tokens;
  counters_.long_tokens_dropped += long_tokens;
}

}  // namespace wordmill

#endif  // WORDMILL_TOKENIZERS_WORD_TOKENIZER_H_
