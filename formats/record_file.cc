#include "formats/record_file.h"

#include <sys/stat.h>
#include <xxhash.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace wordmill {
namespace {

constexpr char kFileMagic[] = "WMRECv1\n";
constexpr size_t kFileMagicBytes = 8;
constexpr uint32_t kBlockMagic = 0x4B4C4257;  // "WBLK" little-endian
constexpr uint32_t kEndMagic = 0x444E4557;    // "WEND" little-endian
// magic, stored_size, raw_size, records (u32 each) and the payload hash (u64).
constexpr size_t kBlockHeaderBytes = 24;
constexpr size_t kEndMarkerBytes = 12;
constexpr size_t kHashBytes = 8;
// Limits a reader trusts before allocating: a corrupt size field must produce an error, not a
// multi-gigabyte allocation. The writer never produces anything larger.
constexpr uint32_t kMaxHeaderBytes = 64u << 20;
constexpr uint32_t kMaxBlockBytes = 1u << 30;
// The longest varint of a 64-bit value.
constexpr size_t kMaxVarintBytes = 10;

void AppendU32(uint32_t value, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void AppendU64(uint64_t value, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint32_t LoadU32(const char* p) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}

uint64_t LoadU64(const char* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

size_t VarintBytes(uint64_t value) {
  size_t bytes = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++bytes;
  }
  return bytes;
}

// Decodes a varint at data[*pos] without reading past `size`; false if it is cut off or
// longer than any 64-bit varint.
bool DecodeVarint(const char* data, size_t size, size_t* pos, uint64_t* value) {
  uint64_t result = 0;
  for (size_t i = 0; i < kMaxVarintBytes && *pos + i < size; ++i) {
    uint64_t byte = static_cast<unsigned char>(data[*pos + i]);
    result |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *pos += i + 1;
      *value = result;
      return true;
    }
  }
  return false;
}

absl::Status OpenError(int err, const std::string& path) {
  std::string message = absl::StrCat(path, ": cannot open: ", std::strerror(err));
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RecordWriter
// ---------------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<RecordWriter>> RecordWriter::Open(
    const std::string& path, const RecordWriterOptions& options) {
  if (options.block_bytes == 0 || options.block_bytes > kMaxBlockBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": block_bytes must be in [1, ", kMaxBlockBytes, "]"));
  }
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> file = AtomicFileWriter::Open(path);
  if (!file.ok()) return file.status();
  std::unique_ptr<RecordWriter> writer(new RecordWriter);
  writer->file_ = std::move(*file);
  writer->options_ = options;
  writer->cctx_ = ZSTD_createCCtx();
  if (writer->cctx_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(path, ": cannot create a zstd context"));
  }
  RecordFileHeader& header = writer->header_;
  header.set_format_version(kRecordFormatVersion);
  header.set_record_type(options.record_type);
  // Set explicitly so that both fixed64 fields are serialized now and the header keeps its
  // size when Close() fills in the real counts.
  header.set_record_count(0);
  header.set_block_count(0);
  header.set_record_size(options.record_size);
  header.set_spec_type(options.spec_type);
  header.set_spec_text(options.spec_text);
  header.mutable_metadata()->insert(options.metadata.begin(), options.metadata.end());

  std::string serialized = writer->SerializeHeader();
  if (serialized.size() > kMaxHeaderBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": header of ", serialized.size(), " bytes exceeds the limit of ", kMaxHeaderBytes));
  }
  writer->header_size_ = serialized.size();
  std::string prefix(kFileMagic, kFileMagicBytes);
  AppendU32(static_cast<uint32_t>(serialized.size()), &prefix);
  writer->header_offset_ = static_cast<int64_t>(prefix.size());
  AppendU64(XXH3_64bits(serialized.data(), serialized.size()), &serialized);
  if (absl::Status s = writer->file_->Write(prefix); !s.ok()) return s;
  if (absl::Status s = writer->file_->Write(serialized); !s.ok()) return s;
  return writer;
}

RecordWriter::~RecordWriter() { ZSTD_freeCCtx(cctx_); }

// Deterministic so that the same spec and metadata always give the same bytes (map order).
std::string RecordWriter::SerializeHeader() const {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    header_.SerializeToCodedStream(&coded);
  }
  return out;
}

