#include "formats/embedding_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "formats/atomic_file.h"

namespace wordmill {
namespace {

static_assert(sizeof(float) == 4, "float32 expected");
// The binary format stores little-endian float32; we copy the bytes as they are in memory.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host expected");

// Largest accepted dimension: larger headers are corrupt files, not embeddings.
constexpr int64_t kMaxDim = 100000;
// Longest accepted word in a binary file (bytes); a longer one means we lost the row framing.
constexpr int64_t kMaxBinaryWordBytes = 1 << 16;

absl::Status CheckWritable(const std::string& path, const EmbeddingMatrix& m) {
  if (m.dim < 1 || m.dim > kMaxDim) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot write embeddings with dimension ", m.dim));
  }
  if (m.values.size() != m.words.size() * static_cast<size_t>(m.dim)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", m.values.size(), " values for ",
                                                   m.words.size(), " rows of dimension ", m.dim));
  }
  for (size_t k = 0; k < m.words.size(); ++k) {
    const std::string& w = m.words[k];
    if (w.empty() || w.find_first_of(" \t\n\r") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": row ", k, ": word '", w, "' is empty or contains whitespace"));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteText(const std::string& path, const EmbeddingMatrix& m, bool header,
                       bool trailing_space = false) {
  if (absl::Status s = CheckWritable(path, m); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Open(path);
  if (!writer.ok()) return writer.status();
  std::string line;
  if (header) line = absl::StrCat(m.rows(), " ", m.dim, "\n");
  char number[32];
  for (int64_t k = 0; k < m.rows(); ++k) {
    line += m.words[k];
    const float* row = m.row(k);
    for (int j = 0; j < m.dim; ++j) {
      // Shortest representation that parses back to the same float32.
      std::to_chars_result r = std::to_chars(number, number + sizeof(number), row[j]);
      line += ' ';
      line.append(number, r.ptr);
    }
    if (trailing_space) line += ' ';
    line += '\n';
    if (line.size() >= (1 << 20) || k + 1 == m.rows()) {
      if (absl::Status s = (*writer)->Write(line); !s.ok()) return s;
      line.clear();
    }
  }
  if (!line.empty()) {
    if (absl::Status s = (*writer)->Write(line); !s.ok()) return s;
  }
  return (*writer)->Commit();
}

// --- Reading ---------------------------------------------------------------------------------

struct Header {
  int64_t rows = 0;
  int64_t dim = 0;
  size_t end = 0;  // offset just past the header line's '\n'
};

bool ParseInt(absl::string_view s, int64_t* value) {
  if (s.empty()) return false;
  std::from_chars_result r = std::from_chars(s.data(), s.data() + s.size(), *value);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

absl::string_view StripCr(absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// A `rows dim` first line (two non-negative integers separated by one space), or nothing.
bool ParseHeader(absl::string_view data, Header* header) {
  const size_t newline = data.find('\n');
  if (newline == absl::string_view::npos) return false;
  absl::string_view line = StripCr(data.substr(0, newline));
  while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) return false;
  if (!ParseInt(line.substr(0, space), &header->rows) ||
      !ParseInt(line.substr(space + 1), &header->dim) || header->rows < 0 || header->dim < 0) {
    return false;
  }
  header->end = newline + 1;
  return true;
}

// Refuses impossible dimensions. Returns how many rows the file can hold at most, so that
// readers reserve at most that much whatever the header claims: a header announcing more rows
// than the bytes can hold is found, without a huge allocation, when the data runs out (DataLoss
// naming the row where it did).
absl::StatusOr<int64_t> CheckHeader(const std::string& path, const Header& h, size_t file_size,
                                    int64_t min_bytes_per_value, int64_t min_bytes_per_row) {
  if (h.dim < 1 || h.dim > kMaxDim) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":1: header dimension ", h.dim, " is outside 1..", kMaxDim, " (corrupt header?)"));
  }
  const int64_t per_row = h.dim * min_bytes_per_value + min_bytes_per_row;
  return std::min(h.rows, static_cast<int64_t>(file_size) / per_row);
}

