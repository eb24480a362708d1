#include "formats/vectors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "formats/mapped_file.h"
#include "formats/npy_file.h"
#include "formats/wmv_file.h"

namespace wordmill {
namespace {

// Enough of a file to see its format: a word2vec header and first row, or a GloVe first line
// (100000 values of ~10 characters each).
constexpr size_t kSniffBytes = 1 << 20;
// The largest dimension any reader accepts (as the word2vec, GloVe and .wmv readers).
constexpr int64_t kMaxDim = 100000;

constexpr char kTriedFormats[] =
    "tried .wmv (magic 89 57 4D 56 0D 0A 1A 0A), .npy (magic 93 'NUMPY'), word2vec binary, "
    "word2vec text and fastText .vec (a `rows dim` first line), GloVe text (a word and numbers "
    "on the first line)";

absl::StatusOr<std::string> ReadHead(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    std::string message = absl::StrCat(path, ": cannot open: ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::PermissionDeniedError(message);
  }
  std::string head(kSniffBytes, '\0');
  head.resize(std::fread(head.data(), 1, head.size(), f));
  std::fclose(f);
  return head;
}

std::string FirstBytesInHex(absl::string_view head) {
  std::string out;
  for (size_t i = 0; i < std::min<size_t>(head.size(), 8); ++i) {
    absl::StrAppendFormat(&out, "%s%02X", i ? " " : "", static_cast<unsigned char>(head[i]));
  }
  return out;
}

// Whether the first row after a word2vec text header ends in a space (fastText's saveVectors).
bool EndsRowsWithSpace(absl::string_view head) {
  const size_t first = head.find('\n');
  if (first == absl::string_view::npos) return false;
  const size_t second = head.find('\n', first + 1);
  if (second == absl::string_view::npos || second == first + 1) return false;
  absl::string_view row = head.substr(first + 1, second - first - 1);
  if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
  return !row.empty() && row.back() == ' ';
}

absl::StatusOr<VectorsFormat> Detect(const std::string& path, absl::string_view head) {
  if (HasWmvMagic(head)) return VectorsFormat::kWmv;
  if (absl::StartsWith(head, "\x93NUMPY")) return VectorsFormat::kNpy;
  switch (SniffEmbeddingFormat(head)) {
    case EmbeddingFormat::kWord2vecBinary:
      return VectorsFormat::kWord2vecBinary;
    case EmbeddingFormat::kWord2vecText:
      return EndsRowsWithSpace(head) ? VectorsFormat::kFasttextVec : VectorsFormat::kWord2vecText;
    case EmbeddingFormat::kGloveText:
      return VectorsFormat::kGloveText;
    default:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": unknown vectors format (",
      head.empty() ? "empty file" : absl::StrCat("first bytes ", FirstBytesInHex(head)), "); ",
      kTriedFormats));
}

// The words file of a .npy: the option, else <stem>.vocab.txt, else vocab.txt beside it.
absl::StatusOr<std::string> NpyVocabPath(const std::string& path, const VectorsOptions& options) {
  if (!options.npy_vocab.empty()) return options.npy_vocab;
  const std::string stem = absl::EndsWith(path, ".npy") ? path.substr(0, path.size() - 4) : path;
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string candidates[] = {stem + ".vocab.txt", dir + "vocab.txt"};
  for (const std::string& candidate : candidates) {
    if (std::FILE* f = std::fopen(candidate.c_str(), "rb")) {
      std::fclose(f);
      return candidate;
    }
  }
  return absl::NotFoundError(absl::StrCat(path, ": a .npy file needs its words: neither ",
                                          candidates[0], " nor ", candidates[1],
                                          " exists (give the vocab file explicitly)"));
}

}  // namespace

absl::StatusOr<VectorsFormat> DetectVectorsFormat(const std::string& path) {
  WM_ASSIGN_OR_RETURN(const std::string head, ReadHead(path));
  return Detect(path, head);
}

const char* VectorsFormatName(VectorsFormat format) {
  switch (format) {
    case VectorsFormat::kWmv:
      return "wmv";
    case VectorsFormat::kNpy:
      return "npy";
    case VectorsFormat::kWord2vecBinary:
      return "word2vec binary";
    case VectorsFormat::kWord2vecText:
      return "word2vec text";
    case VectorsFormat::kFasttextVec:
      return "fastText vec";
    case VectorsFormat::kGloveText:
      return "GloVe text";
  }
  return "unknown";
}

// One of three storages: a .wmv reader (float32 rows in place), a mapped .npy with its words,
// or a matrix in memory (text and binary formats, float16 .wmv rows converted).
struct Vectors::Impl {
  std::string path;
  VectorsFormat format = VectorsFormat::kGloveText;
  std::unique_ptr<WmvReader> wmv;
  std::unique_ptr<MappedFile> npy;
  EmbeddingMatrix matrix;  // words for .npy; words and values for the in-memory formats
  const float* values = nullptr;
  int64_t rows = 0;
  int dim = 0;
  absl::flat_hash_map<absl::string_view, int64_t> index;  // all formats but .wmv

  absl::Status Load(const VectorsOptions& options);
  absl::Status LoadWmv(const VectorsOptions& options);
  absl::Status LoadNpy(const VectorsOptions& options);
  EmbeddingMatrix TakeMatrix();
};

