// The stages of a Pipeline in dependency order, each with the spec of the subcommand that does
// its work (pipeline/stages.h) and the files it reads:
//
//   vocab ─┬─ model-<sgns model> ──────────────┬─ eval-<model> ─ export-<model> ─┐
//          └─ cooccur ─ model-<glove model> ───┘                                 └─ report
//
// With a subword tokenizer (Pipeline.tokens) a `tokenizer` stage (training it, unless a model
// file is given) comes first, the vocab stage encodes the corpus with it into id shards that
// cooccur and the skip-gram models read instead of the corpus, and exports order rows by token
// id (tokens.txt of the vocab stage).
//
// Each stage works in its own directory work_dir/<stage> (export writes output_dir/<model>/).
#ifndef WORDMILL_PIPELINE_STAGE_GRAPH_H_
#define WORDMILL_PIPELINE_STAGE_GRAPH_H_

#include <string>
#include <utility>
#include <vector>

#include "formats/wordmill.pb.h"

namespace wordmill {

enum class StageKind { kVocab, kSgns, kCooccur, kGlove, kEval, kExport, kTokenizer, kSubwordVocab };

struct PlannedStage {
  std::string name;  // vocab, cooccur, model-<name>, eval-<name>, export-<name>
  StageKind kind = StageKind::kVocab;
  std::string dir;  // work_dir/<name>
  int model = -1;   // index into Pipeline.model for model, eval and export stages
  // Inputs from earlier stages: (stage name, file name in its directory; "" = all its outputs).
  std::vector<std::pair<std::string, std::string>> upstream;
  // The stage reads the corpus (fingerprinted by path, size and mtime).
  bool reads_corpus = false;
  // Other files read (evaluation sets), fingerprinted like the corpus.
  std::vector<std::string> extra_inputs;
  // Files in `dir` kept when a partial stage is redone with the same spec (epoch checkpoints).
  std::vector<std::string> checkpoints;
  // The spec of the stage's work; only the one for `kind` is set (eval: eval and neighbors).
  VocabCommand vocab;
  SgnsCommand sgns;
  CooccurCommand cooccur;
  GloveCommand glove;
  EvalCommand eval;
  NeighborsCommand neighbors;
  std::string export_dir;           // export: output_dir/<model>
  std::vector<ExportSpec> exports;  // export: input and output_dir filled in
  // Subword pipelines: the tokenizer stage's spec; the vocab stage's (kSubwordVocab: model and
  // id shard directory filled in); the id shards cooccur and sgns read (work_dir/vocab/ids);
  // exports are in token-id order (ExportSpec.row_order = work_dir/vocab/tokens.txt).
  TokenizerTrainCommand tokenizer_train;
  TokenizerEncodeCommand encode;
  std::string encoded_ids;
  // Rough relative cost, for the overall ETA before any stage has been timed.
  double estimated_cost = 1;
};

// work_dir, or <output_dir>/work when it is empty.
std::string WorkDir(const Pipeline& pipeline);

// The stages of `pipeline` in the order they run.
std::vector<PlannedStage> PlanStages(const Pipeline& pipeline);

// The stage's spec in text format with what does not change its outputs cleared (runtime,
// resume, stop_after_epochs): the part of the fingerprint that is not files.
std::string StageSpecType(const PlannedStage& stage);
std::string StageSpecText(const PlannedStage& stage);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_STAGE_GRAPH_H_
