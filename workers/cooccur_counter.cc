#include "workers/cooccur_counter.h"

#include <algorithm>

namespace wordmill {

CooccurCountWorker::CooccurCountWorker(const CooccurSpec& spec, int thread, int threads,
                                       int64_t vocab_size, int64_t dense_product,
                                       size_t buffer_records)
    : thread_(thread),
      threads_(threads),
      window_(std::max(1, spec.window())),
      symmetric_(!spec.left_only()),
      document_boundaries_(spec.document_boundaries()),
      accumulator_(vocab_size, dense_product, buffer_records),
      ring_(window_, 0) {
  weights_.assign(window_ + 1, 1.0);
  if (spec.distance_weighting()) {
    for (int64_t k = 1; k <= window_; ++k) weights_[k] = 1.0 / static_cast<double>(k);
  }
}

absl::Status CooccurCountWorker::Open(const std::string& shard_path, uint64_t vocab_checksum) {
  absl::StatusOr<std::unique_ptr<IdShardReader>> reader =
      IdShardReader::Open(shard_path, vocab_checksum);
  if (!reader.ok()) return reader.status();
  reader_ = std::move(*reader);
  return absl::OkStatus();
}

void CooccurCountWorker::PushHistory(const uint32_t* ids, size_t n) {
  const size_t keep = std::min<size_t>(n, static_cast<size_t>(window_));
  for (size_t k = n - keep; k < n; ++k) {
    ring_[head_] = static_cast<int32_t>(ids[k]);
    head_ = head_ + 1 == window_ ? 0 : head_ + 1;
  }
  seen_ += static_cast<int64_t>(n);
}

bool CooccurCountWorker::CountParagraph() {
  const size_t n = paragraph_.size();
  const size_t per_token = 2 * static_cast<size_t>(window_);
  const size_t capacity = accumulator_.buffer_capacity();
  while (position_ < n) {
    if (accumulator_.buffer_size() + per_token > capacity) {
      accumulator_.CombineBuffer();
      if (accumulator_.buffer_size() > capacity / 2) return false;
    }
    // Tokens that fit for sure; the buffer is checked again after them.
    const size_t room = (capacity - accumulator_.buffer_size()) / per_token;
    const size_t stop = std::min(n, position_ + room);
    if (progress_tokens_ != nullptr) {
      progress_tokens_->fetch_add(static_cast<int64_t>(stop - position_),
                                  std::memory_order_relaxed);
    }
    for (; position_ < stop; ++position_) CountToken(static_cast<int32_t>(paragraph_[position_]));
  }
  return true;
}

absl::Status CooccurCountWorker::Run() {
  while (!done_) {
    if (position_ >= paragraph_.size()) {
      bool starts_document = false;
      absl::StatusOr<bool> more = reader_->Next(&paragraph_, &starts_document);
      if (!more.ok()) return more.status();
      if (!*more) {
        done_ = true;
        paragraph_.clear();
        break;
      }
      if (starts_document && document_boundaries_) seen_ = 0;
      const bool mine = (paragraph_index_ / kSegmentParagraphs) % threads_ == thread_;
      ++paragraph_index_;
      position_ = 0;
      if (!mine) {
        PushHistory(paragraph_.data(), paragraph_.size());
        position_ = paragraph_.size();
        continue;
      }
    }
    if (!CountParagraph()) break;
  }
  accumulator_.CombineBuffer();
  return absl::OkStatus();
}

}  // namespace wordmill
