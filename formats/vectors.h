// wordmill::vectors — open any word-vectors file wordmill writes or reads, whatever its format,
// and look words and rows up in it. The one reader behind `wordmill eval`, `neighbors` and
// `export`, and the library downstream C++ code links (`find_package(wordmill CONFIG)`, target
// `wordmill::vectors`; pkg-config `wordmill-vectors`). No MPI and no protobuf here: only the C++
// standard library and Abseil's Status, string_view and Span.
//
// Formats, detected from the content (never from the file name): the shared `.wmv` (mapped, rows
// used in place), NumPy `.npy` (mapped) with its words in `<stem>.vocab.txt` or `vocab.txt`
// beside it, word2vec binary and text, fastText `.vec`, GloVe text. Every size a header states
// is checked against the real file size before anything is allocated; a file of no known format
// is an error that names each format tried.
#ifndef WORDMILL_FORMATS_VECTORS_H_
#define WORDMILL_FORMATS_VECTORS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "formats/embedding_file.h"

namespace wordmill {

enum class VectorsFormat { kWmv, kNpy, kWord2vecBinary, kWord2vecText, kFasttextVec, kGloveText };
// "wmv", "npy", "word2vec binary", "word2vec text", "fastText vec", "GloVe text".
const char* VectorsFormatName(VectorsFormat format);

// The format of `path` from its first bytes; for a file of no known format an error that names
// each format tried.
absl::StatusOr<VectorsFormat> DetectVectorsFormat(const std::string& path);

struct VectorsOptions {
  // The words of a .npy file, one per line; empty: `<path without .npy>.vocab.txt`, else
  // `vocab.txt` in the same directory. Ignored for the other formats.
  std::string npy_vocab;
  // .wmv: also read every section and compare its XXH3-64 checksum (reads the whole file).
  bool verify_checksums = false;
};

class Vectors {
 public:
  // Opens `path` (errors name the file and the field or line at fault; NotFound when missing).
  // A float16 .wmv is converted to float32 in memory; .wmv and .npy float32 rows stay mapped;
  // the text and word2vec binary formats are read into memory.
  static absl::StatusOr<std::unique_ptr<Vectors>> Open(const std::string& path,
                                                       const VectorsOptions& options = {});
  // The whole file in memory (words and row-major values), without the word index.
  static absl::StatusOr<EmbeddingMatrix> ReadAll(const std::string& path,
                                                 const VectorsOptions& options = {});
  ~Vectors();
  Vectors(const Vectors&) = delete;
  Vectors& operator=(const Vectors&) = delete;

  const std::string& path() const;
  VectorsFormat format() const;
  int64_t rows() const;
  int dim() const;
  // Word of row i, 0 <= i < rows().
  absl::string_view Word(int64_t i) const;
  // Row of `word` (exact bytes), or -1.
  int64_t Find(absl::string_view word) const;
  // Row i: dim() floats.
  absl::Span<const float> Row(int64_t i) const;
  // All rows: rows() * dim() floats, row-major.
  absl::Span<const float> Matrix() const;

 private:
  struct Impl;
  explicit Vectors(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_VECTORS_H_
