#include "pipeline/stage_graph.h"

#include "absl/strings/str_cat.h"
#include "pipeline/stage_registry.h"

namespace wordmill {
namespace {

const Stage* FindIn(const StageList& stages, const std::string& name) {
  for (const std::unique_ptr<Stage>& s : stages) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

}  // namespace

const Stage* PlanContext::Find(const std::string& name) const { return FindIn(planned, name); }

const Stage* StageRunContext::Find(const std::string& name) const {
  return plan == nullptr ? nullptr : FindIn(*plan, name);
}

std::string WorkDir(const Pipeline& pipeline) {
  return pipeline.work_dir().empty() ? absl::StrCat(pipeline.output_dir(), "/work")
                                     : pipeline.work_dir();
}

StageList PlanStages(const Pipeline& pipeline) {
  StageList stages;
  const PlanContext context{pipeline, WorkDir(pipeline), stages};
  auto plan_phase = [&](StagePhase phase, int model) {
    for (const StageKind& kind : RegisteredStageKinds()) {
      if (kind.phase == phase) kind.plan(context, model, &stages);
    }
  };
  plan_phase(StagePhase::kBeforeModels, -1);
  for (int m = 0; m < pipeline.model_size(); ++m) plan_phase(StagePhase::kPerModel, m);
  plan_phase(StagePhase::kAfterModels, -1);
  return stages;
}

}  // namespace wordmill
