#include "tokenizers/word_tokenizer.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace wordmill {
namespace {

using Tokens = std::vector<std::string>;

Tokens Tokenize(WordTokenizer& tokenizer, const std::string& text) {
  TokenList list;
  tokenizer.Tokenize(text, &list);
  Tokens tokens;
  for (size_t i = 0; i < list.size(); ++i) tokens.emplace_back(list[i]);
  return tokens;
}

Tokens Tokenize(const TokenizerSpec& spec, const std::string& text) {
  WordTokenizer tokenizer(spec);
  return Tokenize(tokenizer, text);
}

Tokens Tokenize(const std::string& text) { return Tokenize(TokenizerSpec(), text); }

TokenizerSpec SpecWith(Normalization normalization, bool case_fold) {
  TokenizerSpec spec;
  spec.set_normalization(normalization);
  spec.set_case_fold(case_fold);
  return spec;
}

// Well-formed UTF-8 per Unicode Table 3-7, written independently of the tokenizer's decoder:
// decode by the lead byte, then reject overlong forms, surrogates and values over U+10FFFF.
bool IsValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t lead = static_cast<uint8_t>(s[i]);
    const int length = lead < 0x80         ? 1
                       : lead >> 5 == 0x6  ? 2
                       : lead >> 4 == 0xE  ? 3
                       : lead >> 3 == 0x1E ? 4
                                           : 0;
    if (length == 0 || i + length > s.size()) return false;
    uint32_t cp = length == 1 ? lead : lead & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
      const uint8_t byte = static_cast<uint8_t>(s[i + k]);
      if ((byte & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (byte & 0x3F);
    }
    const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[length] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += length;
  }
  return true;
}

TEST(WordTokenizerTest, BasicEnglishWithPunctuation) {
  WordTokenizer tokenizer{TokenizerSpec()};
  EXPECT_EQ(
      Tokenize(tokenizer, "Hello, World! It's 2024... The U.S.A. (is) big;end"),
      (Tokens{"hello", "world", "it", "s", "2024", "the", "u", "s", "a", "is", "big", "end"}));
  EXPECT_EQ(tokenizer.counters().tokens, 12);
  EXPECT_EQ(tokenizer.counters().invalid_utf8_sequences, 0);
  EXPECT_EQ(tokenizer.counters().long_tokens_dropped, 0);
}

TEST(WordTokenizerTest, CaseFolding) {
  EXPECT_EQ(Tokenize("Straße İstanbul ÉCOLE Σίσυφος MiXeD"),
            (Tokens{"strasse", "i\u0307stanbul", "\u00e9cole",
                    "\u03c3\u03af\u03c3\u03c5\u03c6"
                    "\u03bf\u03c3",
                    "mixed"}));
  EXPECT_EQ(Tokenize(SpecWith(NORMALIZATION_NFKC, false), "Straße ÉCOLE MiXeD"),
            (Tokens{"Straße", "\u00c9COLE", "MiXeD"}));
}

struct InvalidCase {
  std::string input;
  std::string replaced;  // the single token under INVALID_UTF8_REPLACE
  std::string dropped;   // the single token under INVALID_UTF8_DROP
  int sequences;
};

