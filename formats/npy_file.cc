#include "formats/npy_file.h"

#include <charconv>
#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "formats/atomic_file.h"

namespace wordmill {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host expected");

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicBytes = 6;

// The value text after `'key':` in a header dictionary, or empty if the key is absent.
absl::string_view DictValue(absl::string_view dict, absl::string_view key) {
  const std::string quoted = absl::StrCat("'", key, "'");
  size_t pos = dict.find(quoted);
  if (pos == absl::string_view::npos) return {};
  pos = dict.find(':', pos + quoted.size());
  if (pos == absl::string_view::npos) return {};
  absl::string_view rest = dict.substr(pos + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  // A tuple runs to its ')', anything else to the next ',' or '}'.
  const size_t end = rest.empty() || rest.front() != '('         ? rest.find_first_of(",}")
                     : rest.find(')') == absl::string_view::npos ? rest.size()
                                                                 : rest.find(')') + 1;
  return rest.substr(0, end);
}

bool ParseDim(absl::string_view text, int64_t* value) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (!text.empty() && text.back() == 'L') text.remove_suffix(1);  // Python 2 longs
  std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), *value);
  return !text.empty() && r.ec == std::errc() && r.ptr == text.data() + text.size() && *value >= 0;
}

}  // namespace

absl::Status WriteNpy(const std::string& path, const EmbeddingMatrix& m) {
  if (m.values.size() != m.words.size() * static_cast<size_t>(m.dim) || m.dim < 1) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", m.values.size(), " values for ",
                                                   m.words.size(), " rows of dimension ", m.dim));
  }
  std::string dict = absl::StrCat("{'descr': '<f4', 'fortran_order': False, 'shape': (", m.rows(),
                                  ", ", m.dim, "), }");
  // Magic, version, u16 length, dictionary, spaces and '\n' up to a multiple of 64 bytes.
  const size_t unpadded = kNpyMagicBytes + 2 + 2 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string header(kNpyMagic, kNpyMagicBytes);
  header += '\x01';
  header += '\x00';
  const uint16_t length = static_cast<uint16_t>(dict.size());
  header.append(reinterpret_cast<const char*>(&length), 2);
  header += dict;
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Open(path);
  if (!writer.ok()) return writer.status();
  if (absl::Status s = (*writer)->Write(header); !s.ok()) return s;
  absl::string_view data(reinterpret_cast<const char*>(m.values.data()),
                         m.values.size() * sizeof(float));
  if (absl::Status s = (*writer)->Write(data); !s.ok()) return s;
  return (*writer)->Commit();
}

absl::Status WriteVocabTxt(const std::string& path, const EmbeddingMatrix& m) {
  std::string text;
  for (size_t k = 0; k < m.words.size(); ++k) {
    if (m.words[k].empty() || m.words[k].find('\n') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": row ", k, ": word '", m.words[k], "' is empty or contains '\\n'"));
    }
    absl::StrAppend(&text, m.words[k], "\n");
  }
  return WriteFileAtomically(path, text);
}

