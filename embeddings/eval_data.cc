#include "embeddings/eval_data.h"

#include <cmath>
#include <locale>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "formats/atomic_file.h"

namespace wordmill {
namespace {

// Splits `contents` into lines (without '\n' and a trailing '\r'); calls `fn(line, line_no)`
// with 1-based line numbers and stops at the first error.
template <typename Fn>
absl::Status ForEachLine(absl::string_view contents, Fn fn) {
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < contents.size()) {
    size_t newline = contents.find('\n', pos);
    if (newline == absl::string_view::npos) newline = contents.size();
    absl::string_view line = contents.substr(pos, newline - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (absl::Status s = fn(line, ++line_no); !s.ok()) return s;
    pos = newline + 1;
  }
  return absl::OkStatus();
}

// The C.UTF-8 locale's wide-character table, or null when the locale is unavailable (then only
// ASCII letters are folded).
const std::ctype<wchar_t>* WideCtype() {
  static const std::ctype<wchar_t>* ctype = []() -> const std::ctype<wchar_t>* {
    try {
      static const std::locale locale("C.UTF-8");
      return &std::use_facet<std::ctype<wchar_t>>(locale);
    } catch (const std::exception&) {
      return nullptr;
    }
  }();
  return ctype;
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if it is invalid.
int DecodeUtf8(absl::string_view s, size_t i, char32_t* cp) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  char32_t value = len == 1 ? c : c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const unsigned char next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xC0) != 0x80) return 0;
    value = (value << 6) | (next & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMin[len] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *cp = value;
  return len;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string FoldCase(absl::string_view word) {
  std::string out;
  out.reserve(word.size());
  const std::ctype<wchar_t>* ctype = WideCtype();
  for (size_t i = 0; i < word.size();) {
    char32_t cp;
    const int len = DecodeUtf8(word, i, &cp);
    if (len == 0) {  // keep an invalid byte as it is
      out.push_back(word[i++]);
      continue;
    }
    if (cp < 0x80) {
      out.push_back(absl::ascii_toupper(static_cast<char>(cp)));
    } else {
      AppendUtf8(ctype ? static_cast<char32_t>(ctype->toupper(static_cast<wchar_t>(cp))) : cp,
                 &out);
    }
    i += len;
  }
  return out;
}

absl::StatusOr<std::vector<AnalogySection>> ReadAnalogyFile(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (!contents.ok()) return contents.status();
  std::vector<AnalogySection> sections;
  absl::Status status = ForEachLine(*contents, [&](absl::string_view line, int64_t line_no) {
    if (absl::StartsWith(line, ": ")) {
      sections.push_back({std::string(absl::StripAsciiWhitespace(line.substr(2))), {}});
      return absl::OkStatus();
    }
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r\v\f"), absl::SkipEmpty());
    if (words.empty()) return absl::OkStatus();
    if (words.size() != 4) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no,
                                                     ": expected 4 words (a b c d), found ",
                                                     words.size(), ": '", line, "'"));
    }
    if (sections.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": question before the first `: section` line"));
    }
    sections.back().questions.push_back({std::string(words[0]), std::string(words[1]),
                                         std::string(words[2]), std::string(words[3])});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (sections.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no `: section` line and no questions"));
  }
  return sections;
}

absl::StatusOr<std::vector<SimilarityPair>> ReadSimilarityFile(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (!contents.ok()) return contents.status();
  std::vector<SimilarityPair> pairs;
  absl::Status status = ForEachLine(*contents, [&](absl::string_view line, int64_t line_no) {
    if (absl::StartsWith(line, "#") || absl::StripAsciiWhitespace(line).empty()) {
      return absl::OkStatus();
    }
    std::vector<absl::string_view> fields;
    if (line.find('\t') != absl::string_view::npos) {
      fields = absl::StrSplit(line, '\t');
    } else {
      fields = absl::StrSplit(line, absl::ByAnyChar(" \v\f"), absl::SkipEmpty());
    }
    for (absl::string_view& f : fields) f = absl::StripAsciiWhitespace(f);
    if (fields.size() != 3 || fields[0].empty() || fields[1].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line_no, ": expected `word1<TAB>word2<TAB>score`, got '", line, "'"));
    }
    double score;
    if (!absl::SimpleAtod(fields[2], &score) || !std::isfinite(score)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": score '", fields[2], "' is not a finite number"));
    }
    pairs.push_back({std::string(fields[0]), std::string(fields[1]), score});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (pairs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no word pairs"));
  }
  return pairs;
}

}  // namespace wordmill