TEST(WordTokenizerTest, InvalidUtf8ReplacedOrDroppedByMaximalSubpart) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  const std::vector<InvalidCase> cases = {
      {"a\xC0\xAF"
       "b",
       "a" + r + r + "b", "ab", 2},  // overlong C0
      {"a\xC1\xBF"
       "b",
       "a" + r + r + "b", "ab", 2},  // overlong C1
      {"a\xE0\x80\xAF"
       "b",
       "a" + r + r + r + "b", "ab", 3},  // overlong E0 80..9F
      {"a\xF0\x8F\xBF\xBF"
       "b",
       "a" + r + r + r + r + "b", "ab", 4},                // overlong F0 80..8F
      {"x\xED\xA0\x80y", "x" + r + r + r + "y", "xy", 3},  // lone surrogate
      {"end\xE2\x82", "end" + r, "end", 1},                // cut at end of text
      {"cut\xF0\x9F\x98"
       "x",
       "cut" + r + "x", "cutx", 1},                              // cut before ASCII
      {"\x80\xBFok", r + r + "ok", "ok", 2},                     // stray continuations
      {"q\xF5\xFF", "q" + r + r, "q", 2},                        // F5..FF
      {"q\xF4\x90\x80\x80", "q" + r + r + r + r, "q", 4},        // above U+10FFFF
      {"caf\xC3\xA9\xC3", "caf\xC3\xA9" + r, "caf\xC3\xA9", 1},  // after valid non-ASCII
  };
  for (const InvalidCase& c : cases) {
    TokenizerSpec spec;
    WordTokenizer replace(spec);
    EXPECT_EQ(Tokenize(replace, c.input), Tokens{c.replaced}) << c.input;
    EXPECT_EQ(replace.counters().invalid_utf8_sequences, c.sequences) << c.input;
    spec.set_invalid_utf8(INVALID_UTF8_DROP);
    WordTokenizer drop(spec);
    EXPECT_EQ(Tokenize(drop, c.input), Tokens{c.dropped}) << c.input;
    EXPECT_EQ(drop.counters().invalid_utf8_sequences, c.sequences) << c.input;
  }
}

TEST(WordTokenizerTest, ValidFourByteSequencesAreNotCounted) {
  WordTokenizer tokenizer{TokenizerSpec()};
  // U+10000 is a letter (Lo); U+1F600 is a symbol (So) and separates.
  EXPECT_EQ(Tokenize(tokenizer,
                     "\xF0\x90\x80\x80 a\xF0\x9F\x98\x80"
                     "b \xF4\x8F\xBF\xBD"),
            (Tokens{"\xF0\x90\x80\x80", "a", "b"}));
  EXPECT_EQ(tokenizer.counters().invalid_utf8_sequences, 0);
}

TEST(WordTokenizerTest, InvalidBytesBetweenWhitespace) {
  WordTokenizer tokenizer{TokenizerSpec()};
  EXPECT_EQ(Tokenize(tokenizer, "c\xE2\x82 d \xFF e"),
            (Tokens{"c\xEF\xBF\xBD", "d", "\xEF\xBF\xBD", "e"}));
  EXPECT_EQ(tokenizer.counters().invalid_utf8_sequences, 2);
}

TEST(WordTokenizerTest, NulAndControlCharactersSplitWords) {
  EXPECT_EQ(Tokenize(std::string("foo\0bar\x01"
                                 "baz",
                                 11)),
            (Tokens{"foo", "bar", "baz"}));
  EXPECT_EQ(Tokenize(std::string("caf\xC3\xA9\0ol\xC3\xA9", 10)),
            (Tokens{"caf\xC3\xA9", "ol\xC3\xA9"}));
  EXPECT_EQ(Tokenize("a\xC2\x80"
                     "b\xC2\x9F"
                     "c"),
            (Tokens{"a", "b", "c"}));  // C1 controls
}

TEST(WordTokenizerTest, CrLfLines) {
  EXPECT_EQ(Tokenize("one two\r\nthree\r\n"), (Tokens{"one", "two", "three"}));
  EXPECT_EQ(Tokenize("\xC3\xA9t\xC3\xA9\r\n"), (Tokens{"\xC3\xA9t\xC3\xA9"}));
}

TEST(WordTokenizerTest, EmptyAndWhitespaceOnly) {
  WordTokenizer tokenizer{TokenizerSpec()};
  EXPECT_TRUE(Tokenize(tokenizer, "").empty());
  EXPECT_TRUE(Tokenize(tokenizer, "  \t\r\n\v\f ").empty());
  EXPECT_TRUE(Tokenize(tokenizer, "\u3000\u00A0\u2028\u2029\u0085 \u2003\u202F").empty());
  EXPECT_EQ(tokenizer.counters().tokens, 0);
  EXPECT_EQ(Tokenize(tokenizer, "a\u3000b\u00A0c\u2028d\u0085e\u1680f"),
            (Tokens{"a", "b", "c", "d", "e", "f"}));
}

