// The record-file container used for every intermediate wordmill file.
//
// Layout (all integers little-endian; see formats/README.md):
//   magic          8 bytes  "WMRECv1\n"
//   header_size    u32      size of the serialized RecordFileHeader
//   header         bytes    RecordFileHeader (wordmill.proto); record_count and block_count
//                           are fixed64 so the writer rewrites them in place on Close()
//   header_hash    u64      XXH3-64 of the header bytes
//   blocks         repeated:
//     block_magic  u32      0x4B4C4257 ("WBLK")
//     stored_size  u32      zstd-compressed payload size
//     raw_size     u32      payload size after decompression
//     records      u32      records in this block
//     hash         u64      XXH3-64 of the compressed payload
//     payload      bytes    zstd frame; records are concatenated, each prefixed by its varint
//                           length unless header.record_size > 0 (fixed-size records)
//   end marker     u32      0x444E4557 ("WEND"), then u64 total records
// Readers verify every hash, size and count and fail with DataLoss naming the file, the block
// index and its byte offset. Writers go through AtomicFileWriter (temp name + rename).
#ifndef WORDMILL_FORMATS_RECORD_FILE_H_
#define WORDMILL_FORMATS_RECORD_FILE_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/atomic_file.h"
#include "formats/wordmill.pb.h"

// zstd's context types, declared here so that users of this header need not include <zstd.h>.
struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace wordmill {

inline constexpr uint32_t kRecordFormatVersion = 1;

struct RecordWriterOptions {
  std::string record_type;   // e.g. "wordmill.VocabEntry"
  uint32_t record_size = 0;  // 0: variable-size records
  std::string spec_type;     // full name of the spec message, e.g. "wordmill.VocabCommand"
  std::string spec_text;     // the spec in protobuf text format
  std::map<std::string, std::string> metadata;
  size_t block_bytes = 1 << 20;  // raw bytes per block before compression
  int zstd_level = 3;
};

class RecordWriter {
 public:
  static absl::StatusOr<std::unique_ptr<RecordWriter>> Open(const std::string& path,
                                                            const RecordWriterOptions& options);
  ~RecordWriter();  // Without Close() the temporary file is removed.

  // Appends one record. Fixed-size files require record.size() == record_size.
  absl::Status Append(absl::string_view record);
  // Writes the last block and the end marker, rewrites the header counts, commits atomically.
  absl::Status Close();

  int64_t record_count() const { return record_count_; }

 private:
  RecordWriter() = default;
  absl::Status FlushBlock();
  std::string SerializeHeader() const;

  std::unique_ptr<AtomicFileWriter> file_;
  ZSTD_CCtx_s* cctx_ = nullptr;
  RecordWriterOptions options_;
  RecordFileHeader header_;
  int64_t header_offset_ = 0;
  size_t header_size_ = 0;
  std::string block_;
  std::string compressed_;
  uint32_t block_records_ = 0;
  int64_t record_count_ = 0;
  int64_t block_count_ = 0;
  bool closed_ = false;
};

class RecordReader {
 public:
  // Opens the file and verifies magic, header hash and format version.
  static absl::StatusOr<std::unique_ptr<RecordReader>> Open(const std::string& path);
  ~RecordReader();

  const RecordFileHeader& header() const { return header_; }
  const std::string& path() const { return path_; }

  // Sets *record to the next record (valid until the next call) and returns true, or returns
  // false after the last record once the end marker and all counts have been verified.
  // Corruption or truncation is a DataLoss error naming the file, block and offset.
  absl::StatusOr<bool> Next(absl::string_view* record);

 private:
  RecordReader() = default;
  absl::Status ReadBlock(bool* end);
  absl::Status ReadHeader();
  absl::Status ReadEndMarker();
  absl::Status CheckBlockRecords();
  bool ReadExactly(size_t size, std::string* out);
  absl::Status Corrupt(const std::string& what) const;
  absl::Status HeaderCorrupt(const std::string& what) const;

  std::string path_;
  ZSTD_DCtx_s* dctx_ = nullptr;
  std::FILE* file_ = nullptr;
  int64_t file_size_ = 0;
  int64_t offset_ = 0;
  RecordFileHeader header_;
  std::string stored_;
  std::string block_;
  size_t block_pos_ = 0;
  uint32_t block_records_left_ = 0;
  int64_t block_index_ = -1;
  int64_t block_offset_ = 0;
  int64_t records_read_ = 0;
  bool done_ = false;
  absl::Status error_;  // the first error; Next() keeps returning it
};

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_RECORD_FILE_H_
