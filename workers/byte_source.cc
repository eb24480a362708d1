#include "workers/byte_source.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace wordmill {
namespace {

// Past its soft end a range source only has to finish one line, usually short: reading a
// whole buffer's worth there would double the I/O of small units.
constexpr size_t kTailReadBytes = size_t{64} << 10;
// Compressed input per read: large enough that syscalls are noise next to decompression.
constexpr size_t kZstdInputBytes = size_t{256} << 10;

class FileRangeSource final : public ByteSource {
 public:
  FileRangeSource(int fd, std::string path, int64_t begin, int64_t soft_end)
      : fd_(fd), path_(std::move(path)), offset_(begin), soft_end_(soft_end) {}

  absl::StatusOr<size_t> Read(char* dest, size_t capacity) override {
    size_t want = capacity;
    if (offset_ < soft_end_) {
      want = static_cast<size_t>(std::min<int64_t>(capacity, soft_end_ - offset_));
    } else {
      want = std::min(capacity, kTailReadBytes);
    }
    absl::StatusOr<size_t> n = PreadFully(fd_, path_, offset_, dest, want);
    if (n.ok()) offset_ += static_cast<int64_t>(*n);
    return n;
  }

  int64_t StoredBytes(int64_t content_begin, int64_t content_end) const override {
    return content_end - content_begin;
  }

 private:
  const int fd_;
  const std::string path_;
  int64_t offset_;
  const int64_t soft_end_;
};

class ZstdFileSource final : public ByteSource {
 public:
  ZstdFileSource(int fd, std::string path)
      : fd_(fd), path_(std::move(path)), dctx_(ZSTD_createDCtx()), input_(kZstdInputBytes) {}
  ~ZstdFileSource() override { ZSTD_freeDCtx(dctx_); }

  absl::StatusOr<size_t> Read(char* dest, size_t capacity) override;

  int64_t StoredBytes(int64_t, int64_t) const override { return compressed_read_; }

 private:
  absl::Status FillInput();

  const int fd_;
  const std::string path_;
  ZSTD_DCtx* const dctx_;
  std::vector<char> input_;
  ZSTD_inBuffer in_ = {nullptr, 0, 0};
  int64_t in_file_offset_ = 0;  // file offset of input_[0]
  int64_t compressed_read_ = 0;
  int64_t decompressed_ = 0;
  bool input_eof_ = false;
  // ZSTD_decompressStream's last return value: 0 when a frame has just been completed and
  // flushed (or before the first frame), otherwise a frame is still open.
  size_t frame_hint_ = 0;
};

absl::Status ZstdFileSource::FillInput() {
  absl::StatusOr<size_t> n = PreadFully(fd_, path_, compressed_read_, input_.data(), input_.size());
  if (!n.ok()) return n.status();
  in_file_offset_ = compressed_read_;
  compressed_read_ += static_cast<int64_t>(*n);
  in_ = {input_.data(), *n, 0};
  if (*n == 0) input_eof_ = true;
  return absl::OkStatus();
}

absl::StatusOr<size_t> ZstdFileSource::Read(char* dest, size_t capacity) {
  if (dctx_ == nullptr) return absl::ResourceExhaustedError(path_ + ": ZSTD_createDCtx failed");
  ZSTD_outBuffer out = {dest, capacity, 0};
  while (out.pos == 0) {
    if (in_.pos == in_.size && !input_eof_) {
      if (absl::Status s = FillInput(); !s.ok()) return s;
    }
    const bool no_more_input = in_.pos == in_.size && input_eof_;
    if (no_more_input && frame_hint_ == 0) break;  // the content ended at a frame boundary
    // Called with empty input too: the decoder may still hold decoded bytes to flush.
    const size_t ret = ZSTD_decompressStream(dctx_, &out, &in_);
    if (ZSTD_isError(ret)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path_, ": corrupt zstd data at compressed byte offset ",
          in_file_offset_ + static_cast<int64_t>(in_.pos), ": ", ZSTD_getErrorName(ret), " (after ",
          decompressed_ + static_cast<int64_t>(out.pos), " decompressed bytes)"));
    }
    frame_hint_ = ret;
    if (out.pos == 0 && no_more_input) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": truncated zstd stream (",
                                                     compressed_read_,
                                                     " compressed bytes, ended inside a frame)"));
    }
  }
  decompressed_ += static_cast<int64_t>(out.pos);
  return out.pos;
}

}  // namespace

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<ScopedFd> OpenForReading(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  return ScopedFd(fd);
}

absl::StatusOr<size_t> PreadFully(int fd, const std::string& path, int64_t offset, char* dest,
                                  size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd, dest + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno,
                                 absl::StrCat(path, ": read error at byte offset ", offset + done));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

bool HasZstdMagic(const char* head, size_t size) {
  if (size < 4) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(head);
  if (b[0] == 0x28 && b[1] == 0xB5 && b[2] == 0x2F && b[3] == 0xFD) return true;
  // Skippable frames: magic 0x184D2A50..0x184D2A5F, little-endian.
  return (b[0] & 0xF0) == 0x50 && b[1] == 0x2A && b[2] == 0x4D && b[3] == 0x18;
}

std::unique_ptr<ByteSource> NewFileRangeSource(int fd, std::string path, int64_t begin,
                                               int64_t soft_end) {
  return std::make_unique<FileRangeSource>(fd, std::move(path), begin, soft_end);
}

std::unique_ptr<ByteSource> NewZstdFileSource(int fd, std::string path) {
  return std::make_unique<ZstdFileSource>(fd, std::move(path));
}

}  // namespace wordmill
