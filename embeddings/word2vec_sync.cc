#include "embeddings/word2vec_sync.h"

#include <time.h>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
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

// A row of dim floats as ReduceRowsInt16 sends it: a float scale, then dim int16 values with
// value = q * scale, q = round-to-nearest-even(value / scale). scale is the largest |value| /
// 32767; a row with a NaN or infinite value gets scale NaN, so the non-finite value reaches every
// replica and the trainer's check. The AVX2 and scalar paths round the same way (the default
// rounding mode), so every build gives the same bytes.
size_t QuantizedRowBytes(int dim) { return sizeof(float) + sizeof(int16_t) * dim; }

void QuantizeRow(const float* v, int dim, char* out) {
  float largest = 0;
  bool finite = true;
  int d = 0;
#ifdef __AVX2__
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 max_finite = _mm256_set1_ps(std::numeric_limits<float>::max());
  __m256 top = _mm256_setzero_ps(), bad = _mm256_setzero_ps();
  for (; d + 8 <= dim; d += 8) {
    const __m256 a = _mm256_and_ps(_mm256_loadu_ps(v + d), abs_mask);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(a, max_finite, _CMP_NLE_UQ));  // NaN or inf
    top = _mm256_max_ps(top, a);
  }
  finite = _mm256_movemask_ps(bad) == 0;
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, top);
  for (float x : lanes) largest = std::max(largest, x);
#endif
  for (int t = d; t < dim; ++t) {
    const float a = std::fabs(v[t]);
    finite &= a <= std::numeric_limits<float>::max();
    largest = std::max(largest, a);
  }
  float scale = largest / 32767.0f;
  const float inverse = largest > 0 ? 32767.0f / largest : 0.0f;
  char* q = out + sizeof(float);
  if (!finite) {
    scale = std::numeric_limits<float>::quiet_NaN();
    std::memset(q, 0, sizeof(int16_t) * dim);
  } else {
    d = 0;
#ifdef __AVX2__
    const __m256 inv = _mm256_set1_ps(inverse);
    for (; d + 16 <= dim; d += 16) {
      const __m256i lo = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + d), inv));
      const __m256i hi = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + d + 8), inv));
      // packs works within 128-bit lanes: restore the order with a 64-bit permute.
      const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xd8);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + sizeof(int16_t) * d), packed);
    }
#endif
    for (; d < dim; ++d) {
      const int16_t x = static_cast<int16_t>(std::nearbyint(v[d] * inverse));
      std::memcpy(q + sizeof(int16_t) * d, &x, sizeof(x));
    }
  }
  std::memcpy(out, &scale, sizeof(scale));
}

// acc[d] += the decoded value d of the row at `in`.
void AddDecodedRow(const char* in, int dim, float* acc) {
  float scale;
  std::memcpy(&scale, in, sizeof(scale));
  const char* q = in + sizeof(float);
  int d = 0;
#ifdef __AVX2__
  const __m256 sc = _mm256_set1_ps(scale);
  for (; d + 8 <= dim; d += 8) {
    const __m256i x = _mm256_cvtepi16_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + sizeof(int16_t) * d)));
    const __m256 value = _mm256_mul_ps(_mm256_cvtepi32_ps(x), sc);
    _mm256_storeu_ps(acc + d, _mm256_add_ps(_mm256_loadu_ps(acc + d), value));
  }
#endif
  for (; d < dim; ++d) {
    int16_t x;
    std::memcpy(&x, q + sizeof(int16_t) * d, sizeof(x));
    acc[d] += static_cast<float>(x) * scale;
  }
}

