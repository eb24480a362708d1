#include "base/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace wordmill {
namespace {

// DecodeUtf8 on the bytes of s: the returned length and the code point (0 if none).
std::pair<int, char32_t> Decode(const std::string& s) {
  char32_t cp = 0;
  const int n = DecodeUtf8(s, 0, &cp);
  return {n, cp};
}

TEST(Utf8Test, DecodesOneToFourBytes) {
  EXPECT_EQ(Decode("a"), std::make_pair(1, char32_t{0x61}));
  EXPECT_EQ(Decode(std::string(1, '\0')), std::make_pair(1, char32_t{0}));
  EXPECT_EQ(Decode("\xC2\x80"), std::make_pair(2, char32_t{0x80}));     // lowest 2-byte
  EXPECT_EQ(Decode("\xC3\xA9xyz"), std::make_pair(2, char32_t{0xE9}));  // é, then more
  EXPECT_EQ(Decode("\xDF\xBF"), std::make_pair(2, char32_t{0x7FF}));
  EXPECT_EQ(Decode("\xE0\xA0\x80"), std::make_pair(3, char32_t{0x800}));   // lowest 3-byte
  EXPECT_EQ(Decode("\xE2\x82\xAC"), std::make_pair(3, char32_t{0x20AC}));  // €
  EXPECT_EQ(Decode("\xED\x9F\xBF"), std::make_pair(3, char32_t{0xD7FF}));  // below surrogates
  EXPECT_EQ(Decode("\xEE\x80\x80"), std::make_pair(3, char32_t{0xE000}));  // above surrogates
  EXPECT_EQ(Decode("\xEF\xBF\xBD"), std::make_pair(3, char32_t{0xFFFD}));
  EXPECT_EQ(Decode("\xF0\x90\x80\x80"), std::make_pair(4, char32_t{0x10000}));
  EXPECT_EQ(Decode("\xF0\x9F\x98\x80"), std::make_pair(4, char32_t{0x1F600}));  // 😀
  EXPECT_EQ(Decode("\xF4\x8F\xBF\xBF"), std::make_pair(4, char32_t{0x10FFFF}));
}

// Invalid sequences: minus the length of the maximal invalid subpart (Unicode's "U+FFFD per
// maximal subpart" practice), code point untouched.
TEST(Utf8Test, RejectsInvalidSequencesWithTheirMaximalSubpart) {
  // Stray continuation bytes and leads that never occur.
  EXPECT_EQ(Decode("\x80"), std::make_pair(-1, char32_t{0}));
  EXPECT_EQ(Decode("\xBF"), std::make_pair(-1, char32_t{0}));
  EXPECT_EQ(Decode("\xF5\x80\x80\x80"), std::make_pair(-1, char32_t{0}));
  EXPECT_EQ(Decode("\xFF"), std::make_pair(-1, char32_t{0}));
  // Overlong forms.
  EXPECT_EQ(Decode("\xC0\xAF"), std::make_pair(-1, char32_t{0}));  // '/' in 2 bytes
  EXPECT_EQ(Decode("\xC1\xBF"), std::make_pair(-1, char32_t{0}));
  EXPECT_EQ(Decode("\xE0\x80\xAF"), std::make_pair(-1, char32_t{0}));  // 3-byte overlong
  EXPECT_EQ(Decode("\xE0\x9F\xBF"), std::make_pair(-1, char32_t{0}));
  EXPECT_EQ(Decode("\xF0\x80\x80\xAF"), std::make_pair(-1, char32_t{0}));  // 4-byte overlong
  EXPECT_EQ(Decode("\xF0\x8F\xBF\xBF"), std::make_pair(-1, char32_t{0}));
  // Surrogates and beyond U+10FFFF.
  EXPECT_EQ(Decode("\xED\xA0\x80"), std::make_pair(-1, char32_t{0}));      // U+D800
  EXPECT_EQ(Decode("\xED\xBF\xBF"), std::make_pair(-1, char32_t{0}));      // U+DFFF
  EXPECT_EQ(Decode("\xF4\x90\x80\x80"), std::make_pair(-1, char32_t{0}));  // U+110000
  // Truncated: the valid prefix is the maximal subpart.
  EXPECT_EQ(Decode("\xC3"), std::make_pair(-1, char32_t{0}));
  EXPECT_EQ(Decode("\xE2\x82"), std::make_pair(-2, char32_t{0}));
  EXPECT_EQ(Decode("\xF0\x9F\x98"), std::make_pair(-3, char32_t{0}));
  EXPECT_EQ(Decode("\xE2\x82x"), std::make_pair(-2, char32_t{0}));  // interrupted by ASCII
  EXPECT_EQ(Decode("\xF0\x9F"
                   "a"),
            std::make_pair(-2, char32_t{0}));
}

TEST(Utf8Test, DecodeStopsAtTheEndPointer) {
  const std::string s = "\xE2\x82\xAC";
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  char32_t cp = 0;
  EXPECT_EQ(DecodeUtf8(p, p + 2, &cp), -2);  // the third byte lies beyond `end`
  EXPECT_EQ(DecodeUtf8(p, p + 3, &cp), 3);
  EXPECT_EQ(cp, char32_t{0x20AC});
}

TEST(Utf8Test, CharLength) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xED\xA0\x80\xC0\xAF\xE2\x82";
  EXPECT_EQ(Utf8CharLength(s, 0), 1u);
  EXPECT_EQ(Utf8CharLength(s, 1), 2u);
  EXPECT_EQ(Utf8CharLength(s, 3), 3u);
  EXPECT_EQ(Utf8CharLength(s, 6), 4u);
  EXPECT_EQ(Utf8CharLength(s, 10), 0u);           // surrogate
  EXPECT_EQ(Utf8CharLength(s, 13), 0u);           // overlong
  EXPECT_EQ(Utf8CharLength(s, 15), 0u);           // truncated at the end
  EXPECT_EQ(Utf8CharLength(s, 7), 0u);            // a continuation byte
  EXPECT_EQ(Utf8CharLength(s.data() + 6, 3), 0);  // 4-byte character cut by the size
  EXPECT_EQ(Utf8CharLength(s.data() + 6, 4), 4);
}