// Remembers each word once; a second occurrence is an error naming both places.
class DuplicateChecker {
 public:
  explicit DuplicateChecker(size_t expected) { first_.reserve(expected); }
  // Returns the index of the earlier row with `word`, or -1.
  int64_t Add(absl::string_view word, int64_t row) {
    auto [it, inserted] = first_.emplace(std::string_view(word.data(), word.size()), row);
    return inserted ? -1 : it->second;
  }

 private:
  std::unordered_map<std::string_view, int64_t> first_;
};

// Parses one text row (`word v1 ... vdim`) into `out` (dim floats) and returns the word.
// `where` makes the "file:line" prefix of error messages (only built on errors).
template <typename Where>
absl::StatusOr<absl::string_view> ParseTextRow(absl::string_view line, int dim, float* out,
                                               const Where& where) {
  line = StripCr(line);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  size_t pos = line.find_first_of(" \t");
  if (line.empty() || pos == 0) {
    return absl::InvalidArgumentError(absl::StrCat(where(), ": empty line or missing word"));
  }
  const absl::string_view word = line.substr(0, std::min(pos, line.size()));
  const char* p = line.data() + word.size();
  const char* end = line.data() + line.size();
  int count = 0;
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    if (count == dim) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": word '", word, "' has more than ", dim, " values"));
    }
    float value;
    std::from_chars_result r = std::from_chars(p, end, value);
    if (r.ec != std::errc() || (r.ptr != end && *r.ptr != ' ' && *r.ptr != '\t')) {
      const char* stop = std::find_if(p, end, [](char c) { return c == ' ' || c == '\t'; });
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": word '", word, "' value ", count + 1, " '",
                       absl::string_view(p, stop - p), "' is not a float32 number"));
    }
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": word '", word, "' value ", count + 1, " is NaN or infinite"));
    }
    out[count++] = value;
    p = r.ptr;
  }
  if (count != dim) {
    return absl::InvalidArgumentError(
        absl::StrCat(where(), ": word '", word, "' has ", count, " values, expected ", dim));
  }
  return word;
}

// Number of whitespace-separated fields after the word on the first line (GloVe's dimension).
int64_t CountFields(absl::string_view line) {
  line = StripCr(line);
  int64_t fields = 0;
  bool in_field = false;
  for (char c : line) {
    const bool space = c == ' ' || c == '\t';
    if (!space && !in_field) ++fields;
    in_field = !space;
  }
  return fields - 1;
}

