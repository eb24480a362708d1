#include "workers/line_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace wordmill {
namespace {

// max_line_bytes is an int64 in the spec; anything at or beyond the address space means "no
// limit" in practice, and + 1 must not overflow.
size_t ClampMaxLine(int64_t max_line_bytes) {
  if (max_line_bytes < 0) return 0;
  const uint64_t limit = std::numeric_limits<size_t>::max() / 2;
  return static_cast<size_t>(std::min<uint64_t>(static_cast<uint64_t>(max_line_bytes), limit));
}

}  // namespace

LineReader::LineReader(std::unique_ptr<ByteSource> source, int64_t start_offset,
                       int64_t max_line_bytes)
    : source_(std::move(source)),
      max_line_bytes_(ClampMaxLine(max_line_bytes)),
      buffer_(new char[kBufferBytes]),
      capacity_(kBufferBytes),
      base_offset_(start_offset) {}

absl::StatusOr<bool> LineReader::Next(Line* line) {
  while (true) {
    const char* data = buffer_.get();
    const void* newline = scan_ < end_ ? std::memchr(data + scan_, '\n', end_ - scan_) : nullptr;
    if (newline != nullptr || (eof_ && pos_ < end_)) {
      const size_t line_end = newline != nullptr ? static_cast<const char*>(newline) - data : end_;
      line->offset = base_offset_ + static_cast<int64_t>(pos_);
      line->too_long = line_end - pos_ > max_line_bytes_;
      size_t text_end = line_end;
      if (text_end > pos_ && data[text_end - 1] == '\r') --text_end;
      line->text =
          line->too_long ? absl::string_view() : absl::string_view(data + pos_, text_end - pos_);
      pos_ = scan_ = newline != nullptr ? line_end + 1 : end_;
      return true;
    }
    if (eof_) return false;
    scan_ = end_;
    if (end_ - pos_ > max_line_bytes_) {
      line->offset = base_offset_ + static_cast<int64_t>(pos_);
      line->too_long = true;
      line->text = absl::string_view();
      if (absl::Status s = SkipRestOfLine(); !s.ok()) return s;
      return true;
    }
    if (absl::Status s = Refill(); !s.ok()) return s;
  }
}

absl::Status LineReader::Refill() {
  if (pos_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + pos_, end_ - pos_);
    base_offset_ += static_cast<int64_t>(pos_);
    end_ -= pos_;
    scan_ -= pos_;
    pos_ = 0;
  }
  if (end_ == capacity_) {
    // A partial line fills the buffer but is within max_line_bytes: grow so it fits (the
    // caller detects it as too long once it exceeds max_line_bytes, so capacity stops at that
    // plus one).
    const size_t new_capacity =
        std::max(capacity_ + 1, std::min(capacity_ * 2, max_line_bytes_ + 1));
    std::unique_ptr<char[]> bigger(new char[new_capacity]);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = new_capacity;
  }
  absl::StatusOr<size_t> n = source_->Read(buffer_.get() + end_, capacity_ - end_);
  if (!n.ok()) return n.status();
  if (*n == 0) eof_ = true;
  end_ += *n;
  return absl::OkStatus();
}

absl::Status LineReader::SkipRestOfLine() {
  while (true) {
    // Everything buffered belongs to the long line: drop it and read the next chunk.
    base_offset_ += static_cast<int64_t>(end_);
    pos_ = scan_ = end_ = 0;
    absl::StatusOr<size_t> n = source_->Read(buffer_.get(), capacity_);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      eof_ = true;
      return absl::OkStatus();
    }
    end_ = *n;
    const void* newline = std::memchr(buffer_.get(), '\n', end_);
    if (newline != nullptr) {
      pos_ = scan_ = static_cast<const char*>(newline) - buffer_.get() + 1;
      return absl::OkStatus();
    }
  }
}

}  // namespace wordmill
