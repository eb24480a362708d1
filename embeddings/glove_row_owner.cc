#include "embeddings/glove_row_owner.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "embeddings/glove_replica_sync.h"

namespace wordmill {
namespace {

constexpr size_t kChunkRecords = 1 << 16;

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

absl::Status SplitByColumnBlock(const std::string& train_path, int blocks, int64_t vocab_size,
                                ColumnBlocks* out) {
  out->paths.clear();
  out->records.assign(blocks, 0);
  out->word_rows.assign(static_cast<size_t>(vocab_size), 0);
  File in(std::fopen(train_path.c_str(), "rb"));
  if (in == nullptr) {
    return absl::InternalError(absl::StrCat(train_path, ": cannot open: ", strerror(errno)));
  }
  std::vector<File> files;
  for (int c = 0; c < blocks; ++c) {
    out->paths.push_back(absl::StrCat(train_path, ".block-", c));
    files.emplace_back(std::fopen(out->paths.back().c_str(), "wb"));
    if (files.back() == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(out->paths.back(), ": cannot create: ", strerror(errno)));
    }
  }
  std::vector<TrainingRecord> chunk(kChunkRecords);
  std::vector<std::vector<TrainingRecord>> parts(blocks);
  size_t got = 0;
  while ((got = std::fread(chunk.data(), sizeof(TrainingRecord), chunk.size(), in.get())) > 0) {
    for (auto& part : parts) part.clear();
    for (size_t k = 0; k < got; ++k) {
      const TrainingRecord& r = chunk[k];
      out->word_rows[r.i] = 1;
      parts[r.j % blocks].push_back(r);
    }
    for (int c = 0; c < blocks; ++c) {
      if (std::fwrite(parts[c].data(), sizeof(TrainingRecord), parts[c].size(), files[c].get()) !=
          parts[c].size()) {
        return absl::ResourceExhaustedError(
            absl::StrCat(out->paths[c], ": write failed: ", strerror(errno)));
      }
      out->records[c] += static_cast<int64_t>(parts[c].size());
    }
  }
  if (std::ferror(in.get())) return absl::DataLossError(absl::StrCat(train_path, ": read error"));
  for (int c = 0; c < blocks; ++c) {
    if (std::fclose(files[c].release()) != 0) {
      return absl::ResourceExhaustedError(absl::StrCat(out->paths[c], ": write failed"));
    }
  }
  return absl::OkStatus();
}

absl::Status PassContextBlock(int block, GloveParams* params, Communicator* comm) {
  const int size = comm->size();
  if (size == 1) return absl::OkStatus();
  const int64_t stride = params->stride();
  const size_t row_bytes = static_cast<size_t>(stride) * sizeof(float);
  std::vector<std::string> send(size), recv;
  std::string& out = send[(comm->rank() + size - 1) % size];
  for (int64_t j = block; j < params->vocab_size; j += size) {
    const size_t at = static_cast<size_t>((params->vocab_size + j) * stride);
    out.append(reinterpret_cast<const char*>(params->values.data() + at), row_bytes);
    out.append(reinterpret_cast<const char*>(params->gradsq.data() + at), row_bytes);
  }
  if (absl::Status s = comm->AllToAll(send, &recv); !s.ok()) return s;
  const int next = (block + 1) % size;
  const std::string& in = recv[(comm->rank() + 1) % size];
  const size_t rows = params->vocab_size > next
                          ? static_cast<size_t>((params->vocab_size - next + size - 1) / size)
                          : 0;
  if (in.size() != rows * 2 * row_bytes) {
    return absl::InternalError(absl::StrCat("GloVe context block ", next, ": received ", in.size(),
                                            " bytes, expected ", rows * 2 * row_bytes));
  }
  const char* p = in.data();
  for (int64_t j = next; j < params->vocab_size; j += size) {
    const size_t at = static_cast<size_t>((params->vocab_size + j) * stride);
    std::memcpy(params->values.data() + at, p, row_bytes);
    std::memcpy(params->gradsq.data() + at, p + row_bytes, row_bytes);
    p += 2 * row_bytes;
  }
  return absl::OkStatus();
}

absl::Status AssembleOwnedRows(const std::vector<uint8_t>& word_rows, GloveParams* params,
                               std::vector<float>* snap_values, std::vector<float>* snap_gradsq,
                               Communicator* comm) {
  const int64_t v = params->vocab_size;
  const int64_t stride = params->stride();
  std::vector<float> owners(static_cast<size_t>(v));
  for (int64_t i = 0; i < v; ++i) owners[i] = word_rows[i] ? 1.0f : 0.0f;
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(owners), ReduceOp::kSum); !s.ok()) return s;
  for (int64_t i = 0; i < v; ++i) {
    if (owners[i] > 1.5f) {
      return absl::FailedPreconditionError(
          absl::StrCat("GloVe row-owner training: word row ", i, " is in the records of ",
                       owners[i], " ranks (the co-occurrence shards must be split by row)"));
    }
  }
  // Each rank's changes since the snapshot, on the rows it owns only.
  for (std::vector<float>* part : {&params->values, &params->gradsq}) {
    std::vector<float>& snap = part == &params->values ? *snap_values : *snap_gradsq;
    std::vector<float> delta(part->size(), 0.0f);
    for (int64_t row = 0; row < 2 * v; ++row) {
      const bool mine = row < v ? word_rows[row] != 0 : (row - v) % comm->size() == comm->rank();
      if (!mine) continue;
      for (int64_t k = row * stride; k < (row + 1) * stride; ++k) delta[k] = (*part)[k] - snap[k];
    }
    if (absl::Status s = AllReduceFloatSum(delta.data(), delta.size(), comm); !s.ok()) return s;
    for (size_t k = 0; k < delta.size(); ++k) {
      snap[k] += delta[k];
      (*part)[k] = snap[k];
    }
  }
  return absl::OkStatus();
}

}  // namespace wordmill
