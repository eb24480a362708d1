#include "workers/input_files.h"

#include <errno.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "workers/byte_source.h"

namespace wordmill {
namespace {

namespace fs = std::filesystem;

constexpr size_t kSniffBytes = 4096;
constexpr int kBrownMinItems = 20;
constexpr double kBrownMinTaggedFraction = 0.9;

bool IsHidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

// Appends the regular files under `dir`, skipping hidden files and directories.
absl::Status WalkDirectory(const std::string& dir, std::vector<std::string>* files) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec)
    return absl::NotFoundError(absl::StrCat("cannot list directory ", dir, ": ", ec.message()));
  const size_t before = files->size();
  for (; it != end; it.increment(ec)) {
    if (ec)
      return absl::NotFoundError(absl::StrCat("cannot list directory ", dir, ": ", ec.message()));
    if (IsHidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) files->push_back(it->path().string());
  }
  if (files->size() == before)
    return absl::NotFoundError(absl::StrCat(dir, ": no files in directory"));
  return absl::OkStatus();
}

// Appends what one input path names: a file, the files under a directory, or the matches of
// a glob pattern (itself files or directories).
absl::Status ExpandPath(const std::string& input, std::vector<std::string>* files) {
  struct stat st;
  if (stat(input.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return WalkDirectory(input, files);
    files->push_back(input);
    return absl::OkStatus();
  }
  if (errno != ENOENT && errno != ENOTDIR) return absl::ErrnoToStatus(errno, input);
  glob_t matches;
  const int rc = glob(input.c_str(), 0, nullptr, &matches);
  std::unique_ptr<glob_t, void (*)(glob_t*)> free_matches(&matches, globfree);
  if (rc == GLOB_NOMATCH) {
    return absl::NotFoundError(
        absl::StrCat(input, ": no such file, or no file matches the pattern"));
  }
  if (rc != 0) return absl::InvalidArgumentError(absl::StrCat(input, ": cannot expand pattern"));
  for (size_t i = 0; i < matches.gl_pathc; ++i) {
    const std::string match = matches.gl_pathv[i];
    if (stat(match.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      if (absl::Status s = WalkDirectory(match, files); !s.ok()) return s;
    } else {
      files->push_back(match);
    }
  }
  return absl::OkStatus();
}

bool HasZstdSuffix(absl::string_view path) {
  return absl::EndsWithIgnoreCase(path, ".zst") || absl::EndsWithIgnoreCase(path, ".zstd");
}

// Opens the file, checks it is readable, and fills size, compression and format.
absl::Status ResolveFile(const InputSpec& spec, InputFile* file) {
  absl::StatusOr<ScopedFd> fd = OpenForReading(file->path);
  if (!fd.ok()) return fd.status();
  struct stat st;
  if (fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(file->path, ": not a regular file"));
  }
  file->size = st.st_size;
  file->compression = spec.compression();
  file->format = spec.format();
  if (file->compression != COMPRESSION_AUTO && file->format != FORMAT_AUTO) {
    return absl::OkStatus();
  }
  std::string head(kSniffBytes, '\0');
  absl::StatusOr<size_t> n = PreadFully(fd->get(), file->path, 0, head.data(), head.size());
  if (!n.ok()) return n.status();
  head.resize(*n);
  if (file->compression == COMPRESSION_AUTO) {
    const bool zstd = HasZstdMagic(head.data(), head.size()) || HasZstdSuffix(file->path);
    file->compression = zstd ? COMPRESSION_ZSTD : COMPRESSION_NONE;
  }
  if (file->format != FORMAT_AUTO) return absl::OkStatus();
  if (file->compression == COMPRESSION_ZSTD) {
    std::unique_ptr<ByteSource> source = NewZstdFileSource(fd->get(), file->path);
    head.assign(kSniffBytes, '\0');
    size_t filled = 0;
    while (filled < head.size()) {
      absl::StatusOr<size_t> got = source->Read(head.data() + filled, head.size() - filled);
      if (!got.ok()) return got.status();
      if (*got == 0) break;
      filled += *got;
    }
    head.resize(filled);
  }
  file->format = DetectFormat(file->path, head);
  return absl::OkStatus();
}

// `word/TAG` with a non-empty word and a Brown-style tag.
bool IsTaggedItem(absl::string_view item) {
  const size_t slash = item.rfind('/');
  if (slash == absl::string_view::npos || slash == 0 || slash + 1 == item.size()) return false;
  for (char c : item.substr(slash + 1)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        !absl::StrContains("$*+-'`.,:()&", c)) {
      return false;
    }
  }
  return true;
}

bool LooksLikeBrown(absl::string_view head) {
  int items = 0;
  int tagged = 0;
  size_t pos = 0;
  while (pos < head.size()) {
    while (pos < head.size() && absl::ascii_isspace(static_cast<unsigned char>(head[pos]))) ++pos;
    const size_t start = pos;
    while (pos < head.size() && !absl::ascii_isspace(static_cast<unsigned char>(head[pos]))) ++pos;
    if (start == pos) break;
    ++items;
    if (IsTaggedItem(head.substr(start, pos - start))) ++tagged;
  }
  return items >= kBrownMinItems && tagged >= kBrownMinTaggedFraction * items;
}

absl::string_view FirstNonBlankLine(absl::string_view head) {
  while (!head.empty()) {
    const size_t newline = head.find('\n');
    absl::string_view line = head.substr(0, newline);
    if (!absl::StripAsciiWhitespace(line).empty()) return line;
    if (newline == absl::string_view::npos) break;
    head.remove_prefix(newline + 1);
  }
  return absl::string_view();
}

}  // namespace

InputFormat DetectFormat(const std::string& path, const std::string& head) {
  absl::string_view name = path;
  for (absl::string_view suffix : {".zst", ".zstd"}) {
    if (absl::EndsWithIgnoreCase(name, suffix)) name.remove_suffix(suffix.size());
  }
  if (absl::EndsWithIgnoreCase(name, ".jsonl") || absl::EndsWithIgnoreCase(name, ".ndjson")) {
    return FORMAT_JSONL;
  }
  absl::string_view content = head;
  if (absl::StartsWith(content, "\xEF\xBB\xBF")) content.remove_prefix(3);  // UTF-8 BOM
  if (absl::StartsWith(FirstNonBlankLine(content), "<doc ")) return FORMAT_WIKIEXTRACTOR;
  if (LooksLikeBrown(content)) return FORMAT_BROWN;
  return FORMAT_PLAIN;
}

absl::StatusOr<std::vector<std::string>> ListInputs(const InputSpec& spec) {
  if (spec.input_size() == 0) return absl::InvalidArgumentError("no input paths given");
  std::vector<std::string> paths;
  for (const std::string& input : spec.input()) {
    if (absl::Status s = ExpandPath(input, &paths); !s.ok()) return s;
  }
  // "a/./b" and "a/b" name the same file; compare and report them in one spelling.
  for (std::string& path : paths) path = fs::path(path).lexically_normal().string();
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

absl::Status ResolveInputFile(const InputSpec& spec, InputFile* file) {
  return ResolveFile(spec, file);
}

absl::StatusOr<std::vector<InputFile>> ExpandInputs(const InputSpec& spec) {
  absl::StatusOr<std::vector<std::string>> paths = ListInputs(spec);
  if (!paths.ok()) return paths.status();
  std::vector<InputFile> files(paths->size());
  for (size_t i = 0; i < paths->size(); ++i) {
    files[i].path = std::move((*paths)[i]);
    if (absl::Status s = ResolveFile(spec, &files[i]); !s.ok()) return s;
  }
  return files;
}

}  // namespace wordmill
