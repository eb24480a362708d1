#include "embeddings/word2vec_checkpoint.h"

#include <xxhash.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "embeddings/word2vec_trainer.h"
#include "formats/atomic_file.h"

namespace wordmill {
namespace {

constexpr char kMagic[8] = {'W', 'M', 'S', 'G', 'N', 'S', 'C', 'K'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8 + 8 + 8 + 4 + 4;

template <typename T>
void Append(T value, std::string* out) {
  out->append(reinterpret_cast<const char*>(&value), sizeof(T));
}
template <typename T>
T Load(const std::string& data, size_t offset) {
  T value;
  std::memcpy(&value, data.data() + offset, sizeof(T));
  return value;
}

}  // namespace

std::string Word2vecCheckpointPath(const std::string& output_dir) {
  return absl::StrCat(output_dir, "/checkpoint/model.ckpt");
}

uint64_t SgnsSpecFingerprint(const SgnsSpec& spec) {
  const std::string text =
      absl::StrCat(spec.model(), "/", spec.loss(), "/", spec.update(), "/", spec.dim(), "/",
                   spec.window(), "/", spec.negative(), "/", spec.sample(), "/", spec.epochs(), "/",
                   ResolveAlpha(spec), "/", spec.seed());
  return XXH3_64bits(text.data(), text.size());
}

absl::Status WriteWord2vecCheckpoint(const std::string& path, const Word2vecWeights& weights,
                                     uint64_t vocab_checksum, uint64_t spec_fingerprint,
                                     int epochs_done) {
  std::string header(kMagic, sizeof(kMagic));
  Append<uint32_t>(kVersion, &header);
  Append<uint32_t>(weights.dim(), &header);
  Append<uint64_t>(weights.rows(), &header);
  Append<uint64_t>(vocab_checksum, &header);
  Append<uint64_t>(spec_fingerprint, &header);
  Append<uint32_t>(epochs_done, &header);
  Append<uint32_t>(0, &header);
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Open(path);
  if (!writer.ok()) return writer.status();
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  auto write = [&](const void* data, size_t n) {
    XXH3_64bits_update(state, data, n);
    return (*writer)->Write(absl::string_view(static_cast<const char*>(data), n));
  };
  absl::Status status = write(header.data(), header.size());
  for (int matrix = 0; matrix < 2 && status.ok(); ++matrix) {
    for (int64_t w = 0; w < weights.rows() && status.ok(); ++w) {
      status = write(matrix == 0 ? weights.in(w) : weights.out(w), weights.dim() * sizeof(float));
    }
  }
  std::string trailer;
  Append<uint64_t>(XXH3_64bits_digest(state), &trailer);
  XXH3_freeState(state);
  if (status.ok()) status = (*writer)->Write(trailer);
  if (status.ok()) status = (*writer)->Commit();
  return status;
}

absl::StatusOr<int> ReadWord2vecCheckpoint(const std::string& path, uint64_t vocab_checksum,
                                           uint64_t spec_fingerprint, Word2vecWeights* weights) {
  absl::StatusOr<std::string> data = ReadFileToString(path);
  if (!data.ok()) return data.status();
  auto corrupt = [&](const std::string& what) {
    return absl::DataLossError(
        absl::StrCat(path, ": corrupt checkpoint (", what, "); delete it or run without --resume"));
  };
  if (data->size() < kHeaderBytes + 8 || std::memcmp(data->data(), kMagic, 8) != 0) {
    return corrupt("not a wordmill sgns checkpoint or truncated header");
  }
  const size_t body = data->size() - 8;
  if (XXH3_64bits(data->data(), body) != Load<uint64_t>(*data, body)) {
    return corrupt("checksum mismatch: damaged or truncated");
  }
  if (Load<uint32_t>(*data, 8) != kVersion) return corrupt("unknown version");
  const uint32_t dim = Load<uint32_t>(*data, 12);
  const uint64_t rows = Load<uint64_t>(*data, 16);
  if (Load<uint64_t>(*data, 24) != vocab_checksum ||
      rows != static_cast<uint64_t>(weights->rows())) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the checkpoint was trained with another vocabulary"));
  }
  if (Load<uint64_t>(*data, 32) != spec_fingerprint ||
      dim != static_cast<uint32_t>(weights->dim())) {
    return absl::FailedPreconditionError(
        absl::StrCat(path,
                     ": the checkpoint was trained with other settings (model, loss, update, dim, "
                     "window, negative, sample, epochs, alpha or seed differ)"));
  }
  const uint32_t epochs_done = Load<uint32_t>(*data, 40);
  if (body != kHeaderBytes + 2 * rows * dim * sizeof(float)) return corrupt("wrong size");
  const char* p = data->data() + kHeaderBytes;
  for (int matrix = 0; matrix < 2; ++matrix) {
    for (uint64_t w = 0; w < rows; ++w, p += dim * sizeof(float)) {
      std::memcpy(matrix == 0 ? weights->in(w) : weights->out(w), p, dim * sizeof(float));
    }
  }
  return static_cast<int>(epochs_done);
}

}  // namespace wordmill
