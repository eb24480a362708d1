#include "workers/cooccur_runs.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <queue>

#include "absl/strings/str_cat.h"

namespace wordmill {
namespace {

std::string RunPath(const std::string& dir, int id) {
  return absl::StrCat(dir, "/run-", id, ".wmrec");
}

// One open input of a merge: its reader and current record.
struct MergeInput {
  std::unique_ptr<RecordReader> reader;
  CooccurRecord current;
};

absl::Status Advance(MergeInput* input, bool* more) {
  absl::string_view bytes;
  absl::StatusOr<bool> next = input->reader->Next(&bytes);
  if (!next.ok()) return next.status();
  *more = *next;
  if (!*more) return absl::OkStatus();
  if (bytes.size() != sizeof(CooccurRecord)) {
    return absl::DataLossError(absl::StrCat(input->reader->path(), ": record of ", bytes.size(),
                                            " bytes, expected ", sizeof(CooccurRecord)));
  }
  input->current = RecordFromBytes(bytes);
  return absl::OkStatus();
}

// k-way merge of `paths` into `output`, adding up equal (i, j).
absl::Status MergeInto(const std::vector<std::string>& paths, RecordWriter* output,
                       MergeStats* stats, MergeProgress* progress) {
  std::vector<MergeInput> inputs(paths.size());
  int64_t input_records = 0;
  auto greater = [&](int a, int b) { return RecordLess()(inputs[b].current, inputs[a].current); };
  std::priority_queue<int, std::vector<int>, decltype(greater)> heap(greater);
  for (size_t k = 0; k < paths.size(); ++k) {
    absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(paths[k]);
    if (!reader.ok()) return reader.status();
    inputs[k].reader = std::move(*reader);
    input_records += static_cast<int64_t>(inputs[k].reader->header().record_count());
    bool more = false;
    if (absl::Status s = Advance(&inputs[k], &more); !s.ok()) return s;
    if (more) heap.push(static_cast<int>(k));
  }
  if (progress != nullptr) {
    progress->finished.fetch_add(progress->read.exchange(0, std::memory_order_relaxed),
                                 std::memory_order_relaxed);
    progress->merge.fetch_add(1, std::memory_order_relaxed);
    progress->inputs.store(input_records, std::memory_order_relaxed);
  }
  int64_t read = 0;
  bool have = false;
  CooccurRecord pending{0, 0, 0.0};
  auto flush = [&]() -> absl::Status {
    if (!have) return absl::OkStatus();
    if (stats != nullptr) {
      ++stats->records;
      stats->weight_sum += pending.x;
    }
    return output->Append(RecordBytes(pending));
  };
  while (!heap.empty()) {
    const int k = heap.top();
    heap.pop();
    const CooccurRecord& r = inputs[k].current;
    if (have && r.i == pending.i && r.j == pending.j) {
      pending.x += r.x;
    } else {
      if (absl::Status s = flush(); !s.ok()) return s;
      pending = r;
      have = true;
    }
    bool more = false;
    if (absl::Status s = Advance(&inputs[k], &more); !s.ok()) return s;
    if (more) heap.push(k);
    if (progress != nullptr && (++read & 0xFFFF) == 0) {
      progress->read.store(read, std::memory_order_relaxed);
    }
  }
  if (progress != nullptr) progress->read.store(input_records, std::memory_order_relaxed);
  return flush();
}

void RemoveFiles(const std::vector<std::string>& paths) {
  std::error_code ignored;
  for (const std::string& p : paths) std::filesystem::remove(p, ignored);
}

}  // namespace

RecordWriterOptions CooccurWriterOptions() {
  RecordWriterOptions options;
  options.record_type = kCooccurRecordType;
  options.record_size = sizeof(CooccurRecord);
  options.zstd_level = 1;  // runs are written once and read once: speed over ratio
  return options;
}

RunSpiller::RunSpiller(std::string dir, size_t buffer_records, int64_t vocab_size)
    : dir_(std::move(dir)),
      vocab_size_(vocab_size),
      buffer_(std::max<size_t>(buffer_records, 2)),
      scratch_(buffer_.size()) {}

absl::Status RunSpiller::Add(const void* records, size_t n) {
  if (size_ + n > buffer_.size()) {
    const auto start = std::chrono::steady_clock::now();
    size_ = SortAndCombine(buffer_.data(), scratch_.data(), size_, vocab_size_);
    absl::Status status;
    if (size_ + n > buffer_.size() || size_ > buffer_.size() / 2) status = Spill();
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!status.ok()) return status;
  }
  std::memcpy(buffer_.data() + size_, records, n * sizeof(CooccurRecord));
  size_ += n;
  return absl::OkStatus();
}

absl::Status RunSpiller::MakeRoom() {
  const auto start = std::chrono::steady_clock::now();
  size_ = SortAndCombine(buffer_.data(), scratch_.data(), size_, vocab_size_);
  absl::Status status;
  if (size_ > buffer_.size() / 2) status = Spill();
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return status;
}

absl::Status RunSpiller::Spill() {
  size_ = SortAndCombine(buffer_.data(), scratch_.data(), size_, vocab_size_);
  if (size_ == 0) return absl::OkStatus();
  const std::string path = RunPath(dir_, next_run_id_++);
  absl::StatusOr<std::unique_ptr<RecordWriter>> writer =
      RecordWriter::Open(path, CooccurWriterOptions());
  if (!writer.ok()) return writer.status();
  for (size_t k = 0; k < size_; ++k) {
    if (absl::Status s = (*writer)->Append(RecordBytes(buffer_[k])); !s.ok()) return s;
  }
  if (absl::Status s = (*writer)->Close(); !s.ok()) return s;
  runs_.push_back(path);
  size_ = 0;
  return absl::OkStatus();
}

absl::Status RunSpiller::Finish() {
  const auto start = std::chrono::steady_clock::now();
  absl::Status status = Spill();
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  buffer_.Release();
  scratch_.Release();
  return status;
}

absl::Status MergeRuns(std::vector<std::string> runs, int max_open_files, const std::string& dir,
                       int* next_run_id, RecordWriter* output, MergeStats* stats) {
  const size_t fan_in = static_cast<size_t>(std::max(2, max_open_files - 1));
  if (stats->progress != nullptr) {
    int merges = 1;
    for (size_t left = runs.size(); left > fan_in; left -= fan_in - 1) ++merges;
    stats->progress->merges.store(merges, std::memory_order_relaxed);
  }
  size_t first = 0;  // runs before `first` are consumed (and deleted)
  while (runs.size() - first > fan_in) {
    std::vector<std::string> group(runs.begin() + first, runs.begin() + first + fan_in);
    const std::string path = RunPath(dir, (*next_run_id)++);
    absl::StatusOr<std::unique_ptr<RecordWriter>> writer =
        RecordWriter::Open(path, CooccurWriterOptions());
    if (!writer.ok()) return writer.status();
    if (absl::Status s = MergeInto(group, writer->get(), nullptr, stats->progress); !s.ok()) {
      return s;
    }
    if (absl::Status s = (*writer)->Close(); !s.ok()) return s;
    RemoveFiles(group);
    first += fan_in;
    runs.push_back(path);
    ++stats->intermediate_merges;
  }
  std::vector<std::string> last(runs.begin() + first, runs.end());
  absl::Status status = MergeInto(last, output, stats, stats->progress);
  if (status.ok()) RemoveFiles(last);
  return status;
}

}  // namespace wordmill