// x = s = s + the decoded row (the merge's update of one row of the model and its snapshot).
// Returns false if a value of the result is NaN or infinite.
bool ApplyDecodedRow(const char* in, int dim, float* x, float* s) {
  float scale;
  std::memcpy(&scale, in, sizeof(scale));
  const char* q = in + sizeof(float);
  int d = 0;
  bool finite = true;
#ifdef __AVX2__
  const __m256 sc = _mm256_set1_ps(scale);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 max_finite = _mm256_set1_ps(std::numeric_limits<float>::max());
  __m256 bad = _mm256_setzero_ps();
  for (; d + 8 <= dim; d += 8) {
    const __m256i v = _mm256_cvtepi16_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + sizeof(int16_t) * d)));
    const __m256 sum =
        _mm256_add_ps(_mm256_loadu_ps(s + d), _mm256_mul_ps(_mm256_cvtepi32_ps(v), sc));
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_and_ps(sum, abs_mask), max_finite, _CMP_NLE_UQ));
    _mm256_storeu_ps(s + d, sum);
    _mm256_storeu_ps(x + d, sum);
  }
  finite = _mm256_movemask_ps(bad) == 0;
#endif
  for (; d < dim; ++d) {
    int16_t v;
    std::memcpy(&v, q + sizeof(int16_t) * d, sizeof(v));
    s[d] = x[d] = s[d] + static_cast<float>(v) * scale;
    finite &= std::fabs(x[d]) <= std::numeric_limits<float>::max();
  }
  return finite;
}

}  // namespace

ReplicaSync::ReplicaSync(const Word2vecWeights& model, Rows rows, Precision precision,
                         uint8_t* marks)
    : rows_(rows),
      precision_(precision),
      in_snapshot_(model.floats_per_matrix()),
      out_snapshot_(model.floats_per_matrix()),
      own_marks_(marks == nullptr ? 2 * static_cast<size_t>(model.rows()) : 0, 0) {
  if (marks == nullptr) marks = own_marks_.data();
  in_marks_ = absl::MakeSpan(marks, static_cast<size_t>(model.rows()));
  out_marks_ = absl::MakeSpan(marks + model.rows(), static_cast<size_t>(model.rows()));
  std::memcpy(in_snapshot_.data(), model.in(0), model.floats_per_matrix() * sizeof(float));
  std::memcpy(out_snapshot_.data(), model.out(0), model.floats_per_matrix() * sizeof(float));
}

