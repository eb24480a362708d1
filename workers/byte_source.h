// The bottom layer of the input stack: where the bytes of one work unit come from.
//
// A ByteSource fills caller-owned memory (the line reader's buffer), so bytes are copied once
// from the kernel or the decompressor and never again. Two variants: a range of a plain file
// read with pread, and a whole zstd file streamed through ZSTD_decompressStream.
#ifndef WORDMILL_WORKERS_BYTE_SOURCE_H_
#define WORDMILL_WORKERS_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wordmill {

// Owns a file descriptor; closes it on destruction.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();

  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// Opens `path` read-only; the error names the path and the reason.
absl::StatusOr<ScopedFd> OpenForReading(const std::string& path);

// Reads up to `size` bytes at `offset`, retrying short reads and EINTR; returns fewer bytes
// only at the end of the file. Errors name `path`.
absl::StatusOr<size_t> PreadFully(int fd, const std::string& path, int64_t offset, char* dest,
                                  size_t size);

// True if `head` starts with a zstd frame or skippable-frame magic number.
bool HasZstdMagic(const char* head, size_t size);

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Writes up to `capacity` (> 0) bytes of content to `dest`; returns how many, 0 only at the
  // end of the content. Errors name the file.
  virtual absl::StatusOr<size_t> Read(char* dest, size_t capacity) = 0;
  // Stored bytes that account for the content bytes [content_begin, content_end) consumed so
  // far: the bytes themselves for a plain file; the compressed bytes read so far for zstd
  // (exact, the compressed file size, once the content has been read to its end).
  virtual int64_t StoredBytes(int64_t content_begin, int64_t content_end) const = 0;
};

// The sources read `fd` but do not own it: it must outlive them.

// Content of a plain file from `begin` on. Reads stop at `soft_end` as long as they can (so a
// unit's reads do not spill into its neighbour's bytes) and continue past it in small reads,
// only for as long as the caller asks, to finish the unit's last line.
std::unique_ptr<ByteSource> NewFileRangeSource(int fd, std::string path, int64_t begin,
                                               int64_t soft_end);

// The decompressed content of a zstd file (any number of frames). Corrupt data and a stream
// that ends inside a frame are InvalidArgument errors naming the file and the compressed offset.
std::unique_ptr<ByteSource> NewZstdFileSource(int fd, std::string path);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_BYTE_SOURCE_H_
