#include "formats/id_shard.h"

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace wordmill {
namespace {

void PutU32(std::string* out, uint32_t v) {
  char bytes[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                   static_cast<char>(v >> 24)};
  out->append(bytes, 4);
}

uint32_t GetU32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

bool MetadataInt(const RecordFileHeader& header, const std::string& key, int64_t* value) {
  auto it = header.metadata().find(key);
  return it != header.metadata().end() && absl::SimpleAtoi(it->second, value);
}

}  // namespace

std::string IdShardPath(const std::string& dir, int rank, int ranks) {
  return absl::StrFormat("%s/ids-%05d-of-%05d.wmrec", dir, rank, ranks);
}

absl::StatusOr<std::unique_ptr<IdShardWriter>> IdShardWriter::Open(
    const std::string& path, uint64_t vocab_checksum, int64_t vocab_size, int rank, int ranks,
    const std::string& spec_type, const std::string& spec_text) {
  RecordWriterOptions options;
  options.record_type = kIdParagraphType;
  options.spec_type = spec_type;
  options.spec_text = spec_text;
  options.metadata["vocab_checksum"] = absl::StrFormat("%016x", vocab_checksum);
  options.metadata["vocab_size"] = absl::StrCat(vocab_size);
  options.metadata["rank"] = absl::StrCat(rank);
  options.metadata["ranks"] = absl::StrCat(ranks);
  absl::StatusOr<std::unique_ptr<RecordWriter>> writer = RecordWriter::Open(path, options);
  if (!writer.ok()) return writer.status();
  auto result = std::unique_ptr<IdShardWriter>(new IdShardWriter());
  result->writer_ = *std::move(writer);
  return result;
}

absl::Status IdShardWriter::Add(const uint32_t* ids, size_t n, bool starts_document) {
  buffer_.clear();
  PutU32(&buffer_, starts_document ? 1u : 0u);
  for (size_t i = 0; i < n; ++i) PutU32(&buffer_, ids[i]);
  tokens_ += static_cast<int64_t>(n);
  return writer_->Append(buffer_);
}

absl::Status IdShardWriter::Close() { return writer_->Close(); }

absl::StatusOr<std::unique_ptr<IdShardReader>> IdShardReader::Open(const std::string& path,
                                                                   uint64_t expected_checksum) {
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path);
  if (!reader.ok()) return reader.status();
  const RecordFileHeader& header = (*reader)->header();
  if (header.record_type() != kIdParagraphType) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not an id shard (record type '", header.record_type(), "')"));
  }
  auto result = std::unique_ptr<IdShardReader>(new IdShardReader());
  result->path_ = path;
  auto checksum = header.metadata().find("vocab_checksum");
  if (checksum == header.metadata().end() ||
      !absl::SimpleHexAtoi(checksum->second, &result->info_.vocab_checksum) ||
      !MetadataInt(header, "vocab_size", &result->info_.vocab_size)) {
    return absl::DataLossError(absl::StrCat(path, ": id shard header lacks its vocabulary"));
  }
  if (expected_checksum != 0 && result->info_.vocab_checksum != expected_checksum) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: built with another vocabulary (checksum %016x, expected %016x)", path,
                        result->info_.vocab_checksum, expected_checksum));
  }
  result->info_.paragraphs = static_cast<int64_t>(header.record_count());
  result->reader_ = *std::move(reader);
  return result;
}

absl::StatusOr<bool> IdShardReader::Next(std::vector<uint32_t>* ids, bool* starts_document) {
  absl::string_view record;
  absl::StatusOr<bool> more = reader_->Next(&record);
  if (!more.ok() || !*more) return more;
  if (record.size() < 4 || record.size() % 4 != 0) {
    return absl::DataLossError(
        absl::StrCat(path_, ": malformed id record of ", record.size(), " bytes"));
  }
  *starts_document = (GetU32(record.data()) & 1u) != 0;
  const size_t n = record.size() / 4 - 1;
  ids->resize(n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t id = GetU32(record.data() + 4 * (i + 1));
    if (id >= static_cast<uint64_t>(info_.vocab_size)) {
      return absl::DataLossError(absl::StrCat(path_, ": id ", id, " outside the vocabulary of ",
                                              info_.vocab_size, " words"));
    }
    (*ids)[i] = id;
  }
  return true;
}

}  // namespace wordmill
