// The work of each stage as a library function taking its spec and the communicator. The CLI
// subcommands (`wordmill vocab`, `sgns`, ...) and `wordmill run` (pipeline/run.h) both call
// these, so a stage behaves the same however it is started. Every function is collective: all
// ranks call it with the same spec, and all return the same status (the failing rank its own
// error, the others Aborted). Summaries go to stdout on rank 0, as the subcommands print them.
#ifndef WORDMILL_PIPELINE_STAGES_H_
#define WORDMILL_PIPELINE_STAGES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// What a stage produced, for the pipeline's manifests and report.
struct StageOutputs {
  // Files the stage wrote (on any rank), the ones later stages or users read.
  std::vector<std::string> files;
  // Work done, for the throughput column: `work_items` of `work_unit` (e.g. tokens, words x
  // epochs, records x epochs).
  int64_t work_items = 0;
  std::string work_unit;
  // The trainer stopped early (SgnsSpec.stop_after_epochs): outputs are not written.
  bool stopped = false;
};

// Called on every rank after each completed (and checkpointed) training epoch, 1-based.
using EpochCallback = std::function<void(int epoch)>;

// Usage errors in a spec (InvalidArgument naming the flag, e.g. "--dim must be ...").
absl::Status ValidateVocabCommand(const VocabCommand& spec);
absl::Status ValidateSgnsCommand(const SgnsCommand& spec);
absl::Status ValidateCooccurCommand(const CooccurCommand& spec);
absl::Status ValidateGloveCommand(const GloveCommand& spec);
absl::Status ValidateEvalCommand(const EvalCommand& spec);
absl::Status ValidateNeighborsCommand(const NeighborsCommand& spec);

// `wordmill vocab`: vocab.tsv, vocab.wmrec, exports and stats.textproto in output_dir.
absl::Status RunVocabStage(const VocabCommand& spec, Communicator* comm, StageOutputs* outputs);
// `wordmill sgns`: vocabulary, id shards, training with a checkpoint per epoch, vectors.
// `encoded_ids`: a directory of id shards already encoded under spec.vocab (a subword
// pipeline's vocab stage) to train on instead of encoding spec.input.
absl::Status RunSgnsStage(const SgnsCommand& spec, Communicator* comm, StageOutputs* outputs,
                          const EpochCallback& on_epoch = nullptr,
                          const std::string& encoded_ids = "");
// `wordmill cooccur`: one sorted co-occurrence shard per rank in output_dir (`encoded_ids` as
// for RunSgnsStage).
absl::Status RunCooccurStage(const CooccurCommand& spec, Communicator* comm, StageOutputs* outputs,
                             const std::string& encoded_ids = "");

// `wordmill tokenizer train`: DIR/tokenizer.wmrec and DIR/vocab.txt.
absl::Status ValidateTokenizerTrainCommand(const TokenizerTrainCommand& spec);
absl::Status RunTokenizerTrainStage(const TokenizerTrainCommand& spec, Communicator* comm,
                                    StageOutputs* outputs);
// The vocab stage of a subword pipeline (workers/subword_vocab.h): encodes spec.input with the
// model spec.model into id shards in spec.output_dir (vocabulary ids), and writes vocab.tsv
// (the tokens that occur, with counts) and tokens.txt (every token, line k = token id k: the
// row order of the exports) in `dir`. The model's word tokenizer must equal `tokenizer`.
absl::Status RunSubwordVocabStage(const TokenizerEncodeCommand& spec,
                                  const TokenizerSpec& tokenizer, const std::string& dir,
                                  Communicator* comm, StageOutputs* outputs);
// `wordmill glove`: GloVe training with a checkpoint per epoch, vectors in output_dir.
absl::Status RunGloveStage(const GloveCommand& spec, Communicator* comm, StageOutputs* outputs,
                           const EpochCallback& on_epoch = nullptr);

// Evaluation of one vector file: analogies and similarity per `eval` (either may be absent:
// empty analogy / similarity), and the nearest neighbours of `neighbors.word` (words not in the
// vocabulary are listed without neighbours). One process; reads files only.
absl::StatusOr<EvaluationResult> EvaluateVectors(const EvalCommand& eval,
                                                 const NeighborsCommand& neighbors);
// The tables `wordmill eval` prints.
void PrintEvaluation(const EvalCommand& eval, const EvaluationResult& result);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_STAGES_H_
