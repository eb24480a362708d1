#include "embeddings/glove_shuffle.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "formats/cooccur_record.h"
#include "formats/record_file.h"

namespace wordmill {
namespace {

absl::Status CheckShardHeader(const RecordReader& reader, const ShuffleOptions& options) {
  const RecordFileHeader& h = reader.header();
  const std::string& path = reader.path();
  if (h.record_type() != kCooccurRecordType || h.record_size() != sizeof(CooccurRecord)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a co-occurrence shard (record type '", h.record_type(),
                     "', size ", h.record_size(), ")"));
  }
  auto checksum = h.metadata().find("vocab_checksum");
  const std::string expected = absl::StrFormat("%016x", options.vocab_checksum);
  if (checksum == h.metadata().end() || checksum->second != expected) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": built with another vocabulary (vocabulary checksum ",
                     checksum == h.metadata().end() ? "missing" : checksum->second, ", expected ",
                     expected, "); run `wordmill cooccur` again with this --vocab"));
  }
  return absl::OkStatus();
}

// Writes `n` records to a new raw file.
absl::Status WriteRaw(const std::string& path, const TrainingRecord* records, size_t n) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": cannot create: ", strerror(errno)));
  }
  const size_t written = std::fwrite(records, sizeof(TrainingRecord), n, file);
  const bool ok = written == n && std::fflush(file) == 0;
  const int error = errno;
  std::fclose(file);
  if (!ok) {
    return absl::ResourceExhaustedError(absl::StrCat(path, ": write failed: ", strerror(error)));
  }
  return absl::OkStatus();
}

class ChunkShuffler {
 public:
  ChunkShuffler(const ShuffleOptions& options, std::string output)
      : options_(options), output_(std::move(output)), rng_(options.seed) {
    chunk_.reserve(static_cast<size_t>(std::max<int64_t>(options.chunk_records, 1)));
  }
  ~ChunkShuffler() {
    std::error_code ignored;
    for (const std::string& p : chunks_) std::filesystem::remove(p, ignored);
  }

  absl::Status Add(const TrainingRecord& r) {
    chunk_.push_back(r);
    if (chunk_.size() == chunk_.capacity()) return SpillChunk();
    return absl::OkStatus();
  }

  absl::Status SpillChunk() {
    std::shuffle(chunk_.begin(), chunk_.end(), rng_);
    chunks_.push_back(absl::StrCat(output_, ".chunk-", chunks_.size()));
    absl::Status s = WriteRaw(chunks_.back(), chunk_.data(), chunk_.size());
    chunk_.clear();
    return s;
  }

  absl::Status Finish();

 private:
  absl::Status MergeChunks();

  ShuffleOptions options_;
  std::string output_;
  std::mt19937_64 rng_;
  std::vector<TrainingRecord> chunk_;
  std::vector<std::string> chunks_;
};

absl::Status ChunkShuffler::Finish() {
  if (chunks_.empty()) {  // everything fits in one chunk
    std::shuffle(chunk_.begin(), chunk_.end(), rng_);
    return WriteRaw(output_, chunk_.data(), chunk_.size());
  }
  if (!chunk_.empty()) {
    if (absl::Status s = SpillChunk(); !s.ok()) return s;
  }
  return MergeChunks();
}

