#include "workers/unit_lines.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace wordmill {
namespace {

// Progress is published every this many owned content bytes: often enough for a progress
// line, rarely enough that the shared atomic is never contended.
constexpr int64_t kProgressChunkBytes = int64_t{1} << 20;
constexpr size_t kLookbackBytes = 4096;

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// One warning per file and process, however many units of it hit long lines: the count is in
// the stats, the warning only has to point at an example.
bool FirstLongLineWarning(const std::string& path) {
  static absl::Mutex mu(absl::kConstInit);
  static std::set<std::string>* warned = new std::set<std::string>();
  absl::MutexLock lock(&mu);
  return warned->insert(path).second;
}

}  // namespace

bool IsDocStartLine(absl::string_view line) {
  return absl::StartsWith(line, "<doc") && line.size() > 4 && (line[4] == ' ' || line[4] == '>');
}

bool IsBlankLine(absl::string_view line) {
  return std::all_of(line.begin(), line.end(), IsAsciiSpace);
}

absl::StatusOr<std::unique_ptr<UnitLines>> UnitLines::Open(const InputFile& file,
                                                           const WorkUnit& unit,
                                                           const InputSpec& spec,
                                                           Ownership ownership,
                                                           std::atomic<int64_t>* progress_bytes) {
  const bool compressed = file.compression == COMPRESSION_ZSTD;
  if (compressed && unit.begin != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.path, ": a compressed file cannot be read from byte ", unit.begin));
  }
  absl::StatusOr<ScopedFd> fd = OpenForReading(file.path);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<UnitLines>(
      new UnitLines(std::move(*fd), file.path, unit, compressed, spec, ownership, progress_bytes));
}

UnitLines::UnitLines(ScopedFd fd, std::string path, const WorkUnit& unit, bool compressed,
                     const InputSpec& spec, Ownership ownership,
                     std::atomic<int64_t>* progress_bytes)
    : fd_(std::move(fd)),
      path_(std::move(path)),
      ownership_(ownership),
      begin_(unit.begin),
      // A compressed unit's end is its compressed size; it owns all of its content.
      end_(compressed ? std::numeric_limits<int64_t>::max() : unit.end),
      max_line_bytes_(spec.max_line_bytes()),
      numbered_(unit.begin == 0),
      progress_bytes_(progress_bytes) {
  if (!compressed && begin_ >= end_) {
    // An empty range owns nothing, not even the lines of a first unit [0, 0).
    phase_ = Phase::kDone;
    return;
  }
  if (compressed) {
    reader_ = std::make_unique<LineReader>(NewZstdFileSource(fd_.get(), path_), 0, max_line_bytes_);
  } else if (begin_ == 0) {
    reader_ = std::make_unique<LineReader>(NewFileRangeSource(fd_.get(), path_, 0, end_), 0,
                                           max_line_bytes_);
  } else {
    // Reading from begin-1 and dropping the first (partial) line lands on the first line
    // start >= begin, whether or not byte begin-1 is '\n'.
    reader_ = std::make_unique<LineReader>(NewFileRangeSource(fd_.get(), path_, begin_ - 1, end_),
                                           begin_ - 1, max_line_bytes_);
    phase_ = Phase::kSkipPartialLine;
  }
}

absl::StatusOr<bool> UnitLines::Next(Line* line) {
  while (true) {
    if (phase_ == Phase::kDone) return false;
    if (phase_ == Phase::kOwned && ownership_ == Ownership::kLines &&
        reader_->next_offset() >= end_) {
      Finish();
      return false;
    }
    absl::StatusOr<bool> got = reader_->Next(line);
    if (!got.ok()) return got.status();
    if (!*got) {
      Finish();
      return false;
    }
    const bool doc_start = !line->too_long && IsDocStartLine(line->text);
    switch (phase_) {
      case Phase::kSkipPartialLine:
        if (ownership_ == Ownership::kLines) {
          StartOwning(reader_->next_offset());
        } else {
          phase_ = Phase::kSeekDocStart;
        }
        continue;
      case Phase::kSeekDocStart:
        if (line->offset >= end_) {
          Finish();
          return false;
        }
        if (!doc_start) continue;
        StartOwning(line->offset);
        break;
      case Phase::kOwned:
        if (ownership_ == Ownership::kDocuments && doc_start && line->offset >= end_) {
          Finish();
          return false;
        }
        break;
      case Phase::kDone:
        return false;
    }
    Own(*line);
    return true;
  }
}

void UnitLines::StartOwning(int64_t offset) {
  phase_ = Phase::kOwned;
  owned_begin_ = owned_end_ = progress_mark_ = offset;
}

void UnitLines::Own(const Line& line) {
  ++counters_.lines;
  owned_end_ = reader_->next_offset();
  if (line.too_long) {
    ++counters_.long_lines_skipped;
    WarnLongLine(line.offset);
  }
  if (owned_end_ - progress_mark_ >= kProgressChunkBytes) ReportProgress();
}

void UnitLines::ReportProgress() {
  const int64_t stored = reader_->source().StoredBytes(owned_begin_, owned_end_);
  counters_.stored_bytes = stored;
  counters_.uncompressed_bytes = owned_end_ - owned_begin_;
  if (progress_bytes_ != nullptr) {
    progress_bytes_->fetch_add(stored - stored_reported_, std::memory_order_relaxed);
  }
  stored_reported_ = stored;
  progress_mark_ = owned_end_;
}

void UnitLines::Finish() {
  phase_ = Phase::kDone;
  ReportProgress();
}

void UnitLines::WarnLongLine(int64_t offset) const {
  if (!FirstLongLineWarning(path_)) return;
  std::fprintf(stderr,
               "wordmill: warning: %s: line at byte offset %lld longer than max_line_bytes "
               "(%lld); skipped\n",
               path_.c_str(), static_cast<long long>(offset),
               static_cast<long long>(max_line_bytes_));
}

absl::StatusOr<bool> UnitLines::PrecedingLineBlank(int64_t line_start) const {
  // Byte line_start-1 is the '\n' ending the preceding line; scan that line backwards.
  int64_t pos = line_start - 1;
  int64_t length = 0;
  char buffer[kLookbackBytes];
  while (pos > 0) {
    const int64_t chunk_begin = std::max<int64_t>(0, pos - static_cast<int64_t>(kLookbackBytes));
    const size_t want = static_cast<size_t>(pos - chunk_begin);
    absl::StatusOr<size_t> n = PreadFully(fd_.get(), path_, chunk_begin, buffer, want);
    if (!n.ok()) return n.status();
    if (*n != want) {
      return absl::DataLossError(
          absl::StrCat(path_, ": file shrank while reading (byte offset ", chunk_begin, ")"));
    }
    for (size_t i = want; i-- > 0;) {
      if (buffer[i] == '\n') return true;
      if (!IsAsciiSpace(buffer[i]) || ++length > max_line_bytes_) return false;
    }
    pos = chunk_begin;
  }
  return true;
}

}  // namespace wordmill
