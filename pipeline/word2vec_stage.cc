// The `model-<name>` stage of a skip-gram/CBOW model (`sgns { ... }` in Pipeline.model):
// RunSgnsStage, as `wordmill sgns`, with a checkpoint per epoch and resume.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "pipeline/run.h"
#include "pipeline/stage.h"

namespace wordmill {
namespace {

// Relative to one vocabulary pass on enwiki (bench/RESULTS.md): a skip-gram epoch (dim 100,
// window 5, negative 5) costs about 10 passes.
double Word2vecCost(const SgnsSpec& s) {
  const double per_epoch = 10.0 * s.dim() / 100 * s.window() / 5 *
                           (s.loss() == LOSS_NS ? (s.negative() + 1) / 6.0 : 1.0) *
                           (s.model() == MODEL_CBOW ? 0.4 : 1.0);
  return std::max(0.1, per_epoch * s.epochs());
}

class Word2vecStage : public Stage {
 public:
  Word2vecStage(const PlanContext& c, int m)
      : Stage("model-" + c.pipeline.model(m).name(),
              c.StageDir("model-" + c.pipeline.model(m).name())) {
    const Pipeline& p = c.pipeline;
    config_model_ = m;
    inputs_.corpus = !c.subword();
    inputs_.upstream = {{"vocab", "vocab.tsv"}};
    *spec_.mutable_input() = p.input();
    *spec_.mutable_tokenizer() = p.tokenizer();
    *spec_.mutable_vocabulary() = p.vocabulary();
    if (c.subword()) {
      // Every token of the vocab stage's vocabulary is kept: its shards hold all of them.
      spec_.mutable_vocabulary()->set_min_count(1);
      spec_.mutable_vocabulary()->set_max_size(0);
      encoded_ids_ = c.StageFile("vocab", "ids");
      inputs_.upstream = {{"vocab", ""}};
    }
    *spec_.mutable_ids() = p.ids();
    *spec_.mutable_sgns() = p.model(m).sgns();
    *spec_.mutable_runtime() = p.runtime();
    spec_.set_output_dir(dir());
    spec_.set_vocab(c.StageFile("vocab", "vocab.tsv"));
    checkpoints_ = {"checkpoint/model.ckpt"};
    estimated_cost_ = Word2vecCost(p.model(m).sgns());
    model_name_ = p.model(m).name();
  }
  std::string SpecType() const override { return SgnsCommand::descriptor()->full_name(); }
  std::string SpecText(int) const override {
    SgnsCommand c = spec_;
    c.clear_resume();
    c.mutable_sgns()->clear_stop_after_epochs();
    return SpecTextWithoutRuntime(c);
  }
  absl::Status Validate() const override { return ValidateSgnsCommand(spec_); }
  int epochs() const override { return spec_.sgns().epochs(); }
  const google::protobuf::Message* TrainingSpec() const override { return &spec_; }
  absl::Status Run(const StageRunContext& c, StageOutputs* outputs) const override {
    SgnsCommand spec = spec_;
    spec.set_resume(c.resume);
    return RunSgnsStage(spec, c.comm, outputs, c.on_epoch, encoded_ids_);
  }
  absl::Status AddToReport(PipelineRun* run) const override {
    run->trained.push_back({model_name_, "sgns", "skip-gram/CBOW"});
    return absl::OkStatus();
  }

 private:
  SgnsCommand spec_;
  std::string encoded_ids_;  // subword pipelines: the vocab stage's id shards
  std::string model_name_;
};

}  // namespace

void PlanWord2vecStage(const PlanContext& context, int model, StageList* out) {
  if (context.pipeline.model(model).has_sgns()) {
    out->push_back(std::make_unique<Word2vecStage>(context, model));
  }
}

}  // namespace wordmill