TEST(WordTokenizerTest, CompatibilityForms) {
  const std::string input = "\uFF21\uFF22\uFF23\uFF11\uFF12\uFF13 \uFB01nd x\u00B2";
  EXPECT_EQ(Tokenize(input), (Tokens{"abc123", "find", "x2"}));
  EXPECT_EQ(Tokenize(SpecWith(NORMALIZATION_NFKC, false), input), (Tokens{"ABC123", "find", "x2"}));
  EXPECT_EQ(Tokenize(SpecWith(NORMALIZATION_NFC, false), input),
            (Tokens{"\uFF21\uFF22\uFF23\uFF11\uFF12\uFF13", "\uFB01nd", "x\u00B2"}));
  EXPECT_EQ(Tokenize(SpecWith(NORMALIZATION_NONE, false), input),
            (Tokens{"\uFF21\uFF22\uFF23\uFF11\uFF12\uFF13", "\uFB01nd", "x\u00B2"}));
  // Full case folding alone folds the width-preserving letters and expands the ligature.
  EXPECT_EQ(Tokenize(SpecWith(NORMALIZATION_NONE, true), input),
            (Tokens{"\uFF41\uFF42\uFF43\uFF11\uFF12\uFF13", "find", "x\u00B2"}));
}

TEST(WordTokenizerTest, DefaultIgnorablesRemovedUnderNfkcCasefold) {
  // Soft hyphen and zero-width joiner disappear (NFKC_Casefold); with NFC they are separators.
  EXPECT_EQ(Tokenize("co\u00ADoperate a\u200Db"), (Tokens{"cooperate", "ab"}));
  EXPECT_EQ(Tokenize(SpecWith(NORMALIZATION_NFC, true), "co\u00ADoperate"),
            (Tokens{"co", "operate"}));
}

TEST(WordTokenizerTest, CombiningMarksCompose) {
  const std::string decomposed = "Cafe\u0301 e\u0301";
  EXPECT_EQ(Tokenize(decomposed), (Tokens{"caf\u00e9", "\u00e9"}));
  EXPECT_EQ(Tokenize(SpecWith(NORMALIZATION_NFC, false), decomposed),
            (Tokens{"Caf\u00e9", "\u00e9"}));
  EXPECT_EQ(Tokenize(SpecWith(NORMALIZATION_NONE, false), decomposed),
            (Tokens{"Cafe\u0301", "e\u0301"}));
  // A lone mark is a word character; = and U+0338 compose to U+2260, a separator.
  EXPECT_EQ(Tokenize(".\u0301 x=\u0338 a=\u0338"
                     "b"),
            (Tokens{"\u0301", "x", "a", "b"}));
}

TEST(WordTokenizerTest, KoreanSentence) {
  EXPECT_EQ(Tokenize("한국어 위키백과"), (Tokens{"한국어", "위키백과"}));
  EXPECT_EQ(Tokenize("한국어 위키백과는 누구나 편집할 수 있는 자유 백과사전입니다. (2002년)"),
            (Tokens{"한국어", "위키백과는", "누구나", "편집할", "수", "있는", "자유",
                    "백과사전입니다", "2002년"}));
  // Conjoining jamo compose into syllables.
  EXPECT_EQ(Tokenize("\u1112\u1161\u11AB"), (Tokens{"한"}));
}