absl::Status ChunkShuffler::MergeChunks() {
  std::vector<std::FILE*> files;
  auto close_all = [&] {
    for (std::FILE* f : files) std::fclose(f);
  };
  for (const std::string& p : chunks_) {
    files.push_back(std::fopen(p.c_str(), "rb"));
    if (files.back() == nullptr) {
      files.pop_back();
      close_all();
      return absl::InternalError(absl::StrCat(p, ": cannot reopen: ", strerror(errno)));
    }
  }
  std::FILE* out = std::fopen(output_.c_str(), "wb");
  absl::Status status;
  if (out == nullptr) {
    status = absl::FailedPreconditionError(absl::StrCat(output_, ": cannot create"));
  }
  const size_t per_file = std::max<size_t>(1, chunk_.capacity() / files.size());
  chunk_.resize(chunk_.capacity());
  bool any = true;
  while (status.ok() && any) {
    size_t n = 0;
    any = false;
    for (std::FILE* f : files) {
      const size_t got = std::fread(chunk_.data() + n, sizeof(TrainingRecord), per_file, f);
      n += got;
      any |= got > 0;
    }
    std::shuffle(chunk_.begin(), chunk_.begin() + n, rng_);
    if (std::fwrite(chunk_.data(), sizeof(TrainingRecord), n, out) != n) {
      status =
          absl::ResourceExhaustedError(absl::StrCat(output_, ": write failed: ", strerror(errno)));
    }
  }
  close_all();
  if (out != nullptr && std::fclose(out) != 0 && status.ok()) {
    status = absl::ResourceExhaustedError(absl::StrCat(output_, ": write failed"));
  }
  return status;
}

absl::Status ReadShard(const std::string& path, const ShuffleOptions& options,
                       ChunkShuffler* shuffler, ShuffleResult* result) {
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path);
  if (!reader.ok()) return reader.status();
  if (absl::Status s = CheckShardHeader(**reader, options); !s.ok()) return s;
  absl::string_view bytes;
  absl::StatusOr<bool> more;
  int64_t index = 0;
  while ((more = (*reader)->Next(&bytes)).ok() && *more) {
    const CooccurRecord r = RecordFromBytes(bytes);
    if (r.i < 0 || r.i >= options.vocab_size || r.j < 0 || r.j >= options.vocab_size ||
        !std::isfinite(r.x) || r.x <= 0) {
      return absl::DataLossError(
          absl::StrFormat("%s: record %d is invalid (i %d, j %d, x %g; vocabulary size %d)", path,
                          index, r.i, r.j, r.x, options.vocab_size));
    }
    const double f = r.x >= options.x_max ? 1.0 : std::pow(r.x / options.x_max, options.alpha);
    if (absl::Status s =
            shuffler->Add({r.i, r.j, static_cast<float>(std::log(r.x)), static_cast<float>(f)});
        !s.ok()) {
      return s;
    }
    ++index;
  }
  if (!more.ok()) return more.status();
  result->records += index;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> FindCooccurShards(const std::string& dir) {
  static const std::regex kName(R"(cooccur-(\d{5})-of-(\d{5})\.wmrec)");
  std::map<int, std::string> found;
  int ranks = -1;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, m, kName)) continue;
    const int n = std::stoi(m[2].str());
    if (ranks != -1 && n != ranks) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, ": co-occurrence shards of two runs (of ", ranks, " and of ", n, " ranks)"));
    }
    ranks = n;
    found[std::stoi(m[1].str())] = entry.path().string();
  }
  if (error) return absl::NotFoundError(absl::StrCat(dir, ": cannot list: ", error.message()));
  if (ranks <= 0) {
    return absl::NotFoundError(absl::StrCat(dir, ": no co-occurrence shards (cooccur-*.wmrec)"));
  }
  std::vector<std::string> shards;
  for (int r = 0; r < ranks; ++r) {
    auto it = found.find(r);
    if (it == found.end()) {
      return absl::NotFoundError(
          absl::StrFormat("%s: shard %05d of %05d is missing", dir, r, ranks));
    }
    shards.push_back(it->second);
  }
  return shards;
}

absl::StatusOr<ShuffleResult> ShuffleCooccurrences(const std::vector<std::string>& shards,
                                                   const ShuffleOptions& options,
                                                   const std::string& output) {
  ShuffleResult result;
  ChunkShuffler shuffler(options, output);
  for (const std::string& path : shards) {
    if (absl::Status s = ReadShard(path, options, &shuffler, &result); !s.ok()) return s;
  }
  if (absl::Status s = shuffler.Finish(); !s.ok()) return s;
  return result;
}

}  // namespace wordmill
