// Splits the content of a ByteSource into lines, without copying them.
//
// '\n' ends a line and a '\r' before it is dropped (CRLF files); the last line may lack its
// '\n'. A line longer than max_line_bytes (counted without its '\n', with any '\r') is not
// buffered: its bytes are streamed past up to the next '\n' and it is returned as a `too_long`
// line with empty text, so memory stays at about max(buffer size, max_line_bytes).
#ifndef WORDMILL_WORKERS_LINE_READER_H_
#define WORDMILL_WORKERS_LINE_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workers/byte_source.h"

namespace wordmill {

struct Line {
  absl::string_view text;  // without '\n' and a trailing '\r'; valid until the next Next()
  int64_t offset = 0;      // content offset of the line's first byte
  bool too_long = false;   // longer than max_line_bytes; text is empty
};

class LineReader {
 public:
  // The initial buffer size; it grows only when a line does not fit, up to max_line_bytes + 1.
  static constexpr size_t kBufferBytes = size_t{1} << 20;

  // `start_offset` is the content offset of the source's first byte.
  LineReader(std::unique_ptr<ByteSource> source, int64_t start_offset, int64_t max_line_bytes);

  // Returns true and fills *line, or false at the end of the content.
  absl::StatusOr<bool> Next(Line* line);

  // Content offset where the next line starts (after the last returned line and its '\n').
  int64_t next_offset() const { return base_offset_ + static_cast<int64_t>(pos_); }

  const ByteSource& source() const { return *source_; }

 private:
  // Moves the unconsumed bytes to the front, grows the buffer if they fill it, and reads more.
  absl::Status Refill();
  // Streams past the rest of a too-long line starting at `offset`, whose bytes up to end_ have
  // been scanned without finding '\n'.
  absl::Status SkipRestOfLine();

  std::unique_ptr<ByteSource> source_;
  const size_t max_line_bytes_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t pos_ = 0;           // start of the unconsumed bytes
  size_t scan_ = 0;          // bytes in [pos_, scan_) are known to hold no '\n'
  size_t end_ = 0;           // end of the valid bytes
  int64_t base_offset_ = 0;  // content offset of buffer_[0]
  bool eof_ = false;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_LINE_READER_H_