// The Hangul fast path (precomposed syllables with ASCII word characters) against the Unicode
// path: the same text with every syllable written as conjoining jamo (which NFC and NFKC
// compose back, and which the fast path never takes) must give the same tokens, whatever
// follows the syllables (combining jamo and marks that compose with them, other scripts, inner
// punctuation, invalid bytes, long words).
TEST(WordTokenizerTest, HangulFastPathMatchesTheUnicodePath) {
  // {precomposed, decomposed}
  const std::vector<std::pair<std::string, std::string>> parts = {
      {"\uD55C", "\u1112\u1161\u11AB"},  // 한
      {"\uAC00", "\u1100\u1161"},        // 가 (LV: composes with a following T jamo)
      {"\uD7A3", "\u1112\u1175\u11C2"},  // 힣, the last syllable
      {"\u11A8", "\u11A8"},              // a trailing consonant jamo
      {"\u302E", "\u302E"},              // a Hangul tone mark (Mc)
      {"\uD7FF", "\uD7FF"},              // past the syllables
      {"\u4E2D", "\u4E2D"},
      {"\u00E9", "\u00E9"},
      {"A", "A"},
      {"b", "b"},
      {"7", "7"},
      {" ", " "},
      {".", "."},
      {"-", "-"},
      {"'", "'"},
      {"\n", "\n"},
      {"\xEA", "\xEA"}};
  std::mt19937 rng(3);
  for (int trial = 0; trial < 400; ++trial) {
    std::string composed, decomposed;
    for (int k = 1 + rng() % 12; k > 0; --k) {
      // Mostly syllables and ASCII letters, so that long words occur.
      const auto& part = parts[rng() % 2 ? rng() % 3 : rng() % parts.size()];
      composed += part.first;
      decomposed += part.second;
    }
    TokenizerSpec spec =
        SpecWith(trial % 3 == 0 ? NORMALIZATION_NFC : NORMALIZATION_NFKC, trial % 2 == 0);
    spec.set_keep_inner_punct(trial % 5 == 0);
    spec.set_fold_digits(trial % 7 == 0);
    if (trial % 4 == 0) spec.set_max_token_bytes(9);
    WordTokenizer fast(spec), reference(spec);
    EXPECT_EQ(Tokenize(fast, composed), Tokenize(reference, decomposed))
        << "trial " << trial << ": " << ::testing::PrintToString(composed);
    EXPECT_EQ(fast.counters().tokens, reference.counters().tokens) << trial;
    EXPECT_EQ(fast.counters().long_tokens_dropped, reference.counters().long_tokens_dropped)
        << trial;
  }
}

TEST(WordTokenizerTest, KeepInnerPunct) {
  const std::string input =
      "Don't state-of-the-art rock\u2019n\u2019roll 'quoted' -dash- a--b a''b L'\u00e9t\u00e9 "
      "x' e\u2011mail \u00e9'";
  TokenizerSpec spec;
  spec.set_keep_inner_punct(true);
  EXPECT_EQ(Tokenize(spec, input),
            (Tokens{"don't", "state-of-the-art", "rock\u2019n\u2019roll", "quoted", "dash", "a",
                    "b", "a", "b", "l'\u00e9t\u00e9", "x", "e\u2010mail", "\u00e9"}));
  EXPECT_EQ(Tokenize(input),
            (Tokens{"don", "t",    "state",         "of",   "the", "art",  "rock",
                    "n",   "roll", "quoted",        "dash", "a",   "b",    "a",
                    "b",   "l",    "\u00e9t\u00e9", "x",    "e",   "mail", "\u00e9"}));
}

TEST(WordTokenizerTest, FoldDigits) {
  TokenizerSpec spec;
  spec.set_fold_digits(true);
  // NFKC leaves Arabic-Indic digits alone (they are Nd, so folding maps them); it maps the
  // superscript and the full-width digit to ASCII digits first.
  EXPECT_EQ(Tokenize(spec, "1984 v2.0 \u0663\u0664\u0665 x\u00B2 \uFF17"),
            (Tokens{"0000", "v0", "0", "000", "x0", "0"}));
  spec.set_normalization(NORMALIZATION_NONE);
  EXPECT_EQ(Tokenize(spec, "1984 \u0663\u0664 x\u00B2 \u2167"),
            (Tokens{"0000", "00", "x\u00B2", "\u2177"}));
}

TEST(WordTokenizerTest, LongTokensDroppedAndCounted) {
  TokenizerSpec spec;
  spec.set_max_token_bytes(5);
  WordTokenizer tokenizer(spec);
  // "ééé" is 6 bytes, "éé" 4.
  EXPECT_EQ(Tokenize(tokenizer, "short toolong \u00e9\u00e9\u00e9 \u00e9\u00e9 abcde\u00e9"),
            (Tokens{"short", "\u00e9\u00e9"}));
  EXPECT_EQ(tokenizer.counters().tokens, 2);
  EXPECT_EQ(tokenizer.counters().long_tokens_dropped, 3);
  tokenizer.ResetCounters();
  EXPECT_EQ(tokenizer.counters().long_tokens_dropped, 0);
}

