// Reading one work unit as a stream of paragraphs, whatever the file's format.
//
// The layers: a ByteSource (a byte range of a plain file, or a streamed zstd file) feeds a
// line splitter (handles CRLF, skips lines over max_line_bytes without buffering them), and a
// format reader (plain, WikiExtractor, Brown, JSONL) turns lines into paragraphs of text and
// document boundaries. The factory OpenDocumentReader picks the format reader.
//
// Format rules (see also InputFormat in formats/wordmill.proto):
//  - A blank line is empty or ASCII whitespace only (space, \t, \r, \v, \f). A line over
//    max_line_bytes is skipped (counted in long_lines_skipped and lines) and otherwise behaves
//    as a non-blank line that yields no paragraph.
//  - Plain: a non-blank line is a paragraph; it starts a document if the line before it is
//    blank or it is the file's first line (a unit starting mid-file reads the file backwards to
//    find out). documents = paragraphs with starts_document.
//  - WikiExtractor: `<doc …>` lines count documents; the title line after one is dropped unless
//    keep_doc_title; `</doc>` and blank lines are dropped; the first paragraph of a document
//    starts it. Lines outside `<doc>` blocks are kept; each run of them counts as a document.
//  - Brown: the words of a line's `word/TAG` items, joined by single spaces, are a paragraph; the
//    file is one document, started by the first paragraph of the unit that begins at byte 0.
//  - JSONL: each non-blank line is one document with one paragraph, the string field
//    jsonl_text_field (which may contain newlines); anything else is an InvalidArgument error.
//
// Work-unit ownership (exact for any cut points) is described in workers/unit_lines.h.
#ifndef WORDMILL_WORKERS_DOCUMENT_READER_H_
#define WORDMILL_WORKERS_DOCUMENT_READER_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/wordmill.pb.h"
#include "workers/input_files.h"
#include "workers/shard_plan.h"

namespace wordmill {

struct Paragraph {
  absl::string_view text;        // valid until the next call to Next()
  bool starts_document = false;  // the first paragraph of a new document
};

struct ReaderCounters {
  int64_t stored_bytes = 0;        // bytes of the unit as stored (compressed size for .zst)
  int64_t uncompressed_bytes = 0;  // bytes after decompression
  int64_t lines = 0;               // lines of the unit (including markup and blank lines)
  int64_t documents = 0;
  int64_t long_lines_skipped = 0;

  ReaderCounters& operator+=(const ReaderCounters& c) {
    stored_bytes += c.stored_bytes;
    uncompressed_bytes += c.uncompressed_bytes;
    lines += c.lines;
    documents += c.documents;
    long_lines_skipped += c.long_lines_skipped;
    return *this;
  }
};

class DocumentReader {
 public:
  virtual ~DocumentReader() = default;
  // Returns true and fills *paragraph, or false at the end of the unit. Errors name the file
  // and the byte offset (for zstd: the offset in the decompressed stream and the compressed
  // bytes consumed) or line number: corrupt or truncated zstd data, a JSONL line that is not
  // a JSON object, an I/O error.
  virtual absl::StatusOr<bool> Next(Paragraph* paragraph) = 0;
  virtual const ReaderCounters& counters() const = 0;
};

// Opens `unit` of `file`. If `progress_bytes` is not null, stored bytes consumed are added to
// it as reading proceeds (relaxed atomics, for the progress line).
absl::StatusOr<std::unique_ptr<DocumentReader>> OpenDocumentReader(
    const InputFile& file, const WorkUnit& unit, const InputSpec& spec,
    std::atomic<int64_t>* progress_bytes = nullptr);

// Reads all of `unit`, calling `fn(const Paragraph&)` (which returns absl::Status; a non-OK
// status stops the reading and is returned) for each paragraph. On success the reader's
// counters are added to *counters if it is not null.
template <typename Fn>
absl::Status ForEachParagraph(const InputFile& file, const WorkUnit& unit, const InputSpec& spec,
                              Fn&& fn, ReaderCounters* counters = nullptr,
                              std::atomic<int64_t>* progress_bytes = nullptr) {
  absl::StatusOr<std::unique_ptr<DocumentReader>> reader =
      OpenDocumentReader(file, unit, spec, progress_bytes);
  if (!reader.ok()) return reader.status();
  Paragraph paragraph;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&paragraph);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (absl::Status s = fn(static_cast<const Paragraph&>(paragraph)); !s.ok()) return s;
  }
  if (counters != nullptr) *counters += (*reader)->counters();
  return absl::OkStatus();
}

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_DOCUMENT_READER_H_
