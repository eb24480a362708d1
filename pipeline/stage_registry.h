// The one list of stage kinds `wordmill run` knows (pipeline/stage.h): adding a stage kind is
// one new file (pipeline/<kind>_stage.cc, defining its Stage class and planner) and one line in
// stage_registry.cc.
#ifndef WORDMILL_PIPELINE_STAGE_REGISTRY_H_
#define WORDMILL_PIPELINE_STAGE_REGISTRY_H_

#include <vector>

#include "pipeline/stage.h"

namespace wordmill {

// When a kind's planner is called: once before the models (vocabulary, encoding,
// co-occurrences), once per Pipeline.model in config order (trainer, eval, export of that
// model), or once after all models.
enum class StagePhase { kBeforeModels, kPerModel, kAfterModels };

struct StageKind {
  const char* name;  // for docs and tests, e.g. "cooccur"
  StagePhase phase;
  StagePlanner* plan;
};

// Every stage kind, in the order their stages run within a phase.
const std::vector<StageKind>& RegisteredStageKinds();

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_STAGE_REGISTRY_H_
