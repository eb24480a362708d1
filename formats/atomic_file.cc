#include "formats/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"

namespace wordmill {
namespace {

// Appends are gathered into blocks this large so that a stream of small records costs one
// system call per MiB rather than one per record.
constexpr size_t kBufferBytes = 1 << 20;

// Maps errno to the absl code a caller can act on: a full disk is a resource problem the user
// fixes by freeing space, a missing directory or a permission problem is a configuration error.
absl::Status ErrnoStatus(int err, const std::string& what, const std::string& path) {
  std::string message = absl::StrCat(path, ": ", what, ": ", std::strerror(err));
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return absl::ResourceExhaustedError(message);
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// write(2) may write fewer bytes than asked (signals, pipes, quotas); loop until all are out.
absl::Status WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write failed", path);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status PwriteAll(int fd, const char* data, size_t size, int64_t offset,
                       const std::string& path) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, absl::StrCat("write at byte offset ", offset, " failed"), path);
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return absl::OkStatus();
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The rename is only durable once the directory entry itself reaches the disk.
absl::Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open directory to sync", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some file systems cannot fsync directories; the rename has happened either way.
  if (rc != 0 && err != EINVAL && err != ENOTSUP) {
    return ErrnoStatus(err, "fsync of directory failed", dir);
  }
  return absl::OkStatus();
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path, std::string temp_path, int fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}

std::string AtomicTempPath(const std::string& path) {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::strcpy(host, "host");
  // Only the first label, and nothing that could split a path.
  std::string name(host, ::strnlen(host, sizeof(host)));
  name = name.substr(0, name.find('.'));
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return absl::StrCat(path, ".tmp.", name, ".", ::getpid());
}

absl::StatusOr<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Open(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty output path");
  std::string temp_path = AtomicTempPath(path);
  // 0666 so that the user's umask decides, as for any other file the user creates.
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return ErrnoStatus(errno, "cannot create temporary file", temp_path);
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(path, std::move(temp_path), fd));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

absl::Status AtomicFileWriter::Write(absl::string_view data) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": write after commit"));
  size_ += static_cast<int64_t>(data.size());
  if (buffer_.size() + data.size() <= kBufferBytes) {
    buffer_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  if (absl::Status status = Flush(); !status.ok()) return status;
  // Large pieces skip the copy into the buffer.
  if (data.size() >= kBufferBytes) return WriteAll(fd_, data.data(), data.size(), temp_path_);
  buffer_.assign(data.data(), data.size());
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::WriteAt(int64_t offset, absl::string_view data) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": write after commit"));
  if (offset < 0 || offset + static_cast<int64_t>(data.size()) > size_) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": rewrite of bytes [", offset, ", ",
                                                   offset + static_cast<int64_t>(data.size()),
                                                   ") beyond the ", size_, " bytes written"));
  }
  if (absl::Status status = Flush(); !status.ok()) return status;
  return PwriteAll(fd_, data.data(), data.size(), offset, temp_path_);
}

absl::Status AtomicFileWriter::Flush() {
  if (buffer_.empty()) return absl::OkStatus();
  absl::Status status = WriteAll(fd_, buffer_.data(), buffer_.size(), temp_path_);
  buffer_.clear();
  return status;
}

absl::Status AtomicFileWriter::Commit() {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": already committed"));
  if (absl::Status status = Flush(); !status.ok()) return status;
  if (::fsync(fd_) != 0) return ErrnoStatus(errno, "fsync failed", temp_path_);
  int rc = ::close(fd_);
  fd_ = -1;
  // close() can report a delayed write error (e.g. on NFS); the data is then not safe.
  if (rc != 0) return ErrnoStatus(errno, "close failed", temp_path_);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot rename ", temp_path_, " to it"), path_);
  }
  committed_ = true;
  return SyncDirectory(DirectoryOf(path_));
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Open(path);
  if (!writer.ok()) return writer.status();
  if (absl::Status status = (*writer)->Write(contents); !status.ok()) return status;
  return (*writer)->Commit();
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  std::string contents;
  struct stat info;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
    contents.reserve(static_cast<size_t>(info.st_size));
  }
  char chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "read failed", path);
    }
    contents.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return contents;
}

TempDirGuard::~TempDirGuard() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace wordmill
