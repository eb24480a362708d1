// NumPy `.npy` matrices (format 1.0, '<f4', C order, shape (rows, dim)) and the `vocab.txt`
// that goes with them (line k is the word of row k), so that
// `np.load("vectors.npy", mmap_mode="r")` and `open("vectors.vocab.txt").read().split("\n")`
// give a PyTorch/NumPy user the matrix and its words.
//
// The reader accepts format 1.0 and 2.0 files of '<f4' C-order 2-D arrays and checks the header
// dictionary and the shape against the file size before reading any data: a wrong dtype, a
// Fortran-order array, a shape that does not match the data bytes, or a bad magic is an error
// naming the file and the header field.
#ifndef WORDMILL_FORMATS_NPY_FILE_H_
#define WORDMILL_FORMATS_NPY_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/embedding_file.h"

namespace wordmill {

// Writes the matrix of `m` (not the words) atomically.
absl::Status WriteNpy(const std::string& path, const EmbeddingMatrix& m);
// Writes the words of `m`, one per line, atomically; a word with '\n' is an error.
absl::Status WriteVocabTxt(const std::string& path, const EmbeddingMatrix& m);

struct NpyMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float> values;  // rows * cols, row-major
};
absl::StatusOr<NpyMatrix> ReadNpy(const std::string& path);

// Where the matrix of a .npy file is: checked against `file_size` (the real size) before the
// caller allocates or maps anything. `head` holds the file's first bytes (at least the header).
struct NpyLayout {
  int64_t rows = 0;
  int64_t cols = 0;
  uint64_t data_offset = 0;  // rows * cols little-endian float32 from here to the end
};
absl::StatusOr<NpyLayout> ParseNpyHeader(const std::string& path, absl::string_view head,
                                         uint64_t file_size);
// The words of a vocab.txt (line k = row k): exactly `expected_rows` lines, distinct and
// non-empty; a wrong count names `matrix` (e.g. "v.npy has shape (30, 7)").
absl::StatusOr<std::vector<std::string>> ReadVocabTxt(const std::string& path,
                                                      int64_t expected_rows,
                                                      const std::string& matrix);
// The .npy matrix with the words of `vocab_path` (as many lines as rows, distinct, non-empty).
absl::StatusOr<EmbeddingMatrix> ReadNpyEmbeddings(const std::string& npy_path,
                                                  const std::string& vocab_path);

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_NPY_FILE_H_
