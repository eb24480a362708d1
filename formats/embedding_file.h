// Embedding matrices in memory and in the formats other tools read.
//
// Writers: word2vec text (`rows dim` header, then `word v1 … vdim` lines), word2vec binary
// (the same header, then per row `word ` + dim little-endian float32 + `\n`, as word2vec's
// -binary 1 and gensim's load_word2vec_format(binary=True) expect), fastText .vec and GloVe text
// (no header).
// All go through AtomicFileWriter. Readers detect the format from the content and validate
// everything: header sizes (refusing absurd ones before allocating), the number of values per
// row, parse errors, NaN/Inf, duplicate words, truncation — errors name the file and line or row.
#ifndef WORDMILL_FORMATS_EMBEDDING_FILE_H_
#define WORDMILL_FORMATS_EMBEDDING_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wordmill {

struct EmbeddingMatrix {
  std::vector<std::string> words;  // row k is words[k]
  int dim = 0;
  std::vector<float> values;  // words.size() * dim, row-major

  int64_t rows() const { return static_cast<int64_t>(words.size()); }
  const float* row(int64_t k) const { return values.data() + k * dim; }
  float* mutable_row(int64_t k) { return values.data() + k * dim; }
};

enum class EmbeddingFormat { kAuto, kWord2vecText, kWord2vecBinary, kGloveText };

absl::Status WriteWord2vecText(const std::string& path, const EmbeddingMatrix& m);
absl::Status WriteWord2vecBinary(const std::string& path, const EmbeddingMatrix& m);
absl::Status WriteGloveText(const std::string& path, const EmbeddingMatrix& m);
// fastText's .vec (FastText::saveVectors): the word2vec text layout, each value followed by a
// space (so lines end in " \n"); fastText prints 5 significant digits, we print the shortest
// text that reads back as the same float32. Read back as word2vec text.
absl::Status WriteFasttextVec(const std::string& path, const EmbeddingMatrix& m);

// The format the first bytes of a file (`head`, up to 1 MiB is plenty) show: a `rows dim` first
// line followed by non-text bytes is word2vec binary, followed by text word2vec text (fastText's
// .vec too); a first line of a word and numbers is GloVe text; anything else kAuto (unknown).
EmbeddingFormat SniffEmbeddingFormat(absl::string_view head);

// Reads a file in `format` (kAuto: SniffEmbeddingFormat, GloVe text when it finds nothing).
absl::StatusOr<EmbeddingMatrix> ReadEmbeddings(const std::string& path,
                                               EmbeddingFormat format = EmbeddingFormat::kAuto);

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_EMBEDDING_FILE_H_
