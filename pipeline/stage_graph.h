// The stages of a Pipeline in dependency order, each with the spec of the subcommand that does
// its work (pipeline/stages.h) and the files it reads:
//
//   vocab ─┬─ model-<sgns model> ──────────────┬─ eval-<model> ─ export-<model> ─┐
//          └─ cooccur ─ model-<glove model> ───┘                                 └─ report
//
// Each stage works in its own directory work_dir/<stage> (export writes output_dir/<model>/).
#ifndef WORDMILL_PIPELINE_STAGE_GRAPH_H_
#define WORDMILL_PIPELINE_STAGE_GRAPH_H_

#include <string>
#include <utility>
#include <vector>

#include "formats/wordmill.pb.h"

namespace wordmill {

enum class StageKind { kVocab, kSgns, kCooccur, kGlove, kEval, kExport };

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
  std::string export_dir;  // export: output_dir/<model>
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
