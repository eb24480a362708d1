#include "formats/embedding_export.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "formats/atomic_file.h"
#include "formats/npy_file.h"
#include "formats/vectors.h"
#include "formats/vocab_file.h"
#include "formats/wmv_file.h"
#include "google/protobuf/text_format.h"

namespace wordmill {
namespace {

namespace fs = std::filesystem;

constexpr char kStagingPrefix[] = ".export.tmp.";

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

absl::Status CheckSpec(const ExportSpec& spec) {
  if (spec.input().empty()) return absl::InvalidArgumentError("export: input is required");
  if (spec.output_dir().empty()) {
    return absl::InvalidArgumentError("export: output_dir is required");
  }
  if (spec.basename().empty() || spec.basename().find('/') != std::string::npos ||
      spec.basename()[0] == '.') {
    return absl::InvalidArgumentError(absl::StrCat("export: basename '", spec.basename(),
                                                   "' must be a non-empty file name without '/'"));
  }
  for (int f : spec.formats()) {
    if (f == EXPORT_FORMAT_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          "export: formats: EXPORT_FORMAT_UNSPECIFIED is not a "
          "format");
    }
  }
  std::error_code ec;
  if (fs::is_directory(spec.input(), ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec.input(), ": input is a directory, not an embedding file"));
  }
  const fs::file_status status = fs::status(spec.output_dir(), ec);
  if (fs::exists(status) && !fs::is_directory(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat(spec.output_dir(), ": output_dir exists and is not a directory"));
  }
  return absl::OkStatus();
}

// The formats to write, each once, in enum order.
std::vector<ExportFormat> SelectedFormats(const ExportSpec& spec) {
  std::vector<ExportFormat> out;
  for (int f = WORD2VEC_TEXT; f <= ExportFormat_MAX; ++f) {
    bool selected = spec.formats().empty();
    for (int g : spec.formats()) selected |= g == f;
    if (selected && ExportFormat_IsValid(f)) out.push_back(static_cast<ExportFormat>(f));
  }
  return out;
}

absl::Status WriteFormat(ExportFormat format, const std::string& dir, const std::string& basename,
                         const EmbeddingMatrix& m, const ExportSpec& spec,
                         const google::protobuf::Message& producing_spec) {
  const std::vector<std::string> names = ExportFileNames(format, basename);
  const std::string path = absl::StrCat(dir, "/", names[0]);
  switch (format) {
    case WORD2VEC_TEXT:
      return WriteWord2vecText(path, m);
    case WORD2VEC_BINARY:
      return WriteWord2vecBinary(path, m);
    case GLOVE_TEXT:
      return WriteGloveText(path, m);
    case FASTTEXT_VEC:
      return WriteFasttextVec(path, m);
    case NUMPY:
      if (absl::Status s = WriteNpy(path, m); !s.ok()) return s;
      return WriteVocabTxt(absl::StrCat(dir, "/", names[1]), m);
    case WMV: {
      WmvWriteOptions options;
      options.dtype = spec.dtype();
      options.normalized = spec.normalize();
      options.spec_type = producing_spec.GetDescriptor()->full_name();
      google::protobuf::TextFormat::PrintToString(producing_spec, &options.spec_text);
      options.source = spec.input();
      return WriteWmv(path, m, options);
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat("export: unknown format ", format));
  }
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat(dir, ": cannot open to sync"));
  ::fsync(fd);  // some file systems cannot fsync directories; the renames happened anyway
  ::close(fd);
  return absl::OkStatus();
}

// Staging directories of earlier exports into `dir` that were killed: their process is gone.
void RemoveStaleStaging(const std::string& dir) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kStagingPrefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + std::strlen(kStagingPrefix), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      fs::remove_all(entry.path(), ec);
    }
  }
}

}  // namespace

std::vector<std::string> ExportFileNames(ExportFormat format, const std::string& basename) {
  switch (format) {
    case WORD2VEC_TEXT:
      return {basename + ".txt"};
    case WORD2VEC_BINARY:
      return {basename + ".bin"};
    case GLOVE_TEXT:
      return {basename + ".glove.txt"};
    case FASTTEXT_VEC:
      return {basename + ".vec"};
    case NUMPY:
      return {basename + ".npy", basename + ".vocab.txt"};
    case WMV:
      return {basename + ".wmv"};
    default:
      return {};
  }
}

absl::StatusOr<EmbeddingMatrix> ReadAnyEmbeddings(const std::string& path) {
  VectorsOptions options;
  options.verify_checksums = true;
  return Vectors::ReadAll(path, options);
}

absl::StatusOr<std::vector<std::string>> ReadRowOrder(const std::string& path) {
  std::vector<std::string> tokens;
  if (absl::EndsWith(path, ".wmrec") || absl::EndsWith(path, ".tsv")) {
    absl::StatusOr<Vocabulary> vocab =
        absl::EndsWith(path, ".wmrec") ? ReadVocabRecords(path) : ReadVocabTsv(path);
    if (!vocab.ok()) return vocab.status();
    for (VocabWord& w : *vocab) tokens.push_back(std::move(w.word));
    return tokens;
  }
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  absl::string_view rest = *text;
  if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
  if (rest.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": row_order is empty"));
  std::unordered_map<std::string_view, int64_t> line_of;
  for (absl::string_view line : absl::StrSplit(rest, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const int64_t line_no = static_cast<int64_t>(tokens.size()) + 1;
    if (line.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": empty token"));
    }
    auto [it, inserted] = line_of.emplace(std::string_view(line.data(), line.size()), line_no);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": token '", line, "' repeats line ", it->second));
    }
    tokens.emplace_back(line);
  }
  return tokens;
}

