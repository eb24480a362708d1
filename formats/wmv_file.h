// The shared embedding file `.wmv`: a fixed preamble, a protobuf WmvHeader, a 64-byte-aligned
// row-major matrix (float32 or float16), the vocabulary (an offset table and the word bytes) and
// an open-addressing hash index, all in one file that many processes mmap and look words up in
// without loading it. Byte layout: formats/README.md and WmvHeader in wordmill.proto.
//
// WmvReader::Open validates the whole structure against the file before any row is touched:
// magic, version, header size and checksum, every section's offset, size and alignment, that the
// sections tile the file exactly (a header claiming more rows than the file holds, or a
// truncated file, is DataLoss naming the field), and the first and last word offsets.
// VerifyChecksums() additionally reads every section and compares its XXH3-64.
#ifndef WORDMILL_FORMATS_WMV_FILE_H_
#define WORDMILL_FORMATS_WMV_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "formats/embedding_file.h"
#include "formats/mapped_file.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// The 8 magic bytes at offset 0 ("\x89WMV\r\n\x1a\n": a text-mode transfer or a non-.wmv file
// is recognised at once).
extern const char kWmvMagic[8];
constexpr uint32_t kWmvFormatVersion = 1;
constexpr int64_t kWmvPreambleBytes = 24;
constexpr int64_t kWmvAlignment = 64;

struct WmvWriteOptions {
  WmvDtype dtype = WMV_FLOAT32;
  // Recorded in the header: whether the rows of `m` are L2-normalized (the writer does not
  // normalize).
  bool normalized = false;
  // Provenance recorded in the header.
  std::string spec_type;
  std::string spec_text;
  std::string source;
};

// Writes `m` as a .wmv file atomically (AtomicFileWriter). Words must be non-empty, distinct and
// free of '\n'; float16 refuses values that overflow it (naming row and column).
absl::Status WriteWmv(const std::string& path, const EmbeddingMatrix& m,
                      const WmvWriteOptions& options);

// Whether `data` (a file's first bytes) starts with the .wmv magic.
bool HasWmvMagic(absl::string_view data);

class WmvReader {
 public:
  // Maps `path` read-only and validates its structure (see above). Errors name the file and the
  // offending field or byte offset.
  static absl::StatusOr<std::unique_ptr<WmvReader>> Open(const std::string& path);
  ~WmvReader();
  WmvReader(const WmvReader&) = delete;
  WmvReader& operator=(const WmvReader&) = delete;

  int64_t rows() const { return rows_; }
  int dim() const { return dim_; }
  WmvDtype dtype() const { return header_.dtype(); }
  bool normalized() const { return header_.normalized(); }
  const WmvHeader& header() const { return header_; }
  const std::string& path() const { return path_; }

  // Row i of a float32 file (empty for float16 files).
  absl::Span<const float> Row(int64_t i) const;
  // Row i of a float16 file as raw binary16 values (empty for float32 files).
  absl::Span<const uint16_t> RowF16(int64_t i) const;
  // Row i as float32 whatever the dtype (float16 converted exactly); `out` holds dim() values.
  void CopyRow(int64_t i, float* out) const;
  // The word of row i (empty if the offset table is corrupt there; VerifyChecksums finds that).
  absl::string_view Word(int64_t i) const;
  // The row of `word`, or -1: one hash, a few probes, one comparison.
  int64_t Find(absl::string_view word) const;

  // Reads every section and compares the checksums in the header; also checks that the word
  // offsets increase. DataLoss naming the file and the section.
  absl::Status VerifyChecksums() const;
  // Copies everything into memory (float16 converted to float32).
  EmbeddingMatrix ToMatrix() const;

 private:
  WmvReader() = default;
  absl::Status Validate(int64_t file_size);

  std::string path_;
  std::unique_ptr<MappedFile> file_;
  const char* base_ = nullptr;  // file_'s bytes
  size_t size_ = 0;
  WmvHeader header_;
  int64_t rows_ = 0;
  int dim_ = 0;
  const char* matrix_ = nullptr;
  const char* word_offsets_ = nullptr;  // rows + 1 little-endian u64
  const char* words_ = nullptr;
  const char* index_ = nullptr;  // index_slots little-endian u64
  uint64_t index_mask_ = 0;
};

// Reads a whole .wmv file into memory after VerifyChecksums.
absl::StatusOr<EmbeddingMatrix> ReadWmv(const std::string& path);

// IEEE binary16 <-> binary32 (round to nearest even; Eigen::half).
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t bits);

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_WMV_FILE_H_
