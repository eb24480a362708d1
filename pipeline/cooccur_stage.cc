// The `cooccur` stage: co-occurrence counts of the corpus (RunCooccurStage, as `wordmill
// cooccur`), planned when a GloVe model is listed.
#include <algorithm>

#include "pipeline/stage.h"

namespace wordmill {
namespace {

class CooccurStage : public Stage {
 public:
  CooccurStage(const PlanContext& c) : Stage("cooccur", c.StageDir("cooccur")) {
    const Pipeline& p = c.pipeline;
    inputs_.corpus = !c.subword();
    inputs_.upstream = {{"vocab", "vocab.tsv"}};
    if (c.subword()) {
      encoded_ids_ = c.StageFile("vocab", "ids");
      inputs_.upstream = {{"vocab", ""}};
    }
    *spec_.mutable_input() = p.input();
    *spec_.mutable_tokenizer() = p.tokenizer();
    *spec_.mutable_cooccur() = p.cooccur();
    *spec_.mutable_ids() = p.ids();
    *spec_.mutable_runtime() = p.runtime();
    spec_.set_vocab(c.StageFile("vocab", "vocab.tsv"));
    spec_.set_output_dir(dir());
    // Counting co-occurrences (window 10) costs about 20 vocabulary passes on enwiki.
    estimated_cost_ = 20.0 * p.cooccur().window() / 10;
  }
  std::string SpecType() const override { return CooccurCommand::descriptor()->full_name(); }
  std::string SpecText(int) const override { return SpecTextWithoutRuntime(spec_); }
  absl::Status Validate() const override { return ValidateCooccurCommand(spec_); }
  absl::Status Run(const StageRunContext& c, StageOutputs* outputs) const override {
    return RunCooccurStage(spec_, c.comm, outputs, encoded_ids_);
  }

 private:
  CooccurCommand spec_;
  std::string encoded_ids_;  // subword pipelines: the vocab stage's id shards
};

}  // namespace

void PlanCooccurStage(const PlanContext& context, int, StageList* out) {
  const auto& models = context.pipeline.model();
  if (std::any_of(models.begin(), models.end(),
                  [](const PipelineModel& m) { return m.has_glove(); })) {
    out->push_back(std::make_unique<CooccurStage>(context));
  }
}

}  // namespace wordmill
