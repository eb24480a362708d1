// One thread's pass over a rank's id shard, counting co-occurrences into its accumulator.
//
// Every thread reads the whole shard (decoding ids is cheap next to counting) and keeps the
// last `window` ids of the stream in a ring, but counts only the paragraphs of its own
// segments (runs of kSegmentParagraphs paragraphs dealt round-robin to threads). Each pair is
// counted by the thread that owns its right-hand (centre) token, looking left; symmetric counts
// add (centre, context) and (context, centre). So the counts are exactly those of one thread
// reading the stream, for any thread count, including pairs that span segment borders. The
// ring is cleared where a document starts (unless document_boundaries is off).
#ifndef WORDMILL_WORKERS_COOCCUR_COUNTER_H_
#define WORDMILL_WORKERS_COOCCUR_COUNTER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "formats/id_shard.h"
#include "formats/wordmill.pb.h"
#include "workers/cooccur_accumulator.h"

namespace wordmill {

class CooccurCountWorker {
 public:
  static constexpr int64_t kSegmentParagraphs = 64;

  // buffer_records must be at least 4 * window.
  CooccurCountWorker(const CooccurSpec& spec, int thread, int threads, int64_t vocab_size,
                     int64_t dense_product, size_t buffer_records);

  absl::Status Open(const std::string& shard_path, uint64_t vocab_checksum);
  // Tokens counted are added to *tokens as counting proceeds (for the progress line).
  void set_progress(std::atomic<int64_t>* tokens) { progress_tokens_ = tokens; }
  // Counts until the sparse buffer is still over half full after combining, or the shard
  // ends; the buffer is left sorted and combined either way.
  absl::Status Run();
  bool done() const { return done_; }
  CooccurAccumulator* accumulator() { return &accumulator_; }
  // Pair increments counted (one per (centre, context) pair, before symmetry).
  int64_t pairs() const { return pairs_; }

 private:
  // Counts the rest of the current paragraph; false if the buffer filled up first.
  bool CountParagraph();
  void PushHistory(const uint32_t* ids, size_t n);
  void CountToken(int32_t w) {
    const int64_t kmax = std::min<int64_t>(window_, seen_);
    int64_t slot = head_;
    for (int64_t k = 1; k <= kmax; ++k) {
      slot = slot == 0 ? window_ - 1 : slot - 1;
      const int32_t c = ring_[slot];
      accumulator_.Add(w, c, weights_[k]);
      if (symmetric_) accumulator_.Add(c, w, weights_[k]);
    }
    pairs_ += kmax;
    ring_[head_] = w;
    head_ = head_ + 1 == window_ ? 0 : head_ + 1;
    ++seen_;
  }

  const int thread_;
  const int threads_;
  const int64_t window_;
  const bool symmetric_;
  const bool document_boundaries_;
  std::vector<double> weights_;  // weights_[k] for distance k
  CooccurAccumulator accumulator_;
  std::unique_ptr<IdShardReader> reader_;
  std::vector<uint32_t> paragraph_;
  size_t position_ = 0;
  int64_t paragraph_index_ = 0;
  std::vector<int32_t> ring_;
  int64_t head_ = 0;  // next slot of ring_
  int64_t seen_ = 0;  // ids pushed since the ring was cleared
  int64_t pairs_ = 0;
  bool done_ = false;
  std::atomic<int64_t>* progress_tokens_ = nullptr;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_COOCCUR_COUNTER_H_
