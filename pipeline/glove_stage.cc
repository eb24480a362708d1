// The `model-<name>` stage of a GloVe model (`glove { ... }` in Pipeline.model): RunGloveStage,
// as `wordmill glove`, on the cooccur stage's shards, with a checkpoint per epoch and resume.
#include <algorithm>

#include "pipeline/run.h"
#include "pipeline/stage.h"

namespace wordmill {
namespace {

class GloveStage : public Stage {
 public:
  GloveStage(const PlanContext& c, int m)
      : Stage("model-" + c.pipeline.model(m).name(),
              c.StageDir("model-" + c.pipeline.model(m).name())) {
    const Pipeline& p = c.pipeline;
    const GloveSpec& glove = p.model(m).glove();
    config_model_ = m;
    inputs_.upstream = {{"vocab", "vocab.tsv"}, {"cooccur", ""}};
    *spec_.mutable_glove() = glove;
    *spec_.mutable_runtime() = p.runtime();
    spec_.set_cooccur_dir(c.StageDir("cooccur"));
    spec_.set_vocab(c.StageFile("vocab", "vocab.tsv"));
    spec_.set_output_dir(dir());
    checkpoints_ = {"glove-checkpoint.wmrec"};
    // A GloVe epoch (dim 100) costs about 14 vocabulary passes on enwiki.
    estimated_cost_ = std::max(0.1, 14.0 * glove.dim() / 100 * glove.epochs());
    model_name_ = p.model(m).name();
  }
  std::string SpecType() const override { return GloveCommand::descriptor()->full_name(); }
  std::string SpecText(int) const override {
    GloveCommand c = spec_;
    c.clear_resume();
    return SpecTextWithoutRuntime(c);
  }
  absl::Status Validate() const override { return ValidateGloveCommand(spec_); }
  int epochs() const override { return spec_.glove().epochs(); }
  const google::protobuf::Message* TrainingSpec() const override { return &spec_; }
  absl::Status Run(const StageRunContext& c, StageOutputs* outputs) const override {
    GloveCommand spec = spec_;
    spec.set_resume(c.resume);
    return RunGloveStage(spec, c.comm, outputs, c.on_epoch);
  }
  absl::Status AddToReport(PipelineRun* run) const override {
    run->trained.push_back({model_name_, "glove", "GloVe"});
    return absl::OkStatus();
  }

 private:
  GloveCommand spec_;
  std::string model_name_;
};

}  // namespace

void PlanGloveStage(const PlanContext& context, int model, StageList* out) {
  if (context.pipeline.model(model).has_glove()) {
    out->push_back(std::make_unique<GloveStage>(context, model));
  }
}

}  // namespace wordmill
