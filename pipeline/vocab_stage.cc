// The `vocab` stage of a word pipeline: the vocabulary of the corpus (RunVocabStage, as
// `wordmill vocab`). Subword pipelines have their own (subword_vocab_stage.cc).
#include "pipeline/stage.h"

namespace wordmill {
namespace {

class VocabStage : public Stage {
 public:
  VocabStage(const PlanContext& c) : Stage("vocab", c.StageDir("vocab")) {
    const Pipeline& p = c.pipeline;
    inputs_.corpus = true;
    *spec_.mutable_input() = p.input();
    *spec_.mutable_tokenizer() = p.tokenizer();
    *spec_.mutable_vocabulary() = p.vocabulary();
    *spec_.mutable_runtime() = p.runtime();
    spec_.set_output_dir(dir());
  }
  std::string SpecType() const override { return VocabCommand::descriptor()->full_name(); }
  std::string SpecText(int) const override { return SpecTextWithoutRuntime(spec_); }
  absl::Status Validate() const override { return ValidateVocabCommand(spec_); }
  absl::Status Run(const StageRunContext& c, StageOutputs* outputs) const override {
    return RunVocabStage(spec_, c.comm, outputs);
  }

 private:
  VocabCommand spec_;
};

}  // namespace

void PlanVocabStage(const PlanContext& context, int, StageList* out) {
  if (!context.subword()) out->push_back(std::make_unique<VocabStage>(context));
}

}  // namespace wordmill
