// Files that appear complete or not at all: data goes to `<path>.tmp.<host>.<pid>` (the host
// too: ranks on different machines may write next to each other on a shared file system, and
// their pids can coincide) and is renamed over
// `path` only by Commit(), after an fsync. A writer destroyed without Commit() (an error, an
// exception, a killed process leaves only the `.tmp.` file) never replaces `path`.
#ifndef WORDMILL_FORMATS_ATOMIC_FILE_H_
#define WORDMILL_FORMATS_ATOMIC_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wordmill {

// The temporary name this process writes `path` under before Commit().
std::string AtomicTempPath(const std::string& path);

class AtomicFileWriter {
 public:
  // Creates the temporary file next to `path` (same directory, so rename is atomic).
  static absl::StatusOr<std::unique_ptr<AtomicFileWriter>> Open(const std::string& path);
  ~AtomicFileWriter();  // Removes the temporary file unless committed.

  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Appends (buffered). Errors (e.g. ENOSPC) name the file.
  absl::Status Write(absl::string_view data);
  // Overwrites bytes at `offset` (which must already have been written); flushes first.
  absl::Status WriteAt(int64_t offset, absl::string_view data);
  // Bytes written so far.
  int64_t size() const { return size_; }
  // Flushes, fsyncs, renames over the final path and fsyncs the directory.
  absl::Status Commit();

  const std::string& path() const { return path_; }

 private:
  AtomicFileWriter(std::string path, std::string temp_path, int fd);
  absl::Status Flush();

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  int64_t size_ = 0;
  std::string buffer_;
  bool committed_ = false;
};

// Removes a directory tree (e.g. a stage's spill or shuffle files) when it goes out of scope,
// however the scope is left.
class TempDirGuard {
 public:
  explicit TempDirGuard(std::string dir) : dir_(std::move(dir)) {}
  ~TempDirGuard();
  TempDirGuard(const TempDirGuard&) = delete;
  TempDirGuard& operator=(const TempDirGuard&) = delete;

 private:
  std::string dir_;
};

// Writes `contents` to `path` atomically.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);
// Reads a whole (small) file; NotFound/PermissionDenied name the file.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_ATOMIC_FILE_H_
