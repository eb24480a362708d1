// `wordmill export` and the pipeline's export step: one embedding file in, the hand-off formats
// out (ExportFormat in wordmill.proto: word2vec text and binary, GloVe text, fastText .vec,
// NumPy .npy + vocab.txt, the shared .wmv).
//
// Order of work: validate the spec and the output directory, read the input (format detected;
// a .wmv is checksum-verified), reorder rows by spec.row_order (tokens missing from the input
// get rows by spec.unknown_rows and are counted), L2-normalize if asked, then write every
// format into a staging directory inside output_dir and rename the files into place only when
// all of them are complete. Any error leaves output_dir as it was (no partial or temporary
// files), and names the file and field at fault.
#ifndef WORDMILL_FORMATS_EMBEDDING_EXPORT_H_
#define WORDMILL_FORMATS_EMBEDDING_EXPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/embedding_file.h"
#include "formats/wordmill.pb.h"
#include "google/protobuf/message.h"

namespace wordmill {

struct ExportResult {
  std::vector<std::string> files;  // final paths, in ExportFormat order
  int64_t rows = 0;
  int dim = 0;
  // row_order tokens that the input did not have (filled by spec.unknown_rows).
  int64_t unknown_rows = 0;
  // Input rows whose word is not in row_order (dropped).
  int64_t dropped_rows = 0;
};

// `producing_spec` is recorded in the .wmv header (type name and text format); null records
// `spec` itself.
absl::StatusOr<ExportResult> ExportEmbeddings(
    const ExportSpec& spec, const google::protobuf::Message* producing_spec = nullptr);

// The file name (inside output_dir) of each format: B.txt, B.bin, B.glove.txt, B.vec, B.npy
// (plus B.vocab.txt), B.wmv.
std::vector<std::string> ExportFileNames(ExportFormat format, const std::string& basename);

// The steps of ExportEmbeddings, for callers that hold the matrix already.
// Reads any vectors file (Vectors::ReadAll, formats/vectors.h; a .wmv's checksums verified).
absl::StatusOr<EmbeddingMatrix> ReadAnyEmbeddings(const std::string& path);
// The tokens of a row-order file (token list, vocab.tsv or vocab.wmrec).
absl::StatusOr<std::vector<std::string>> ReadRowOrder(const std::string& path);
// Row k of the result is tokens[k]: its input row, or a row made by `rule` (counted in
// *unknown); input words not in tokens are counted in *dropped.
EmbeddingMatrix ReorderRows(const EmbeddingMatrix& m, const std::vector<std::string>& tokens,
                            UnknownRowInit rule, uint64_t seed, int64_t* unknown, int64_t* dropped);
// Scales every nonzero row to unit L2 norm.
void NormalizeRows(EmbeddingMatrix* m);

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_EMBEDDING_EXPORT_H_
