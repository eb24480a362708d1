// Encodes the corpus with a subword model into token-id shards (formats/id_shard.h), the files
// the trainers read. Every rank takes the work units of the vocabulary stage's plan; its
// threads encode whole units in parallel (each with its own WordTokenizer, with the model's
// TokenizerSpec, and SubwordEncoder) into memory, and the calling thread writes them in plan
// order, so the shard does not depend on the thread count. At most 2 x threads units are held
// at once. Paragraphs longer than IdShardSpec.max_sentence_tokens ids are cut; the first
// paragraph of every unit is flagged as a document start, as in workers/id_encoder.h.
#ifndef WORDMILL_WORKERS_SUBWORD_ENCODER_H_
#define WORDMILL_WORKERS_SUBWORD_ENCODER_H_

#include <string>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "formats/wordmill.pb.h"
#include "tokenizers/subword_model.h"

namespace wordmill {

struct SubwordEncodeResult {
  std::string path;         // this rank's shard
  int64_t tokens = 0;       // ids written, summed over ranks
  int64_t words = 0;        // words of the word tokenizer, summed over ranks
  int64_t bytes = 0;        // uncompressed input bytes, summed over ranks
  int64_t rank_tokens = 0;  // this rank's ids
};

// Writes `<dir>/ids-<rank>-of-<ranks>.wmrec` on every rank (vocabulary checksum: that of
// PieceVocabulary(model)). Collective.
absl::StatusOr<SubwordEncodeResult> EncodeCorpusWithModel(const TokenizerEncodeCommand& spec,
                                                          const SubwordModel& model,
                                                          const std::string& spec_text,
                                                          Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_SUBWORD_ENCODER_H_