absl::Status RecordWriter::Append(absl::string_view record) {
  if (closed_) {
    return absl::FailedPreconditionError(absl::StrCat(file_->path(), ": append after Close()"));
  }
  size_t needed = record.size();
  if (options_.record_size > 0) {
    if (record.size() != options_.record_size) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_->path(), ": record ", record_count_, " has ", record.size(),
                       " bytes; this file holds ", options_.record_size, "-byte records"));
    }
  } else {
    needed += VarintBytes(record.size());
  }
  if (needed > kMaxBlockBytes) {
    return absl::InvalidArgumentError(absl::StrCat(file_->path(), ": record ", record_count_,
                                                   " of ", record.size(),
                                                   " bytes exceeds the block limit"));
  }
  // A block never exceeds the limit readers accept, even when one record is huge.
  if (block_.size() + needed > kMaxBlockBytes) {
    if (absl::Status status = FlushBlock(); !status.ok()) return status;
  }
  if (options_.record_size == 0) AppendVarint(record.size(), &block_);
  block_.append(record.data(), record.size());
  ++block_records_;
  ++record_count_;
  if (block_.size() >= options_.block_bytes) return FlushBlock();
  return absl::OkStatus();
}

absl::Status RecordWriter::FlushBlock() {
  if (block_records_ == 0) return absl::OkStatus();
  compressed_.resize(ZSTD_compressBound(block_.size()));
  size_t stored = ZSTD_compressCCtx(cctx_, compressed_.data(), compressed_.size(), block_.data(),
                                    block_.size(), options_.zstd_level);
  if (ZSTD_isError(stored)) {
    return absl::InternalError(absl::StrCat(file_->path(), ": zstd compression of block ",
                                            block_count_, " failed: ", ZSTD_getErrorName(stored)));
  }
  std::string block_header;
  block_header.reserve(kBlockHeaderBytes);
  AppendU32(kBlockMagic, &block_header);
  AppendU32(static_cast<uint32_t>(stored), &block_header);
  AppendU32(static_cast<uint32_t>(block_.size()), &block_header);
  AppendU32(block_records_, &block_header);
  AppendU64(XXH3_64bits(compressed_.data(), stored), &block_header);
  if (absl::Status s = file_->Write(block_header); !s.ok()) return s;
  if (absl::Status s = file_->Write(absl::string_view(compressed_.data(), stored)); !s.ok()) {
    return s;
  }
  ++block_count_;
  block_.clear();
  block_records_ = 0;
  return absl::OkStatus();
}

absl::Status RecordWriter::Close() {
  if (closed_) {
    return absl::FailedPreconditionError(absl::StrCat(file_->path(), ": closed twice"));
  }
  closed_ = true;
  if (absl::Status status = FlushBlock(); !status.ok()) return status;
  std::string end;
  AppendU32(kEndMagic, &end);
  AppendU64(static_cast<uint64_t>(record_count_), &end);
  if (absl::Status status = file_->Write(end); !status.ok()) return status;

  header_.set_record_count(static_cast<uint64_t>(record_count_));
  header_.set_block_count(static_cast<uint64_t>(block_count_));
  std::string serialized = SerializeHeader();
  if (serialized.size() != header_size_) {
    return absl::InternalError(absl::StrCat(file_->path(), ": header changed size from ",
                                            header_size_, " to ", serialized.size(),
                                            " bytes when rewriting its counts"));
  }
  AppendU64(XXH3_64bits(serialized.data(), serialized.size()), &serialized);
  if (absl::Status status = file_->WriteAt(header_offset_, serialized); !status.ok()) {
    return status;
  }
  return file_->Commit();
}

// ---------------------------------------------------------------------------------------------
// RecordReader
// ---------------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<RecordReader>> RecordReader::Open(const std::string& path) {
  std::unique_ptr<RecordReader> reader(new RecordReader);
  reader->path_ = path;
  reader->file_ = std::fopen(path.c_str(), "rb");
  if (reader->file_ == nullptr) return OpenError(errno, path);
  struct stat info;
  if (::fstat(fileno(reader->file_), &info) != 0) return OpenError(errno, path);
  if (!S_ISREG(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  reader->file_size_ = static_cast<int64_t>(info.st_size);
  reader->dctx_ = ZSTD_createDCtx();
  if (reader->dctx_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(path, ": cannot create a zstd context"));
  }
  if (absl::Status status = reader->ReadHeader(); !status.ok()) return status;
  return reader;
}

RecordReader::~RecordReader() {
  if (file_ != nullptr) std::fclose(file_);
  ZSTD_freeDCtx(dctx_);
}