// Random ASCII text over every byte 0..127 (letters, digits and ' - weighted up), tokenized
// as is (fast path) and with U+00A1 (an inert punctuation mark) at the start of every run,
// which sends every run whole through the Unicode path: the tokens must be equal.
TEST(WordTokenizerTest, AsciiFastPathMatchesUnicodePath) {
  std::mt19937 random(42);
  const std::string common = "abcXYZ019'- -,.";
  std::vector<std::string> texts = {"Hello, World! don't x-ray 'a' -b- c'' --d 9-9 A'B'C'"};
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const int length = static_cast<int>(random() % 40);
    for (int k = 0; k < length; ++k) {
      text += random() % 2 ? common[random() % common.size()] : static_cast<char>(random() % 128);
    }
    texts.push_back(text);
  }
  for (int options = 0; options < 24; ++options) {
    TokenizerSpec spec = SpecWith(static_cast<Normalization>(options % 3), options / 3 % 2);
    spec.set_keep_inner_punct(options / 6 % 2);
    spec.set_fold_digits(options / 12 % 2);
    spec.set_max_token_bytes(6);
    WordTokenizer fast(spec), slow(spec);
    for (const std::string& text : texts) {
      std::string marked = "\u00A1";
      for (char c : text) {
        marked += c;
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) marked += "\u00A1";
      }
      Tokens tokens = Tokenize(fast, text);
      ASSERT_EQ(tokens, Tokenize(slow, marked)) << spec.ShortDebugString() << text;
      tokens.push_back("\u00e9");
      ASSERT_EQ(Tokenize(fast, text + " \u00e9"), tokens) << spec.ShortDebugString() << text;
    }
    EXPECT_EQ(fast.counters().long_tokens_dropped, 2 * slow.counters().long_tokens_dropped);
  }
}

// ForEachToken gives Tokenize's tokens; tokens that folding leaves unchanged come as views of
// the text itself (no copy), and only those.
TEST(WordTokenizerTest, ForEachTokenMatchesTokenizeAndViewsTheText) {
  std::mt19937 random(11);
  const std::vector<std::string> pieces = {"the",     "The", "a1", "x-ray",         "don't",
                                           " ",       " ",   ",",  "\u00e9t\u00e9", "\uFF21",
                                           "K\u0308", "\t",  "9"};
  TokenizerSpec spec;
  spec.set_keep_inner_punct(true);
  WordTokenizer a(spec), b(spec);
  int64_t views = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    for (int k = random() % 30; k > 0; --k) text += pieces[random() % pieces.size()];
    TokenList list;
    a.Tokenize(text, &list);
    Tokens expected;
    for (size_t t = 0; t < list.size(); ++t) expected.emplace_back(list[t]);
    Tokens got;
    b.ForEachToken(text, [&](absl::string_view token) {
      got.emplace_back(token);
      const bool in_text = token.data() >= text.data() && token.data() < text.data() + text.size();
      if (!in_text) return;
      ++views;
      for (char c : token) {
        EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'' || c == '-')
            << "a view of a token that folding changes: " << token;
      }
    });
    ASSERT_EQ(got, expected) << text;
  }
  EXPECT_EQ(a.counters().tokens, b.counters().tokens);
  EXPECT_GT(views, a.counters().tokens / 4);  // "the", "a1", "x-ray", "don't", "9"
}

TEST(WordTokenizerTest, TokenListReuse) {
  WordTokenizer tokenizer{TokenizerSpec()};
  TokenList list;
  tokenizer.Tokenize("many words in the first call, \u00e9t\u00e9 included", &list);
  ASSERT_EQ(list.size(), 8u);
  const size_t capacity = list.bytes().capacity();
  tokenizer.Tokenize("Second", &list);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0], "second");
  EXPECT_GE(list.bytes().capacity(), capacity);
  tokenizer.Tokenize("", &list);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(tokenizer.counters().tokens, 9);
}

TEST(WordTokenizerTest, SixtyFourMegabyteLine) {
  const std::string unit = "alpha beta, gamma ";
  const size_t repeats = (size_t{64} << 20) / unit.size() + 1;
  std::string text;
  text.reserve(repeats * unit.size());
  for (size_t i = 0; i < repeats; ++i) text += unit;
  WordTokenizer tokenizer{TokenizerSpec()};
  TokenList list;
  tokenizer.Tokenize(text, &list);
  ASSERT_EQ(list.size(), 3 * repeats);
  EXPECT_EQ(list[0], "alpha");
  EXPECT_EQ(list[1], "beta");
  EXPECT_EQ(list[2], "gamma");
  EXPECT_EQ(list[3 * repeats - 2], "beta");
  EXPECT_EQ(list[3 * repeats - 1], "gamma");
  EXPECT_EQ(tokenizer.counters().tokens, static_cast<int64_t>(3 * repeats));
}

