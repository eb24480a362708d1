#include "pipeline/stage_registry.h"

namespace wordmill {

// Each kind's planner, defined in its pipeline/<kind>_stage.cc.
StagePlanner PlanTokenizerStage, PlanSubwordVocabStage, PlanVocabStage, PlanCooccurStage,
    PlanWord2vecStage, PlanGloveStage, PlanEvalStage, PlanExportStage;

const std::vector<StageKind>& RegisteredStageKinds() {
  static const std::vector<StageKind> kinds = {
      {"tokenizer", StagePhase::kBeforeModels, PlanTokenizerStage},
      {"subword-vocab", StagePhase::kBeforeModels, PlanSubwordVocabStage},
      {"vocab", StagePhase::kBeforeModels, PlanVocabStage},
      {"cooccur", StagePhase::kBeforeModels, PlanCooccurStage},
      {"word2vec", StagePhase::kPerModel, PlanWord2vecStage},
      {"glove", StagePhase::kPerModel, PlanGloveStage},
      {"eval", StagePhase::kPerModel, PlanEvalStage},
      {"export", StagePhase::kPerModel, PlanExportStage},
  };
  return kinds;
}

}  // namespace wordmill