absl::StatusOr<EmbeddingMatrix> ReadText(const std::string& path, absl::string_view data,
                                         bool has_header) {
  Header h;
  int64_t line_no = 1;
  int64_t reserve = 0;  // rows, at most what the file can hold
  if (has_header) {
    if (!ParseHeader(data, &h)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":1: expected a `rows dim` word2vec header"));
    }
    absl::StatusOr<int64_t> capacity = CheckHeader(path, h, data.size(), 2, 1);
    if (!capacity.ok()) return capacity.status();
    reserve = *capacity;
    line_no = 2;
  } else {
    const size_t newline = data.find('\n');
    h.dim = CountFields(data.substr(0, newline));
    if (data.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
    if (h.dim < 1 || h.dim > kMaxDim) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":1: first line has ", h.dim, " values; expected 1..", kMaxDim));
    }
  }
  EmbeddingMatrix m;
  m.dim = static_cast<int>(h.dim);
  if (!has_header) reserve = std::count(data.begin(), data.end(), '\n') + 1;
  m.values.reserve(reserve * h.dim);
  DuplicateChecker duplicates(reserve);
  std::vector<absl::string_view> words;
  size_t pos = h.end;
  // Blank lines at the very end are tolerated; anywhere else they are errors.
  const size_t end = data.find_last_not_of(" \t\r\n") + 1;
  for (; pos < end; ++line_no) {
    size_t newline = data.find('\n', pos);
    if (newline == absl::string_view::npos) newline = data.size();
    auto where = [&] { return absl::StrCat(path, ":", line_no); };
    if (has_header && static_cast<int64_t>(words.size()) == h.rows) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": more rows than the header's ", h.rows));
    }
    m.values.resize(m.values.size() + m.dim);
    absl::StatusOr<absl::string_view> word = ParseTextRow(
        data.substr(pos, newline - pos), m.dim, m.values.data() + m.values.size() - m.dim, where);
    if (!word.ok()) return word.status();
    if (int64_t first = duplicates.Add(*word, line_no); first >= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": duplicate word '", *word, "' (first on line ", first, ")"));
    }
    words.push_back(*word);
    pos = newline + 1;
  }
  if (has_header && static_cast<int64_t>(words.size()) != h.rows) {
    return absl::DataLossError(absl::StrCat(path, ": header announces ", h.rows,
                                            " rows but the file has ", words.size(),
                                            " (truncated?)"));
  }
  m.words.reserve(words.size());
  for (absl::string_view w : words) m.words.emplace_back(w);
  return m;
}

absl::StatusOr<EmbeddingMatrix> ReadBinary(const std::string& path, absl::string_view data) {
  Header h;
  if (!ParseHeader(data, &h)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":1: expected a `rows dim` word2vec header"));
  }
  absl::StatusOr<int64_t> capacity = CheckHeader(path, h, data.size(), 4, 2);
  if (!capacity.ok()) return capacity.status();
  EmbeddingMatrix m;
  m.dim = static_cast<int>(h.dim);
  m.words.reserve(*capacity);
  m.values.reserve(*capacity * h.dim);
  DuplicateChecker duplicates(*capacity);
  const size_t row_bytes = static_cast<size_t>(h.dim) * sizeof(float);
  size_t pos = h.end;
  for (int64_t k = 0; k < h.rows; ++k) {
    if (pos < data.size() && data[pos] == '\n') ++pos;  // the previous row's terminator
    const size_t row_start = pos;
    auto where = [&] { return absl::StrCat(path, ": row ", k, " (byte offset ", row_start, ")"); };
    const size_t space = data.find(' ', pos);
    if (space == absl::string_view::npos || space == pos) {
      return absl::DataLossError(
          absl::StrCat(where(), ": missing word (truncated file? ", h.rows, " rows announced)"));
    }
    if (static_cast<int64_t>(space - pos) > kMaxBinaryWordBytes ||
        data.substr(pos, space - pos).find('\n') != absl::string_view::npos) {
      return absl::DataLossError(absl::StrCat(where(), ": malformed word (corrupt row framing)"));
    }
    const absl::string_view word = data.substr(pos, space - pos);
    if (data.size() - (space + 1) < row_bytes) {
      return absl::DataLossError(absl::StrCat(where(), ": word '", word, "' has only ",
                                              data.size() - space - 1, " of ", row_bytes,
                                              " vector bytes (truncated file)"));
    }
    m.values.resize(m.values.size() + m.dim);
    float* out = m.values.data() + m.values.size() - m.dim;
    std::memcpy(out, data.data() + space + 1, row_bytes);
    for (int j = 0; j < m.dim; ++j) {
      if (!std::isfinite(out[j])) {
        return absl::InvalidArgumentError(
            absl::StrCat(where(), ": word '", word, "' value ", j + 1, " is NaN or infinite"));
      }
    }
    if (int64_t first = duplicates.Add(word, k); first >= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": duplicate word '", word, "' (first in row ", first, ")"));
    }
    m.words.emplace_back(word);
    pos = space + 1 + row_bytes;
  }
  if (pos < data.size() && data[pos] == '\n') ++pos;
  if (pos != data.size()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", data.size() - pos,
                                                   " bytes after the ", h.rows,
                                                   " announced rows (byte offset ", pos, ")"));
  }
  return m;
}

