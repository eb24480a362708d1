#include "formats/file_util.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "formats/atomic_file.h"

namespace wordmill {

namespace fs = std::filesystem;

absl::Status CopyFileAtomically(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(from, ": cannot open"));
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> out = AtomicFileWriter::Open(to);
  if (!out.ok()) return out.status();
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() <= 0) break;
    if (absl::Status s = (*out)->Write(absl::string_view(buffer.data(), in.gcount())); !s.ok()) {
      return s;
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(from, ": read error"));
  return (*out)->Commit();
}

absl::Status CleanDirectory(const std::string& dir, const std::vector<std::string>& keep) {
  std::error_code error;
  std::set<std::string> kept;
  for (const std::string& k : keep) kept.insert(fs::path(dir + "/" + k).lexically_normal());
  std::vector<fs::path> entries;
  for (auto it = fs::recursive_directory_iterator(dir, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    entries.push_back(it->path());
  }
  // Deepest first, so directories are empty (unless they hold a kept file) when reached.
  std::sort(entries.rbegin(), entries.rend());
  for (const fs::path& p : entries) {
    if (kept.count(p.lexically_normal().string())) continue;
    if (fs::is_directory(fs::symlink_status(p, error))) {
      if (fs::is_empty(p, error)) fs::remove(p, error);
    } else {
      fs::remove(p, error);
    }
    if (error) {
      return absl::PermissionDeniedError(
          absl::StrCat(p.string(), ": cannot remove: ", error.message()));
    }
  }
  fs::create_directories(dir, error);
  if (error || !fs::is_directory(dir)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": cannot create the directory: ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace wordmill