absl::Status ReplicaSync::Sync(Word2vecWeights* model, Communicator* comm) {
  const double cpu_start = ThreadCpuSeconds();
  absl::Status s;
  {
    ScopedTimer timer(&stats_.seconds);
    merged_non_finite_ = true;  // unknown until a touched-rows merge has checked its rows
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
    const absl::Span<uint8_t> marks = matrix == 0 ? in_marks_ : out_marks_;
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
  if (precision_ == Precision::kInt16 && comm->size() > 1) {
    return ReduceRowsInt16(model, rows, comm);
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
  bool finite = true;
  for (int matrix = 0; matrix < 2; ++matrix) {
    float* x0 = matrix == 0 ? model->in_data() : model->out_data();
    float* s0 = matrix == 0 ? in_snapshot : out_snapshot;
    ForEachSetBit(merged_.data() + matrix * words, words, [&](int64_t r) {
      float* x = x0 + r * stride;
      float* s = s0 + r * stride;
      for (int d = 0; d < dim; ++d) {
        s[d] = x[d] = p[d] + s[d];
        finite &= std::fabs(x[d]) <= std::numeric_limits<float>::max();
      }
      p += dim;
    });
  }
  merged_non_finite_ = !finite;
  return absl::OkStatus();
}

absl::Status ReplicaSync::ReduceRowsInt16(Word2vecWeights* model, int64_t rows,
                                          Communicator* comm) {
  const int ranks = comm->size(), me = comm->rank();
  const int dim = model->dim();
  const int stride = model->stride();
  const size_t row_bytes = QuantizedRowBytes(dim);
  const int64_t v = model->rows();
  const size_t words = static_cast<size_t>((v + 63) / 64);
  // The union's rows in order (W's, then C's), as pointers to the model and the snapshot.
  std::vector<float*>& x_rows = x_rows_;
  std::vector<float*>& s_rows = s_rows_;
  x_rows.clear();
  s_rows.clear();
  for (int matrix = 0; matrix < 2; ++matrix) {
    float* x0 = matrix == 0 ? model->in_data() : model->out_data();
    float* s0 = matrix == 0 ? in_snapshot_.data() : out_snapshot_.data();
    ForEachSetBit(merged_.data() + matrix * words, words, [&](int64_t r) {
      x_rows.push_back(x0 + r * stride);
      s_rows.push_back(s0 + r * stride);
    });
  }
  auto begin = [&](int j) { return rows * j / ranks; };
  const int64_t own_begin = begin(me), own_rows = begin(me + 1) - own_begin;
  bool all_finite = true;
  std::vector<float>& delta = row_;  // one row, in cache
  delta.resize(dim);
  // Step 1 (reduce-scatter): this rank's deltas of segment j go to rank j.
  std::vector<std::string>& send = send_;
  std::vector<std::string>& received = received_;
  send.resize(ranks);
  for (int j = 0; j < ranks; ++j) {
    send[j].resize(j != me ? (begin(j + 1) - begin(j)) * row_bytes : 0);
    if (j == me) continue;
    char* out = send[j].data();
    for (int64_t k = begin(j); k < begin(j + 1); ++k, out += row_bytes) {
      const float* x = x_rows[k];
      const float* s = s_rows[k];
      for (int i = 0; i < dim; ++i) delta[i] = x[i] - s[i];
      QuantizeRow(delta.data(), dim, out);
    }
    stats_.bytes += static_cast<int64_t>(send[j].size());
  }
  {
    ScopedTimer timer(&stats_.collective_seconds);
    if (absl::Status s = comm->AllToAll(send, &received); !s.ok()) return s;
  }
  for (int j = 0; j < ranks; ++j) {
    if (j != me && received[j].size() != static_cast<size_t>(own_rows) * row_bytes) {
      return absl::InternalError("replica sync: ranks disagree on the rows to merge");
    }
  }
  // This rank's segment: the sum of the P contributions in rank order (its own exactly),
  // quantized for the others and applied here decoded, as the others will apply it.
  std::string& mine = mine_;
  mine.resize(static_cast<size_t>(own_rows) * row_bytes);
  for (int64_t k = 0; k < own_rows; ++k) {
    float* x = x_rows[own_begin + k];
    float* s = s_rows[own_begin + k];
    std::fill(delta.begin(), delta.end(), 0.0f);
    for (int j = 0; j < ranks; ++j) {
      if (j == me) {
        for (int i = 0; i < dim; ++i) delta[i] += x[i] - s[i];
      } else {
        AddDecodedRow(received[j].data() + k * row_bytes, dim, delta.data());
      }
    }
    char* q = mine.data() + k * row_bytes;
    QuantizeRow(delta.data(), dim, q);
    all_finite &= ApplyDecodedRow(q, dim, x, s);
  }
  // Step 2 (all-gather): every segment's quantized sum goes to every rank.
  for (int j = 0; j < ranks; ++j) {
    send[j].clear();
    if (j != me) {
      send[j] = mine;
      stats_.bytes += static_cast<int64_t>(mine.size());
    }
  }
  {
    ScopedTimer timer(&stats_.collective_seconds);
    if (absl::Status s = comm->AllToAll(send, &received); !s.ok()) return s;
  }
  for (int j = 0; j < ranks; ++j) {
    if (j != me && received[j].size() != static_cast<size_t>(begin(j + 1) - begin(j)) * row_bytes) {
      return absl::InternalError("replica sync: ranks disagree on the rows to merge");
    }
  }
  for (int j = 0; j < ranks; ++j) {
    if (j == me) continue;
    const char* in = received[j].data();
    for (int64_t k = begin(j); k < begin(j + 1); ++k, in += row_bytes) {
      all_finite &= ApplyDecodedRow(in, dim, x_rows[k], s_rows[k]);
    }
  }
  merged_non_finite_ = !all_finite;
  return absl::OkStatus();
}

}  // namespace wordmill
