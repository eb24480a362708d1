// The stages of a Pipeline in dependency order, planned by the registered stage kinds
// (pipeline/stage_registry.h), each a Stage (pipeline/stage.h) owning its spec:
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

#include "formats/wordmill.pb.h"
#include "pipeline/stage.h"

namespace wordmill {

// work_dir, or <output_dir>/work when it is empty.
std::string WorkDir(const Pipeline& pipeline);

// The stages of `pipeline` in the order they run: every registered kind's planner, those of
// StagePhase::kBeforeModels first, then per model (config order), then kAfterModels.
StageList PlanStages(const Pipeline& pipeline);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_STAGE_GRAPH_H_
