// The vocabulary of a subword pipeline (`wordmill run` with tokens { unit: TOKEN_UNIT_SUBWORD })
// and the id shards the trainers read.
//
// BuildSubwordVocabulary encodes the corpus with the model (workers/subword_encoder.h) into
// token-id shards in a temporary directory, counts every token id across the ranks (one
// all-reduce of vocab_size counts), and makes the vocabulary from the tokens that occur: their
// display strings (tokenizers/hf_export.h: byte-level BPE as GPT-2's printable bytes, so no
// token holds a space) with their counts, in the usual order (count descending, then bytes),
// which the samplers and the co-occurrence dense region rely on. Each rank then rewrites its
// shard with vocabulary ids (formats/id_shard.h; the vocabulary's checksum in the header), so
// cooccur, GloVe and SGNS read it like the shards of a word pipeline; no token is dropped. The
// export maps rows back to token ids (ExportSpec.row_order = the token list).
#ifndef WORDMILL_WORKERS_SUBWORD_VOCAB_H_
#define WORDMILL_WORKERS_SUBWORD_VOCAB_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"
#include "tokenizers/subword_model.h"
#include "workers/id_encoder.h"

namespace wordmill {

struct SubwordVocabResult {
  Vocabulary vocab;                 // tokens that occur, count order
  std::vector<std::string> tokens;  // every token's display string, id order
  int64_t unused_tokens = 0;        // tokens of the model that never occur
  int64_t tokens_total = 0;         // ids in the corpus, all ranks
  int64_t words = 0;                // words of the word tokenizer, all ranks
  int64_t bytes = 0;                // uncompressed input bytes, all ranks
  std::string shard;                // this rank's shard (vocabulary ids)
};

// Writes `<spec.output_dir>/ids-<rank>-of-<ranks>.wmrec` on every rank; `spec.output_dir` must
// exist. Tokens whose display strings are empty, repeat or hold whitespace (they could not be
// rows of the embedding text formats) are InvalidArgument. Collective.
absl::StatusOr<SubwordVocabResult> BuildSubwordVocabulary(const TokenizerEncodeCommand& spec,
                                                          const SubwordModel& model,
                                                          const std::string& spec_text,
                                                          Communicator* comm);

// The id shards of `dir` as a trainer's corpus: checks this rank's shard against `vocab`
// (FailedPrecondition naming the file when it was built with another vocabulary or for another
// number of ranks) and counts its tokens (summed over ranks in `tokens`). Collective.
absl::StatusOr<IdEncodeResult> OpenEncodedCorpus(const std::string& dir, const Vocabulary& vocab,
                                                 Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_SUBWORD_VOCAB_H_