// A word2vec header whose first row's vector bytes are not number text means binary.
bool LooksBinary(absl::string_view data, const Header& h) {
  if (h.dim < 1 || h.dim > kMaxDim) return false;
  const size_t space = data.find(' ', h.end);
  if (space == absl::string_view::npos) return false;
  const absl::string_view vector = data.substr(space + 1, h.dim * sizeof(float));
  for (char c : vector) {
    const bool text = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' ||
                      c == 'E' || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
                      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!text) return true;
  }
  return false;
}

}  // namespace

absl::Status WriteWord2vecText(const std::string& path, const EmbeddingMatrix& m) {
  return WriteText(path, m, /*header=*/true);
}

absl::Status WriteFasttextVec(const std::string& path, const EmbeddingMatrix& m) {
  return WriteText(path, m, /*header=*/true, /*trailing_space=*/true);
}

absl::Status WriteGloveText(const std::string& path, const EmbeddingMatrix& m) {
  return WriteText(path, m, /*header=*/false);
}

absl::Status WriteWord2vecBinary(const std::string& path, const EmbeddingMatrix& m) {
  if (absl::Status s = CheckWritable(path, m); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Open(path);
  if (!writer.ok()) return writer.status();
  std::string buffer = absl::StrCat(m.rows(), " ", m.dim, "\n");
  const size_t row_bytes = static_cast<size_t>(m.dim) * sizeof(float);
  for (int64_t k = 0; k < m.rows(); ++k) {
    buffer += m.words[k];
    buffer += ' ';
    buffer.append(reinterpret_cast<const char*>(m.row(k)), row_bytes);
    buffer += '\n';
    if (buffer.size() >= (1 << 20)) {
      if (absl::Status s = (*writer)->Write(buffer); !s.ok()) return s;
      buffer.clear();
    }
  }
  if (absl::Status s = (*writer)->Write(buffer); !s.ok()) return s;
  return (*writer)->Commit();
}

EmbeddingFormat SniffEmbeddingFormat(absl::string_view head) {
  Header h;
  if (ParseHeader(head, &h)) {
    return LooksBinary(head, h) ? EmbeddingFormat::kWord2vecBinary : EmbeddingFormat::kWord2vecText;
  }
  // GloVe: a word, then only numbers up to the end of the first line (or of `head`).
  absl::string_view line = StripCr(head.substr(0, head.find('\n')));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  const size_t word_end = line.find_first_of(" \t");
  if (line.empty() || word_end == 0 || word_end == absl::string_view::npos) {
    return EmbeddingFormat::kAuto;
  }
  const char* p = line.data() + word_end;
  const char* end = line.data() + line.size();
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    float value;
    std::from_chars_result r = std::from_chars(p, end, value);
    if (r.ec != std::errc() || (r.ptr != end && *r.ptr != ' ' && *r.ptr != '\t')) {
      return EmbeddingFormat::kAuto;
    }
    p = r.ptr;
  }
  return EmbeddingFormat::kGloveText;
}

absl::StatusOr<EmbeddingMatrix> ReadEmbeddings(const std::string& path, EmbeddingFormat format) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (!contents.ok()) return contents.status();
  const absl::string_view data = *contents;
  if (format == EmbeddingFormat::kAuto) format = SniffEmbeddingFormat(data);
  switch (format) {
    case EmbeddingFormat::kWord2vecBinary:
      return ReadBinary(path, data);
    case EmbeddingFormat::kWord2vecText:
      return ReadText(path, data, /*has_header=*/true);
    default:  // GloVe text; an unknown file fails on its first line
      return ReadText(path, data, /*has_header=*/false);
  }
}

}  // namespace wordmill