absl::StatusOr<NpyLayout> ParseNpyHeader(const std::string& path, absl::string_view head,
                                         uint64_t file_size) {
  if (head.size() < 10 || head.substr(0, kNpyMagicBytes) != absl::string_view(kNpyMagic, 6)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": bad magic at byte 0 (not a NumPy .npy file)"));
  }
  const int major = static_cast<unsigned char>(head[6]);
  size_t dict_start, dict_bytes;
  if (major == 1) {
    uint16_t n;
    std::memcpy(&n, head.data() + 8, 2);
    dict_start = 10, dict_bytes = n;
  } else if (major == 2 && head.size() >= 12) {
    uint32_t n;
    std::memcpy(&n, head.data() + 8, 4);
    dict_start = 12, dict_bytes = n;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(path, ": .npy format version ", major, ".",
                                                   static_cast<int>(head[7]),
                                                   " at byte 6 is not supported (1.0 or 2.0)"));
  }
  if (dict_bytes > head.size() - dict_start) {
    return absl::DataLossError(absl::StrCat(path, ": header length ", dict_bytes,
                                            " at byte 8 exceeds the file (", file_size,
                                            " bytes; truncated?)"));
  }
  const absl::string_view dict = head.substr(dict_start, dict_bytes);
  const absl::string_view descr = DictValue(dict, "descr");
  if (descr != "'<f4'") {
    return absl::InvalidArgumentError(absl::StrCat(path, ": header field descr is ",
                                                   descr.empty() ? "missing" : descr,
                                                   "; expected '<f4' (little-endian float32)"));
  }
  if (DictValue(dict, "fortran_order") != "False") {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": header field fortran_order is not False (C order expected)"));
  }
  const absl::string_view shape = DictValue(dict, "shape");
  std::vector<absl::string_view> dims;
  if (shape.size() >= 2 && shape.front() == '(' && shape.back() == ')') {
    dims = absl::StrSplit(shape.substr(1, shape.size() - 2), ',', absl::SkipWhitespace());
  }
  NpyLayout layout;
  if (dims.size() != 2 || !ParseDim(dims[0], &layout.rows) || !ParseDim(dims[1], &layout.cols)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": header field shape is ",
                                                   shape.empty() ? "missing" : shape,
                                                   "; expected (rows, dim)"));
  }
  layout.data_offset = dict_start + dict_bytes;
  const uint64_t available = file_size - layout.data_offset;
  // Overflow-safe: rows * cols * 4 must equal the bytes present.
  if (layout.cols == 0 ||
      static_cast<uint64_t>(layout.rows) > available / 4 / static_cast<uint64_t>(layout.cols) ||
      static_cast<uint64_t>(layout.rows * layout.cols * 4) != available) {
    return absl::DataLossError(absl::StrCat(path, ": header field shape ", shape, " needs ",
                                            layout.rows, " x ", layout.cols,
                                            " x 4 data bytes but the file has ", available,
                                            " after the header at byte ", layout.data_offset));
  }
  return layout;
}

absl::StatusOr<NpyMatrix> ReadNpy(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (!contents.ok()) return contents.status();
  const absl::string_view data = *contents;
  absl::StatusOr<NpyLayout> layout = ParseNpyHeader(path, data, data.size());
  if (!layout.ok()) return layout.status();
  NpyMatrix m;
  m.rows = layout->rows;
  m.cols = layout->cols;
  m.values.resize(static_cast<size_t>(m.rows * m.cols));
  std::memcpy(m.values.data(), data.data() + layout->data_offset, m.values.size() * sizeof(float));
  return m;
}

absl::StatusOr<std::vector<std::string>> ReadVocabTxt(const std::string& path,
                                                      int64_t expected_rows,
                                                      const std::string& matrix) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  std::vector<std::string> words;
  absl::string_view rest = *text;
  if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
  if (!rest.empty()) words = absl::StrSplit(rest, '\n');
  if (static_cast<int64_t>(words.size()) != expected_rows) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", words.size(), " words but ", matrix,
                                                   " (", expected_rows, " rows)"));
  }
  std::unordered_set<std::string_view> seen;
  for (size_t k = 0; k < words.size(); ++k) {
    if (words[k].empty() || !seen.insert(words[k]).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", k + 1, ": word '", words[k], "' is empty or repeated"));
    }
  }
  return words;
}

absl::StatusOr<EmbeddingMatrix> ReadNpyEmbeddings(const std::string& npy_path,
                                                  const std::string& vocab_path) {
  absl::StatusOr<NpyMatrix> npy = ReadNpy(npy_path);
  if (!npy.ok()) return npy.status();
  absl::StatusOr<std::vector<std::string>> words =
      ReadVocabTxt(vocab_path, npy->rows,
                   absl::StrCat(npy_path, " has shape (", npy->rows, ", ", npy->cols, ")"));
  if (!words.ok()) return words.status();
  EmbeddingMatrix m;
  m.dim = static_cast<int>(npy->cols);
  m.words = *std::move(words);
  m.values = std::move(npy->values);
  return m;
}

}  // namespace wordmill
