// Encodes the corpus into token-id shards (formats/id_shard.h): every rank tokenizes its work
// units (the same plan as the vocabulary stage), maps words to ids with the vocabulary, and
// writes its shard; paragraphs longer than IdShardSpec.max_sentence_tokens are cut. Words not
// in the vocabulary are dropped (and counted). The first paragraph of every work unit is
// flagged as a document start: a plain-text file cut into several units loses the few context
// pairs that would span a cut (at most window pairs per side per cut); files that are not cut
// (compressed, Brown, small) and WikiExtractor/JSONL units (cut at documents) lose nothing.
#ifndef WORDMILL_WORKERS_ID_ENCODER_H_
#define WORDMILL_WORKERS_ID_ENCODER_H_

#include <string>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct IdEncodeResult {
  std::string path;         // this rank's shard
  int64_t tokens = 0;       // in-vocabulary tokens written, summed over ranks
  int64_t dropped = 0;      // tokens not in the vocabulary, summed over ranks
  int64_t rank_tokens = 0;  // this rank's tokens
};

// Writes `<dir>/ids-<rank>-of-<ranks>.wmrec` on every rank. `spec_type`/`spec_text` are
// recorded in the shard header. Collective.
absl::StatusOr<IdEncodeResult> EncodeCorpus(const InputSpec& input, const TokenizerSpec& tokenizer,
                                            const IdShardSpec& ids, const RuntimeSpec& runtime,
                                            const Vocabulary& vocab, const std::string& dir,
                                            const std::string& spec_type,
                                            const std::string& spec_text, Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_ID_ENCODER_H_