bool RecordReader::ReadExactly(size_t size, std::string* out) {
  out->resize(size);
  size_t n = size == 0 ? 0 : std::fread(out->data(), 1, size, file_);
  offset_ += static_cast<int64_t>(n);
  return n == size;
}

absl::Status RecordReader::HeaderCorrupt(const std::string& what) const {
  return absl::DataLossError(absl::StrCat(path_, ": header: ", what));
}

absl::Status RecordReader::Corrupt(const std::string& what) const {
  return absl::DataLossError(absl::StrFormat("%s: block %d at byte offset %d: %s", path_,
                                             block_index_, block_offset_, what));
}

absl::Status RecordReader::ReadHeader() {
  const size_t prefix_bytes = kFileMagicBytes + 4;
  if (file_size_ < static_cast<int64_t>(prefix_bytes + kHashBytes)) {
    return HeaderCorrupt(
        absl::StrCat("file is ", file_size_, " bytes, too short for a record file header"));
  }
  if (!ReadExactly(prefix_bytes, &stored_)) return HeaderCorrupt("short read");
  if (std::memcmp(stored_.data(), kFileMagic, kFileMagicBytes) != 0) {
    return HeaderCorrupt("bad magic: not a wordmill record file");
  }
  uint32_t header_size = LoadU32(stored_.data() + kFileMagicBytes);
  if (header_size > kMaxHeaderBytes) {
    return HeaderCorrupt(absl::StrCat("header size ", header_size, " exceeds the limit of ",
                                      kMaxHeaderBytes, " bytes"));
  }
  if (static_cast<int64_t>(prefix_bytes + header_size + kHashBytes) > file_size_) {
    return HeaderCorrupt(absl::StrCat("header size ", header_size, " does not fit in the ",
                                      file_size_, "-byte file"));
  }
  if (!ReadExactly(header_size + kHashBytes, &stored_)) return HeaderCorrupt("short read");
  uint64_t expected = LoadU64(stored_.data() + header_size);
  if (XXH3_64bits(stored_.data(), header_size) != expected) {
    return HeaderCorrupt("hash mismatch");
  }
  if (!header_.ParseFromArray(stored_.data(), static_cast<int>(header_size))) {
    return HeaderCorrupt("does not parse as a RecordFileHeader");
  }
  if (header_.format_version() != kRecordFormatVersion) {
    return HeaderCorrupt(absl::StrCat("format version ", header_.format_version(),
                                      " is not supported (this build reads version ",
                                      kRecordFormatVersion, ")"));
  }
  if (!header_.has_record_count() || !header_.has_block_count()) {
    return HeaderCorrupt("record_count or block_count is missing");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RecordReader::Next(absl::string_view* record) {
  if (!error_.ok()) return error_;
  while (block_records_left_ == 0) {
    if (done_) return false;
    bool end = false;
    error_ = ReadBlock(&end);
    if (!error_.ok()) return error_;
    if (end) {
      done_ = true;
      return false;
    }
  }
  // CheckBlockRecords() has validated every length in the block, so no bounds checks here.
  size_t size = header_.record_size();
  if (size == 0) {
    uint64_t length = 0;
    DecodeVarint(block_.data(), block_.size(), &block_pos_, &length);
    size = static_cast<size_t>(length);
  }
  *record = absl::string_view(block_.data() + block_pos_, size);
  block_pos_ += size;
  --block_records_left_;
  ++records_read_;
  return true;
}

absl::Status RecordReader::ReadBlock(bool* end) {
  ++block_index_;
  block_offset_ = offset_;
  int64_t remaining = file_size_ - offset_;
  if (remaining < 4) {
    return Corrupt(absl::StrCat("truncated: ", remaining,
                                " bytes left where a block or the end marker should start"));
  }
  if (!ReadExactly(4, &stored_)) return Corrupt("truncated: short read");
  uint32_t magic = LoadU32(stored_.data());
  if (magic == kEndMagic) {
    *end = true;
    return ReadEndMarker();
  }
  if (magic != kBlockMagic) return Corrupt(absl::StrFormat("bad block magic 0x%08x", magic));
  if (remaining < static_cast<int64_t>(kBlockHeaderBytes)) return Corrupt("truncated header");
  if (!ReadExactly(kBlockHeaderBytes - 4, &stored_)) return Corrupt("truncated: short read");
  uint32_t stored_size = LoadU32(stored_.data());
  uint32_t raw_size = LoadU32(stored_.data() + 4);
  uint32_t records = LoadU32(stored_.data() + 8);
  uint64_t hash = LoadU64(stored_.data() + 12);
  if (block_index_ >= static_cast<int64_t>(header_.block_count())) {
    return Corrupt(absl::StrCat("beyond the header's block_count of ", header_.block_count()));
  }
  remaining -= kBlockHeaderBytes;
  if (stored_size > remaining || stored_size > ZSTD_compressBound(kMaxBlockBytes)) {
    return Corrupt(absl::StrCat("stored size ", stored_size, " exceeds the ", remaining,
                                " bytes left in the file"));
  }
  if (raw_size > kMaxBlockBytes) {
    return Corrupt(absl::StrCat("raw size ", raw_size, " exceeds the limit of ", kMaxBlockBytes));
  }
  // Every record takes at least one byte (its length varint or its fixed size).
  if (records == 0 || records > raw_size) {
    return Corrupt(absl::StrCat(records, " records cannot fill ", raw_size, " bytes"));
  }
  if (!ReadExactly(stored_size, &stored_)) return Corrupt("truncated payload");
  if (XXH3_64bits(stored_.data(), stored_.size()) != hash) return Corrupt("payload hash mismatch");
  // The frame's own content size is covered by the hash; checking it before allocating keeps a
  // corrupt raw_size from costing a gigabyte.
  unsigned long long content = ZSTD_getFrameContentSize(stored_.data(), stored_.size());
  if (content != raw_size) {
    return Corrupt(absl::StrCat("zstd frame does not hold the ", raw_size, " raw bytes declared"));
  }
  block_.resize(raw_size);
  size_t n =
      ZSTD_decompressDCtx(dctx_, block_.data(), block_.size(), stored_.data(), stored_.size());
  if (ZSTD_isError(n)) return Corrupt(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
  if (n != raw_size) {
    return Corrupt(absl::StrCat("decompressed to ", n, " bytes instead of ", raw_size));
  }
  block_pos_ = 0;
  block_records_left_ = records;
  return CheckBlockRecords();
}

// Validates the record boundaries of the whole block up front, so that a corrupt block yields
// an error before any of its records is handed out.
absl::Status RecordReader::CheckBlockRecords() {
  const uint64_t records = block_records_left_;
  if (header_.record_size() > 0) {
    if (records * header_.record_size() != block_.size()) {
      return Corrupt(absl::StrCat(records, " records of ", header_.record_size(),
                                  " bytes do not fill ", block_.size(), " bytes"));
    }
    return absl::OkStatus();
  }
  size_t pos = 0;
  for (uint64_t i = 0; i < records; ++i) {
    uint64_t length = 0;
    if (!DecodeVarint(block_.data(), block_.size(), &pos, &length)) {
      return Corrupt(absl::StrCat("record ", i, ": bad length varint"));
    }
    if (length > block_.size() - pos) {
      return Corrupt(absl::StrCat("record ", i, ": length ", length, " runs past the block end"));
    }
    pos += static_cast<size_t>(length);
  }
  if (pos != block_.size()) {
    return Corrupt(
        absl::StrCat(block_.size() - pos, " trailing bytes after ", records, " records"));
  }
  return absl::OkStatus();
}

absl::Status RecordReader::ReadEndMarker() {
  int64_t remaining = file_size_ - block_offset_;
  if (remaining < static_cast<int64_t>(kEndMarkerBytes) || !ReadExactly(8, &stored_)) {
    return Corrupt("truncated end marker");
  }
  uint64_t total = LoadU64(stored_.data());
  if (total != static_cast<uint64_t>(records_read_)) {
    return Corrupt(
        absl::StrCat("end marker counts ", total, " records but the blocks hold ", records_read_));
  }
  if (total != header_.record_count()) {
    return Corrupt(absl::StrCat("end marker counts ", total, " records but the header says ",
                                header_.record_count()));
  }
  if (block_index_ != static_cast<int64_t>(header_.block_count())) {
    return Corrupt(absl::StrCat("the file holds ", block_index_, " blocks but the header says ",
                                header_.block_count()));
  }
  if (offset_ != file_size_) {
    return Corrupt(absl::StrCat(file_size_ - offset_, " unexpected bytes after the end marker"));
  }
  return absl::OkStatus();
}

}  // namespace wordmill
