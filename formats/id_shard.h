// Token-id shards: the corpus as vocabulary ids, one record file per rank.
//
// Each record is one paragraph: a little-endian uint32 of flags (bit 0: the paragraph starts a
// document, or a work unit, so no context window reaches back across it) followed by the
// paragraph's ids as little-endian uint32. The header's record type is "wordmill.IdParagraph" and
// its metadata holds "vocab_checksum" (16 hex digits, see VocabularyChecksum), "vocab_size" and
// "rank"/"ranks"; the header's record_count is the number of paragraphs. Trainers and the
// co-occurrence counter read these instead of re-tokenizing the text every epoch.
#ifndef WORDMILL_FORMATS_ID_SHARD_H_
#define WORDMILL_FORMATS_ID_SHARD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "formats/record_file.h"

namespace wordmill {

inline constexpr char kIdParagraphType[] = "wordmill.IdParagraph";

// `<dir>/ids-<rank>-of-<ranks>.wmrec` (rank and ranks zero-padded to 5 digits).
std::string IdShardPath(const std::string& dir, int rank, int ranks);

struct IdShardInfo {
  uint64_t vocab_checksum = 0;
  int64_t vocab_size = 0;
  int64_t paragraphs = 0;
};

class IdShardWriter {
 public:
  static absl::StatusOr<std::unique_ptr<IdShardWriter>> Open(
      const std::string& path, uint64_t vocab_checksum, int64_t vocab_size, int rank, int ranks,
      const std::string& spec_type, const std::string& spec_text);
  absl::Status Add(const uint32_t* ids, size_t n, bool starts_document);
  absl::Status Close();
  int64_t tokens() const { return tokens_; }

 private:
  std::unique_ptr<RecordWriter> writer_;
  std::string buffer_;
  int64_t tokens_ = 0;
};

class IdShardReader {
 public:
  // Opens and checks the header; `expected_checksum` != 0 must equal the shard's vocabulary
  // checksum (FailedPrecondition naming the file otherwise).
  static absl::StatusOr<std::unique_ptr<IdShardReader>> Open(const std::string& path,
                                                             uint64_t expected_checksum);
  const IdShardInfo& info() const { return info_; }
  // Next paragraph into *ids (replaced); false at the end. Ids >= vocab_size, a malformed
  // record or container corruption are DataLoss errors naming the file.
  absl::StatusOr<bool> Next(std::vector<uint32_t>* ids, bool* starts_document);

 private:
  std::string path_;
  std::unique_ptr<RecordReader> reader_;
  IdShardInfo info_;
};

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_ID_SHARD_H_