absl::Status Vectors::Impl::LoadWmv(const VectorsOptions& options) {
  WM_ASSIGN_OR_RETURN(wmv, WmvReader::Open(path));
  if (options.verify_checksums) WM_RETURN_IF_ERROR(wmv->VerifyChecksums());
  rows = wmv->rows();
  dim = wmv->dim();
  if (wmv->dtype() == WMV_FLOAT32) {
    values = rows > 0 ? wmv->Row(0).data() : nullptr;
  } else {
    matrix.dim = dim;
    matrix.values.resize(static_cast<size_t>(rows) * dim);
    for (int64_t i = 0; i < rows; ++i) wmv->CopyRow(i, matrix.mutable_row(i));
    values = matrix.values.data();
  }
  return absl::OkStatus();
}

absl::Status Vectors::Impl::LoadNpy(const VectorsOptions& options) {
  WM_ASSIGN_OR_RETURN(npy, MappedFile::Open(path));
  WM_ASSIGN_OR_RETURN(const NpyLayout layout, ParseNpyHeader(path, npy->data(), npy->size()));
  if (layout.cols > kMaxDim) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": header field shape has ", layout.cols,
                                                   " columns; expected 1..", kMaxDim));
  }
  WM_ASSIGN_OR_RETURN(const std::string vocab, NpyVocabPath(path, options));
  WM_ASSIGN_OR_RETURN(matrix.words, ReadVocabTxt(vocab, layout.rows,
                                                 absl::StrCat(path, " has shape (", layout.rows,
                                                              ", ", layout.cols, ")")));
  rows = layout.rows;
  dim = static_cast<int>(layout.cols);
  matrix.dim = dim;
  const char* data = npy->data().data() + layout.data_offset;
  if (layout.data_offset % alignof(float) == 0) {  // NumPy pads the header to 16 or 64 bytes
    values = reinterpret_cast<const float*>(data);
  } else {
    matrix.values.resize(static_cast<size_t>(rows) * dim);
    std::memcpy(matrix.values.data(), data, matrix.values.size() * sizeof(float));
    values = matrix.values.data();
  }
  return absl::OkStatus();
}

absl::Status Vectors::Impl::Load(const VectorsOptions& options) {
  WM_ASSIGN_OR_RETURN(format, DetectVectorsFormat(path));
  switch (format) {
    case VectorsFormat::kWmv:
      return LoadWmv(options);
    case VectorsFormat::kNpy:
      return LoadNpy(options);
    default:
      break;
  }
  WM_ASSIGN_OR_RETURN(matrix, ReadEmbeddings(path, format == VectorsFormat::kWord2vecBinary
                                                       ? EmbeddingFormat::kWord2vecBinary
                                                   : format == VectorsFormat::kGloveText
                                                       ? EmbeddingFormat::kGloveText
                                                       : EmbeddingFormat::kWord2vecText));
  rows = matrix.rows();
  dim = matrix.dim;
  values = matrix.values.data();
  return absl::OkStatus();
}

EmbeddingMatrix Vectors::Impl::TakeMatrix() {
  if (wmv != nullptr) {
    if (wmv->dtype() == WMV_FLOAT32) return wmv->ToMatrix();
    matrix.words.reserve(rows);
    for (int64_t i = 0; i < rows; ++i) matrix.words.emplace_back(wmv->Word(i));
  } else if (npy != nullptr && matrix.values.empty()) {
    matrix.values.assign(values, values + rows * dim);
  }
  return std::move(matrix);
}

Vectors::Vectors(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vectors::~Vectors() = default;

absl::StatusOr<std::unique_ptr<Vectors>> Vectors::Open(const std::string& path,
                                                       const VectorsOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  WM_RETURN_IF_ERROR(impl->Load(options));
  if (impl->wmv == nullptr) {
    impl->index.reserve(impl->rows);
    for (int64_t i = 0; i < impl->rows; ++i) impl->index.emplace(impl->matrix.words[i], i);
  }
  return std::unique_ptr<Vectors>(new Vectors(std::move(impl)));
}

absl::StatusOr<EmbeddingMatrix> Vectors::ReadAll(const std::string& path,
                                                 const VectorsOptions& options) {
  Impl impl;
  impl.path = path;
  WM_RETURN_IF_ERROR(impl.Load(options));
  return impl.TakeMatrix();
}

const std::string& Vectors::path() const { return impl_->path; }
VectorsFormat Vectors::format() const { return impl_->format; }
int64_t Vectors::rows() const { return impl_->rows; }
int Vectors::dim() const { return impl_->dim; }

absl::string_view Vectors::Word(int64_t i) const {
  return impl_->wmv != nullptr ? impl_->wmv->Word(i) : absl::string_view(impl_->matrix.words[i]);
}

int64_t Vectors::Find(absl::string_view word) const {
  if (impl_->wmv != nullptr) return impl_->wmv->Find(word);
  auto it = impl_->index.find(word);
  return it == impl_->index.end() ? -1 : it->second;
}

absl::Span<const float> Vectors::Row(int64_t i) const {
  return absl::Span<const float>(impl_->values + i * impl_->dim, impl_->dim);
}

absl::Span<const float> Vectors::Matrix() const {
  return absl::Span<const float>(impl_->values, static_cast<size_t>(impl_->rows) * impl_->dim);
}

}  // namespace wordmill