EmbeddingMatrix ReorderRows(const EmbeddingMatrix& m, const std::vector<std::string>& tokens,
                            UnknownRowInit rule, uint64_t seed, int64_t* unknown,
                            int64_t* dropped) {
  std::unordered_map<std::string_view, int64_t> row_of;
  row_of.reserve(m.words.size());
  for (int64_t k = 0; k < m.rows(); ++k) row_of.emplace(m.words[k], k);
  std::vector<float> mean(m.dim, 0.0f);
  if (rule == UNKNOWN_ROWS_MEAN && m.rows() > 0) {
    std::vector<double> sum(m.dim, 0.0);
    for (int64_t k = 0; k < m.rows(); ++k) {
      for (int j = 0; j < m.dim; ++j) sum[j] += m.row(k)[j];
    }
    for (int j = 0; j < m.dim; ++j) mean[j] = static_cast<float>(sum[j] / m.rows());
  }
  EmbeddingMatrix out;
  out.dim = m.dim;
  out.words = tokens;
  out.values.assign(tokens.size() * static_cast<size_t>(m.dim), 0.0f);
  *unknown = 0;
  int64_t kept = 0;
  for (int64_t id = 0; id < out.rows(); ++id) {
    float* row = out.mutable_row(id);
    auto it = row_of.find(tokens[id]);
    if (it != row_of.end()) {
      std::memcpy(row, m.row(it->second), m.dim * sizeof(float));
      ++kept;
      continue;
    }
    ++*unknown;
    if (rule == UNKNOWN_ROWS_MEAN) {
      std::memcpy(row, mean.data(), m.dim * sizeof(float));
    } else if (rule == UNKNOWN_ROWS_RANDOM) {
      // word2vec's initialization: uniform in [-0.5/dim, 0.5/dim), 24 random bits per value.
      uint64_t state = seed + static_cast<uint64_t>(id) * 0xD1B54A32D192ED03ull;
      for (int j = 0; j < m.dim; ++j) {
        const float u = static_cast<float>(SplitMix64(&state) >> 40) / 16777216.0f;
        row[j] = (u - 0.5f) / static_cast<float>(m.dim);
      }
    }
  }
  *dropped = m.rows() - kept;
  return out;
}

void NormalizeRows(EmbeddingMatrix* m) {
  for (int64_t k = 0; k < m->rows(); ++k) {
    float* row = m->mutable_row(k);
    double sum = 0;
    for (int j = 0; j < m->dim; ++j) sum += static_cast<double>(row[j]) * row[j];
    if (sum == 0) continue;
    const double scale = 1.0 / std::sqrt(sum);
    for (int j = 0; j < m->dim; ++j) row[j] = static_cast<float>(row[j] * scale);
  }
}

absl::StatusOr<ExportResult> ExportEmbeddings(const ExportSpec& spec,
                                              const google::protobuf::Message* producing_spec) {
  if (absl::Status s = CheckSpec(spec); !s.ok()) return s;
  absl::StatusOr<EmbeddingMatrix> m = ReadAnyEmbeddings(spec.input());
  if (!m.ok()) return m.status();
  ExportResult result;
  if (!spec.row_order().empty()) {
    absl::StatusOr<std::vector<std::string>> tokens = ReadRowOrder(spec.row_order());
    if (!tokens.ok()) return tokens.status();
    *m = ReorderRows(*m, *tokens, spec.unknown_rows(), spec.seed(), &result.unknown_rows,
                     &result.dropped_rows);
  }
  if (spec.normalize()) NormalizeRows(&*m);
  result.rows = m->rows();
  result.dim = m->dim;

  const std::string& dir = spec.output_dir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": cannot create output_dir: ", ec.message()));
  }
  RemoveStaleStaging(dir);
  // Everything is written here first; a failure removes it and leaves output_dir untouched.
  const std::string staging = absl::StrCat(dir, "/", kStagingPrefix, ::getpid());
  fs::create_directory(staging, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat(staging, ": cannot create staging directory: ", ec.message()));
  }
  TempDirGuard remove_staging(staging);
  std::vector<std::string> names;
  for (ExportFormat format : SelectedFormats(spec)) {
    if (absl::Status s = WriteFormat(format, staging, spec.basename(), *m, spec,
                                     producing_spec != nullptr ? *producing_spec : spec);
        !s.ok()) {
      return s;
    }
    for (std::string& name : ExportFileNames(format, spec.basename())) names.push_back(name);
  }
  for (const std::string& name : names) {
    const std::string target = absl::StrCat(dir, "/", name);
    fs::rename(absl::StrCat(staging, "/", name), target, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat(target, ": cannot move into place: ", ec.message()));
    }
    result.files.push_back(target);
  }
  if (absl::Status s = SyncDirectory(dir); !s.ok()) return s;
  return result;
}

}  // namespace wordmill
