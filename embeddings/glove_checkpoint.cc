#include "embeddings/glove_checkpoint.h"

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "formats/record_file.h"

namespace wordmill {
namespace {

constexpr char kRecordType[] = "wordmill.GloveCheckpointRow";

absl::Status CheckHeader(const std::string& path, const RecordFileHeader& h,
                         uint64_t vocab_checksum, const GloveParams& params,
                         GloveCheckpointInfo* info) {
  auto get = [&](const std::string& key) -> std::string {
    auto it = h.metadata().find(key);
    return it == h.metadata().end() ? std::string() : it->second;
  };
  if (h.record_type() != kRecordType) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a GloVe checkpoint (record type '", h.record_type(), "')"));
  }
  const std::string expected = absl::StrFormat("%016x", vocab_checksum);
  int64_t dim = 0, vocab_size = 0;
  if (get("vocab_checksum") != expected || !absl::SimpleAtoi(get("vocab_size"), &vocab_size) ||
      vocab_size != params.vocab_size) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": checkpoint of another vocabulary (checksum ", get("vocab_checksum"),
                     ", expected ", expected, ")"));
  }
  if (!absl::SimpleAtoi(get("dim"), &dim) || dim != params.dim) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": checkpoint has dimension ", get("dim"), ", this run ", params.dim));
  }
  if (h.record_size() != 2 * params.stride() * sizeof(float) ||
      static_cast<int64_t>(h.record_count()) != 2 * params.vocab_size) {
    return absl::DataLossError(absl::StrCat(path, ": checkpoint rows do not match its header"));
  }
  if (!absl::SimpleAtoi(get("epochs_done"), &info->epochs_done) || info->epochs_done < 0) {
    return absl::DataLossError(absl::StrCat(path, ": bad epochs_done '", get("epochs_done"), "'"));
  }
  if (!absl::SimpleAtod(get("cost"), &info->cost)) {
    return absl::DataLossError(absl::StrCat(path, ": bad cost '", get("cost"), "'"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string GloveCheckpointPath(const std::string& output_dir) {
  return output_dir + "/glove-checkpoint.wmrec";
}

absl::Status WriteGloveCheckpoint(const std::string& path, const GloveParams& params,
                                  uint64_t vocab_checksum, int epochs_done, double cost,
                                  const std::string& spec_text) {
  RecordWriterOptions options;
  options.record_type = kRecordType;
  const size_t row_bytes = params.stride() * sizeof(float);
  options.record_size = static_cast<uint32_t>(2 * row_bytes);
  options.spec_type = "wordmill.GloveCommand";
  options.spec_text = spec_text;
  options.zstd_level = 1;
  options.metadata["epochs_done"] = absl::StrCat(epochs_done);
  options.metadata["dim"] = absl::StrCat(params.dim);
  options.metadata["vocab_size"] = absl::StrCat(params.vocab_size);
  options.metadata["vocab_checksum"] = absl::StrFormat("%016x", vocab_checksum);
  options.metadata["cost"] = absl::StrFormat("%.17g", cost);
  absl::StatusOr<std::unique_ptr<RecordWriter>> writer = RecordWriter::Open(path, options);
  if (!writer.ok()) return writer.status();
  std::string row(2 * row_bytes, '\0');
  for (int64_t r = 0; r < 2 * params.vocab_size; ++r) {
    std::memcpy(row.data(), params.values.data() + r * params.stride(), row_bytes);
    std::memcpy(row.data() + row_bytes, params.gradsq.data() + r * params.stride(), row_bytes);
    if (absl::Status s = (*writer)->Append(row); !s.ok()) return s;
  }
  return (*writer)->Close();
}

absl::StatusOr<GloveCheckpointInfo> ReadGloveCheckpoint(const std::string& path,
                                                        uint64_t vocab_checksum,
                                                        GloveParams* params) {
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path);
  if (!reader.ok()) return reader.status();
  GloveCheckpointInfo info;
  if (absl::Status s = CheckHeader(path, (*reader)->header(), vocab_checksum, *params, &info);
      !s.ok()) {
    return s;
  }
  const size_t row_bytes = params->stride() * sizeof(float);
  absl::string_view row;
  int64_t r = 0;
  absl::StatusOr<bool> more;
  while ((more = (*reader)->Next(&row)).ok() && *more) {
    if (r >= 2 * params->vocab_size || row.size() != 2 * row_bytes) {
      return absl::DataLossError(absl::StrCat(path, ": unexpected row ", r));
    }
    std::memcpy(params->values.data() + r * params->stride(), row.data(), row_bytes);
    std::memcpy(params->gradsq.data() + r * params->stride(), row.data() + row_bytes, row_bytes);
    ++r;
  }
  if (!more.ok()) return more.status();
  return info;
}

}  // namespace wordmill
