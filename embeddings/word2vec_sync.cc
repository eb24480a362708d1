#include "embeddings/word2vec_sync.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

namespace wordmill {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Adds the wall time of its scope to *total.
class ScopedTimer {
 public:
  explicit ScopedTimer(double* total) : total_(total) {}
  ~ScopedTimer() { *total_ += Seconds(std::chrono::steady_clock::now() - start_); }

 private:
  double* total_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// MPI counts are int: reduce in chunks well below 2^31 elements.
constexpr size_t kChunkFloats = size_t{1} << 26;

absl::Status AllReduceChunked(float* x, size_t n, Communicator* comm, double* seconds) {
  ScopedTimer timer(seconds);
  for (size_t begin = 0; begin < n; begin += kChunkFloats) {
    const size_t len = std::min(kChunkFloats, n - begin);
    if (absl::Status s = comm->AllReduce(absl::MakeSpan(x + begin, len), ReduceOp::kSum); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status SyncMatrix(float* x, float* snapshot, size_t n, Communicator* comm, double* seconds) {
  for (size_t i = 0; i < n; ++i) x[i] -= snapshot[i];
  if (absl::Status s = AllReduceChunked(x, n, comm, seconds); !s.ok()) return s;
  for (size_t i = 0; i < n; ++i) snapshot[i] = x[i] += snapshot[i];
  return absl::OkStatus();
}

// Calls f(row) for every set bit of bits[0 .. words), in increasing order.
template <typename F>
void ForEachSetBit(const uint64_t* bits, size_t words, F f) {
  for (size_t i = 0; i < words; ++i) {
    for (uint64_t b = bits[i]; b != 0; b &= b - 1)
      f(static_cast<int64_t>(i * 64 + __builtin_ctzll(b)));
  }
}

}  // namespace

ReplicaSync::ReplicaSync(const Word2vecWeights& model, Rows rows)
    : rows_(rows),
      in_snapshot_(model.floats_per_matrix()),
      out_snapshot_(model.floats_per_matrix()),
      in_marks_(model.rows(), 0),
      out_marks_(model.rows(), 0) {
  std::memcpy(in_snapshot_.data(), model.in(0), model.floats_per_matrix() * sizeof(float));
  std::memcpy(out_snapshot_.data(), model.out(0), model.floats_per_matrix() * sizeof(float));
}

absl::Status ReplicaSync::Sync(Word2vecWeights* model, Communicator* comm) {
  const double cpu_start = ThreadCpuSeconds();
  absl::Status s;
  {
    ScopedTimer timer(&stats_.seconds);
    s = rows_ == Rows::kAll ? SyncAll(model, comm) : SyncTouched(model, comm);
  }
  ++stats_.syncs;
  stats_.cpu_seconds += ThreadCpuSeconds() - cpu_start;
  return s;
}

absl::Status ReplicaSync::SyncAll(Word2vecWeights* model, Communicator* comm) {
  const size_t n = model->floats_per_matrix();
  stats_.local_rows[0] += std::count(in_marks_.begin(), in_marks_.end(), uint8_t{1});
  stats_.local_rows[1] += std::count(out_marks_.begin(), out_marks_.end(), uint8_t{1});
  std::fill(in_marks_.begin(), in_marks_.end(), 0);
  std::fill(out_marks_.begin(), out_marks_.end(), 0);
  stats_.merged_rows[0] += model->rows();
  stats_.merged_rows[1] += model->rows();
  stats_.bytes += static_cast<int64_t>(2 * n * sizeof(float));
  if (absl::Status s =
          SyncMatrix(model->in_data(), in_snapshot_.data(), n, comm, &stats_.collective_seconds);
      !s.ok()) {
    return s;
  }
  return SyncMatrix(model->out_data(), out_snapshot_.data(), n, comm, &stats_.collective_seconds);
}

absl::Status ReplicaSync::SyncTouched(Word2vecWeights* model, Communicator* comm) {
  const int64_t v = model->rows();
  const size_t words = static_cast<size_t>((v + 63) / 64);
  // This rank's marks as a bitmap: W's rows in words [0, words), C's in [words, 2 words).
  std::vector<uint64_t> local(2 * words, 0);
  for (int matrix = 0; matrix < 2; ++matrix) {
    std::vector<uint8_t>& marks = matrix == 0 ? in_marks_ : out_marks_;
    uint64_t* bits = local.data() + matrix * words;
    for (int64_t r = 0; r < v; ++r) {
      if (marks[r] != 0) {
        bits[r >> 6] |= uint64_t{1} << (r & 63);
        ++stats_.local_rows[matrix];
      }
    }
    std::fill(marks.begin(), marks.end(), 0);
  }
  // The union over the ranks: every rank sends its bitmap to every rank.
  merged_ = local;
  if (comm->size() > 1) {
    std::string mine(reinterpret_cast<const char*>(local.data()), local.size() * sizeof(uint64_t));
    std::vector<std::string> send(comm->size(), mine), received;
    {
      ScopedTimer timer(&stats_.collective_seconds);
      if (absl::Status s = comm->AllToAll(send, &received); !s.ok()) return s;
    }
    for (const std::string& other : received) {
      if (other.size() != mine.size()) {
        return absl::InternalError("replica sync: ranks disagree on the vocabulary size");
      }
      for (size_t i = 0; i < merged_.size(); ++i) {
        uint64_t w;
        std::memcpy(&w, other.data() + i * sizeof(uint64_t), sizeof(w));
        merged_[i] |= w;
      }
    }
    stats_.bytes += static_cast<int64_t>(mine.size()) * (comm->size() - 1);
  }
  int64_t rows = 0;
  for (size_t i = 0; i < merged_.size(); ++i) {
    const int count = __builtin_popcountll(merged_[i]);
    stats_.merged_rows[i < words ? 0 : 1] += count;
    rows += count;
  }
  const int dim = model->dim();
  packed_.resize(static_cast<size_t>(rows) * dim);
  float* in_snapshot = in_snapshot_.data();
  float* out_snapshot = out_snapshot_.data();
  const int stride = model->stride();
  // Pack the deltas of the union's rows (a row this rank did not touch packs zeros).
  float* p = packed_.data();
  for (int matrix = 0; matrix < 2; ++matrix) {
    float* x0 = matrix == 0 ? model->in_data() : model->out_data();
    const float* s0 = matrix == 0 ? in_snapshot : out_snapshot;
    ForEachSetBit(merged_.data() + matrix * words, words, [&](int64_t r) {
      const float* x = x0 + r * stride;
      const float* s = s0 + r * stride;
      for (int d = 0; d < dim; ++d) p[d] = x[d] - s[d];
      p += dim;
    });
  }
  stats_.bytes += static_cast<int64_t>(packed_.size() * sizeof(float));
  if (absl::Status s =
          AllReduceChunked(packed_.data(), packed_.size(), comm, &stats_.collective_seconds);
      !s.ok())
    return s;
  // x = snapshot + sum of the deltas, the same arithmetic as SyncAll.
  p = packed_.data();
  for (int matrix = 0; matrix < 2; ++matrix) {
    float* x0 = matrix == 0 ? model->in_data() : model->out_data();
    float* s0 = matrix == 0 ? in_snapshot : out_snapshot;
    ForEachSetBit(merged_.data() + matrix * words, words, [&](int64_t r) {
      float* x = x0 + r * stride;
      float* s = s0 + r * stride;
      for (int d = 0; d < dim; ++d) s[d] = x[d] = p[d] + s[d];
      p += dim;
    });
  }
  return absl::OkStatus();
}

}  // namespace wordmill