TEST(WordTokenizerTest, LongNonAsciiRunWithoutWhitespace) {
  // One 12 MiB run: cut into pieces at ASCII punctuation, with the same tokens as a whole.
  const std::string unit = "한국어,\u00e9t\u00e9.";
  const size_t repeats = (size_t{12} << 20) / unit.size();
  std::string text;
  for (size_t i = 0; i < repeats; ++i) text += unit;
  WordTokenizer tokenizer{TokenizerSpec()};
  TokenList list;
  tokenizer.Tokenize(text + "x=\u0338", &list);
  ASSERT_EQ(list.size(), 2 * repeats + 1);
  for (size_t i = 0; i < list.size() - 1; ++i) {
    ASSERT_EQ(list[i], i % 2 ? "\u00e9t\u00e9" : "한국어") << i;
  }
  EXPECT_EQ(list[2 * repeats], "x");
  // Without punctuation the single token is over the limit and dropped.
  std::string letters(size_t{8} << 20, 'a');
  tokenizer.Tokenize(letters + "\u00e9", &list);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(tokenizer.counters().long_tokens_dropped, 1);
}

std::string ReadZstdFile(const std::string& path) {
  const std::string compressed = testing::ReadFile(path);
  std::string text;
  ZSTD_DStream* stream = ZSTD_createDStream();
  ZSTD_initDStream(stream);
  ZSTD_inBuffer in = {compressed.data(), compressed.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  while (in.pos < in.size) {
    ZSTD_outBuffer out = {chunk.data(), chunk.size(), 0};
    const size_t status = ZSTD_decompressStream(stream, &out, &in);
    if (ZSTD_isError(status)) break;
    text.append(chunk.data(), out.pos);
  }
  ZSTD_freeDStream(stream);
  return text;
}

TEST(WordTokenizerTest, KoreanWikipediaCorpus) {
  const std::string shared = testing::SharedDir();
  const std::string path =
      (shared.empty() ? std::string("../shared") : shared) + "/corpora/kowiki/wiki_00.zst";
  if (shared.empty() || !std::ifstream(path).good()) GTEST_SKIP() << "missing " << path;
  const std::string text = ReadZstdFile(path);
  ASSERT_GT(text.size(), 100000u);
  WordTokenizer tokenizer{TokenizerSpec()};
  TokenList list;
  int64_t tokens = 0, hangul_tokens = 0;
  size_t line_begin = 0;
  while (line_begin < text.size()) {
    size_t line_end = text.find('\n', line_begin);
    if (line_end == std::string::npos) line_end = text.size();
    tokenizer.Tokenize(absl::string_view(text).substr(line_begin, line_end - line_begin), &list);
    line_begin = line_end + 1;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string token(list[i]);
      ASSERT_FALSE(token.empty());
      ASSERT_TRUE(IsValidUtf8(token)) << token;
      for (char c : token) {
        ASSERT_TRUE(static_cast<unsigned char>(c) >= 0x80 || std::isalnum(c)) << token;
      }
      ASSERT_EQ(token.find("\u3000"), std::string::npos) << token;
      ASSERT_EQ(token.find("\u00A0"), std::string::npos) << token;
      ++tokens;
      for (size_t k = 0; k + 2 < token.size(); ++k) {
        const uint32_t cp =
            (token[k] & 0x0F) << 12 | (token[k + 1] & 0x3F) << 6 | (token[k + 2] & 0x3F);
        if ((static_cast<unsigned char>(token[k]) & 0xF0) == 0xE0 && cp >= 0xAC00 && cp <= 0xD7A3) {
          ++hangul_tokens;
          break;
        }
      }
    }
  }
  EXPECT_GT(tokens, 10000);
  EXPECT_GT(hangul_tokens * 2, tokens) << hangul_tokens << " of " << tokens;
  EXPECT_EQ(tokenizer.counters().tokens, tokens);
}

}  // namespace
}  // namespace wordmill
