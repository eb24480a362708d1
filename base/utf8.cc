#include "base/utf8.h"

namespace wordmill {

size_t FindInvalidUtf8(absl::string_view s) {
  const auto* begin = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = begin + s.size();
  for (const uint8_t* p = begin; p < end;) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    char32_t cp;
    const int n = DecodeUtf8(p, end, &cp);
    if (n <= 0) return static_cast<size_t>(p - begin);
    p += n;
  }
  return absl::string_view::npos;
}

}  // namespace wordmill
