// UTF-8: decode one character (with validity), the length of one, encode one. Validity follows
// the well-formed byte sequences of Unicode Table 3-7: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence. Inline: the tokenizers call
// these once per character.
#ifndef WORDMILL_BASE_UTF8_H_
#define WORDMILL_BASE_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace wordmill {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Decodes the UTF-8 sequence at p (p < end). Returns its length (1 to 4) and sets *cp, or
// returns minus the length of the maximal invalid subpart there (1 to 3 bytes, what one U+FFFD
// replaces) and leaves *cp alone.
inline int DecodeUtf8(const uint8_t* p, const uint8_t* end, char32_t* cp) {
  const uint8_t lead = p[0];
  int continuation_bytes;
  char32_t value;
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

// The same for the character at s[pos] (pos < s.size()).
inline int DecodeUtf8(absl::string_view s, size_t pos, char32_t* cp) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  return DecodeUtf8(p + pos, p + s.size(), cp);
}

// The length (1 to 4) of the well-formed character at p[0, size) (size > 0), or 0 if none
// starts there.
inline int Utf8CharLength(const char* p, size_t size) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  if (u[0] < 0x80) return 1;  // the common case, before any other test
  char32_t unused;
  const int n = DecodeUtf8(u, u + size, &unused);
  return n > 0 ? n : 0;
}

// The same for the character at s[pos] (pos < s.size()).
inline size_t Utf8CharLength(absl::string_view s, size_t pos) {
  return static_cast<size_t>(Utf8CharLength(s.data() + pos, s.size() - pos));
}

// Writes the UTF-8 encoding of cp (at most U+10FFFF) to out[0, 4) and returns its length.
inline int EncodeUtf8(char32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Appends the UTF-8 encoding of cp to *out.
inline void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
    return;
  }
  char buf[4];
  out->append(buf, static_cast<size_t>(EncodeUtf8(cp, buf)));
}

// The byte offset of the first position in s where no well-formed character starts, or
// absl::string_view::npos when all of s is well-formed UTF-8.
size_t FindInvalidUtf8(absl::string_view s);

}  // namespace wordmill

#endif  // WORDMILL_BASE_UTF8_H_
