// The lines a work unit owns, with the unit's counters and progress accounting.
//
// Ownership makes the units of a file partition its lines exactly, whatever the cut points:
//  - kLines (plain, Brown, JSONL): a unit [begin, end) owns the lines that start in it. A unit
//    with begin > 0 starts at the first line start >= begin (begin itself if byte begin-1 is
//    '\n'; found by reading from begin-1 and dropping everything up to the first '\n').
//  - kDocuments (WikiExtractor): a unit owns the documents whose `<doc` line starts in it. The
//    first unit owns everything from byte 0 (lines before the first `<doc` too); a unit with
//    begin > 0 starts at its first `<doc` line at or after begin (and owns nothing if there is
//    none before end). Every unit owns its lines up to, excluding, the first `<doc` line that
//    starts at or after end, so a document is never split.
// Compressed files are single units that own all their lines.
#ifndef WORDMILL_WORKERS_UNIT_LINES_H_
#define WORDMILL_WORKERS_UNIT_LINES_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/wordmill.pb.h"
#include "workers/byte_source.h"
#include "workers/document_reader.h"
#include "workers/input_files.h"
#include "workers/line_reader.h"
#include "workers/shard_plan.h"

namespace wordmill {

// A WikiExtractor document start: `<doc` followed by a space or '>'.
bool IsDocStartLine(absl::string_view line);

// True if `line` is empty or only ASCII whitespace (space, \t, \r, \v, \f).
bool IsBlankLine(absl::string_view line);

class UnitLines {
 public:
  enum class Ownership { kLines, kDocuments };

  static absl::StatusOr<std::unique_ptr<UnitLines>> Open(const InputFile& file,
                                                         const WorkUnit& unit,
                                                         const InputSpec& spec, Ownership ownership,
                                                         std::atomic<int64_t>* progress_bytes);

  // Returns the next owned line, or false at the end of the unit. Too-long lines are returned
  // too (flagged, with empty text: format readers need to know a line was there); they are
  // already counted and warned about.
  absl::StatusOr<bool> Next(Line* line);

  // Counters for lines and bytes; the format reader adds documents.
  ReaderCounters& counters() { return counters_; }
  const ReaderCounters& counters() const { return counters_; }

  const std::string& path() const { return path_; }
  // 1-based number of the last returned line in its file, or 0 when the unit starts
  // mid-file (line numbers there are unknown without reading the file from its start).
  int64_t line_number() const { return numbered_ ? counters_.lines : 0; }

  // Whether the line that ends just before content offset `line_start` (a line start) is
  // blank, by reading backwards in the file; true at offset 0. A line longer than
  // max_line_bytes is not blank (the reader skips it unseen, like a non-blank line). Only for
  // uncompressed files.
  absl::StatusOr<bool> PrecedingLineBlank(int64_t line_start) const;

 private:
  enum class Phase { kSkipPartialLine, kSeekDocStart, kOwned, kDone };

  UnitLines(ScopedFd fd, std::string path, const WorkUnit& unit, bool compressed,
            const InputSpec& spec, Ownership ownership, std::atomic<int64_t>* progress_bytes);
  void StartOwning(int64_t offset);
  void Own(const Line& line);
  void ReportProgress();
  void Finish();
  void WarnLongLine(int64_t offset) const;

  ScopedFd fd_;
  const std::string path_;
  const Ownership ownership_;
  const int64_t begin_;
  const int64_t end_;
  const int64_t max_line_bytes_;
  const bool numbered_;
  std::atomic<int64_t>* const progress_bytes_;
  std::unique_ptr<LineReader> reader_;
  Phase phase_ = Phase::kOwned;
  int64_t owned_begin_ = 0;    // content offset of the first owned line
  int64_t owned_end_ = 0;      // content offset just after the last owned line
  int64_t progress_mark_ = 0;  // owned_end_ when progress was last reported
  int64_t stored_reported_ = 0;
  ReaderCounters counters_;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_UNIT_LINES_H_