TEST(Utf8Test, EncodesOneToFourBytes) {
  const auto encode = [](char32_t cp) {
    std::string out;
    AppendUtf8(cp, &out);
    char buf[4];
    EXPECT_EQ(std::string(buf, EncodeUtf8(cp, buf)), out);
    return out;
  };
  EXPECT_EQ(encode(0x61), "a");
  EXPECT_EQ(encode(0x7F), "\x7F");
  EXPECT_EQ(encode(0x80), "\xC2\x80");
  EXPECT_EQ(encode(0x7FF), "\xDF\xBF");
  EXPECT_EQ(encode(0x800), "\xE0\xA0\x80");
  EXPECT_EQ(encode(0x2581), "\xE2\x96\x81");  // SentencePiece's word boundary
  EXPECT_EQ(encode(0xFFFF), "\xEF\xBF\xBF");
  EXPECT_EQ(encode(0x10000), "\xF0\x90\x80\x80");
  EXPECT_EQ(encode(0x10FFFF), "\xF4\x8F\xBF\xBF");
  std::string appended = "x";
  AppendUtf8(0xE9, &appended);
  EXPECT_EQ(appended, "x\xC3\xA9");
}

TEST(Utf8Test, RoundTripsEveryScalarValue) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    char buf[4];
    const int n = EncodeUtf8(cp, buf);
    char32_t back = 0;
    ASSERT_EQ(DecodeUtf8(absl::string_view(buf, n), 0, &back), n) << std::hex << cp;
    ASSERT_EQ(back, cp);
  }
}

TEST(Utf8Test, FindInvalid) {
  EXPECT_EQ(FindInvalidUtf8(""), absl::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("plain \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"), absl::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xC3\xA9\xED\xA0\x80"), 4u);
  EXPECT_EQ(FindInvalidUtf8("abc\xE2\x82"), 3u);
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);
}

}  // namespace
}  // namespace wordmill
